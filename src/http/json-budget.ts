/**
 * What a route's JSON body may hold, checked on the raw text before it is parsed. A body
 * of tiny containers (`[{},{},…]`) costs some twenty times its size once parsed: the body
 * limit alone would let 64 MB of them take gigabytes. Routes that take large bodies say
 * how many containers (and values) their largest valid body holds; more is refused before
 * `JSON.parse` allocates anything.
 */
export interface JsonBudget {
  /** Objects and arrays, the body itself included. */
  containers?: number;
  /** Every value: containers, array items and object members. */
  values?: number;
  /** How deep arrays and objects may nest inside one another. */
  depth?: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** Where the string opened at `start` (a quote) ends: the index of its closing quote, or -1. */
function closingQuote(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end !== -1) {
    let slashes = 0;
    while (text.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

/**
 * The first limit of `budget` the JSON text goes past, or undefined. One pass over the
 * text; strings are skipped with `indexOf`, so a body of a million addresses costs a few
 * milliseconds. Malformed text is left for the parser to refuse.
 */
export function overBudget(text: string, budget: JsonBudget): { what: 'containers' | 'values' | 'depth'; limit: number } | undefined {
  const maxContainers = budget.containers ?? Infinity;
  const maxValues = budget.values ?? Infinity;
  const maxDepth = budget.depth ?? Infinity;
  let containers = 0;
  let depth = 0;
  // Every value but the first follows a comma or opens a container's first item.
  let values = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      if (end === -1) return undefined;
      i = end;
    } else if (c === COMMA) {
      if (++values > maxValues) return { what: 'values', limit: maxValues };
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return { what: 'depth', limit: maxDepth };
      if (++containers > maxContainers) return { what: 'containers', limit: maxContainers };
      if (++values > maxValues) return { what: 'values', limit: maxValues };
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return undefined;
}
