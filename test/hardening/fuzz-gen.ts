/**
 * Request generator of the fuzz test (test/hardening/fuzz.test.ts): routes are read from
 * the server's own OpenAPI document, bodies are built from each route's schema and then
 * broken in every way the review tried (wrong types, NUL, control characters, deep
 * nesting, huge strings and arrays, prototype names, malformed JSON, wrong content types).
 * Everything is drawn from one seeded PRNG, so a failing seed replays exactly.
 */

/** mulberry32: small, fast, good enough to choose mutations; the same seed gives the same run. */
export function prng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (max) => Math.floor(next() * max),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)] as never,
  };
  return rng;
}

export interface Rng {
  next(): number;
  /** 0 ≤ n < max. */
  int(max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

export type Schema = Record<string, unknown>;

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI path, `{param}` placeholders. */
  path: string;
  params: Array<{ name: string; in: 'path' | 'query'; schema: Schema }>;
  body?: Schema;
  /** Other content types the route takes (text/csv). */
  textBody: boolean;
}

/** Every route of the OpenAPI document (all surfaces), but those that wait by design (SSE). */
export function operationsOf(doc: { paths: Record<string, Record<string, Schema>>; components?: { schemas?: Record<string, Schema> } }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (path.endsWith('/stream') || path.startsWith('/docs') || path === '/openapi.json') continue;
    for (const [method, spec] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params = ((spec.parameters ?? []) as Array<{ name: string; in: string; schema?: Schema }>)
        .filter((p) => p.in === 'path' || p.in === 'query')
        .map((p) => ({ name: p.name, in: p.in as 'path' | 'query', schema: p.schema ?? {} }));
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) if (!params.some((p) => p.name === name)) params.push({ name: name as string, in: 'path', schema: { type: 'string' } });
      const content = ((spec.requestBody as Schema | undefined)?.content ?? {}) as Record<string, { schema?: Schema }>;
      const json = Object.entries(content).find(([type]) => type.includes('json'))?.[1]?.schema;
      ops.push({ method: method.toUpperCase() as Operation['method'], path, params, ...(json ? { body: json } : {}), textBody: Object.keys(content).some((type) => type.startsWith('text/')) });
    }
  }
  return ops;
}

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0001\u001f\u007f',
  '\r\n',
  '%00',
  '../../etc/passwd',
  "'; drop table contacts; --",
  '\ud800',
  '\uffff\ufeff',
  '😀'.repeat(50),
  'null',
  'true',
  '-1',
  '1e400',
  '9007199254740993',
  '__proto__',
  'constructor',
  'toString',
  'ann@example.com',
  'ANN@EXAMPLE.COM',
  'not-an-email@',
  'a@b',
  '00000000-0000-0000-0000-000000000000',
  '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  'lethe_000000000000000000000000_000000000000000000000000000000000000000000000000',
];

/** encodeURIComponent, but a lone surrogate becomes its (invalid) UTF-8 bytes instead of throwing. */
function enc(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

const NASTY_NUMBERS = [0, -1, 1, 2, 3, 2 ** 31, 2 ** 53, -(2 ** 53), 1.5, 1e308, -0];

/** Query and path values as text on the wire (already URL-encoded where needed). */
function wireValue(rng: Rng, known: KnownValues): string {
  switch (rng.int(8)) {
    case 0:
      return enc(rng.pick(NASTY_STRINGS));
    case 1:
      return String(rng.pick(NASTY_NUMBERS));
    case 2:
      return rng.pick(['%00', '%ff', '%', '%zz', '%C0%80', 'a%00b', '%0a', '%1b']);
    case 3:
      return 'x'.repeat(rng.pick([100, 600, 5000]));
    case 4:
      return enc(rng.pick(known.uuids.length > 0 ? known.uuids : ['x']));
    case 5:
      return String(rng.pick(known.ids.length > 0 ? known.ids : [1]));
    case 6:
      return enc(rng.pick(known.emails.length > 0 ? known.emails : ['a@example.com']));
    default:
      return [1, 2, 3].map(() => rng.pick(['1', 'a', '%00', ','])).join(',');
  }
}

/** Ids, uuids and emails that exist, so that some requests reach real rows. */
export interface KnownValues {
  ids: number[];
  uuids: string[];
  emails: string[];
}

const deref = (schema: Schema, defs: Record<string, Schema>): Schema => {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace(/^#\/components\/schemas\//, '').replace(/#$/, '');
  return defs[name] ?? {};
};

/** A value of the schema, mostly valid, sometimes not. Depth-limited. */
export function valueOf(rng: Rng, schema: Schema, defs: Record<string, Schema>, known: KnownValues, depth = 0): unknown {
  const s = deref(schema, defs);
  if (depth > 6) return null;
  const options = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (options && options.length > 0) return valueOf(rng, rng.pick(options), defs, known, depth + 1);
  if (Array.isArray(s.enum) && s.enum.length > 0 && rng.chance(0.9)) return rng.pick(s.enum);
  if ('const' in s && rng.chance(0.9)) return s.const;
  const type = Array.isArray(s.type) ? rng.pick(s.type as string[]) : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set((s.required ?? []) as string[]);
      for (const [name, sub] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
        if (required.has(name) || rng.chance(0.6)) out[name] = valueOf(rng, sub, defs, known, depth + 1);
      }
      if (s.additionalProperties !== false && rng.chance(0.3)) out[rng.pick(['plan', 'city', 'x', 'constructor', 'a\u0000'])] = rng.pick(NASTY_STRINGS);
      return out;
    }
    case 'array': {
      const n = rng.pick([0, 1, 1, 2, 3, 5]);
      return Array.from({ length: n }, () => valueOf(rng, (s.items ?? {}) as Schema, defs, known, depth + 1));
    }
    case 'integer':
    case 'number':
      return rng.chance(0.6) && known.ids.length > 0 ? rng.pick(known.ids) : rng.pick(NASTY_NUMBERS);
    case 'boolean':
      return rng.chance(0.5);
    case 'null':
      return null;
    case 'string': {
      if (s.format === 'email' || /email/i.test(String(s.description ?? ''))) return rng.chance(0.7) ? `f${rng.int(50)}@example.com` : rng.pick(NASTY_STRINGS);
      if (s.format === 'uuid') return rng.chance(0.7) && known.uuids.length > 0 ? rng.pick(known.uuids) : rng.pick(NASTY_STRINGS);
      if (s.format === 'date-time') return rng.pick([new Date(0).toISOString(), '2026-13-45T99:00:00Z', 'yesterday']);
      return rng.chance(0.5) ? `f${rng.int(50)}@example.com` : rng.pick(NASTY_STRINGS);
    }
    default:
      return rng.pick<unknown>([null, 1, 'x', [], {}, true]);
  }
}

/** One way of breaking a body: applied to a value built from the schema. */
function mutate(rng: Rng, value: unknown, huge: boolean): { payload: string | Buffer; contentType?: string } {
  const json = (v: unknown) => ({ payload: JSON.stringify(v) });
  switch (rng.int(16)) {
    case 0:
      return json(value); // as built
    case 1:
      return json(value);
    case 2: {
      // Deep nesting, at a random place.
      const depth = rng.pick([33, 64, 1000, 20_000, huge ? 500_000 : 50_000]);
      const open = rng.chance(0.5) ? '['.repeat(depth) : '{"a":'.repeat(depth);
      const close = open.startsWith('[') ? ']'.repeat(depth) : '}'.repeat(depth);
      return { payload: rng.chance(0.5) ? open + '1' + close : `{"contacts":[{"email":"a@example.com","custom_fields":${open}1${close}}],"emails":${open}1${close}}` };
    }
    case 3:
      return json(replaceStrings(rng, value, () => rng.pick(['\u0000', 'a\u0000b', '\u0007', '\u001b[31m', '\ud800'])));
    case 4:
      return json(replaceStrings(rng, value, () => 'x'.repeat(rng.pick([1000, 70_000, huge ? 5_000_000 : 500_000]))));
    case 5: {
      // A huge array where an array (or anything) was.
      const n = rng.pick([1001, 10_001, 30_001, huge ? 1_000_001 : 100_000]);
      const item = rng.pick<unknown>([{}, 1, 'a@example.com', [], null, 'a\u0000']);
      return json(rng.chance(0.5) ? Array.from({ length: n }, () => item) : replaceArrays(value, Array.from({ length: n }, () => item)));
    }
    case 6:
      return { payload: JSON.stringify(value).slice(0, Math.max(1, rng.int(JSON.stringify(value).length))) }; // truncated
    case 7:
      return { payload: rng.pick(['{', '}', '[1,]', '{"a":1,}', 'nul', '"\\u00"', '{"a":"\\x00"}', '\u0000', 'NaN', '1e999', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"a":1,"a":2}']) };
    case 8:
      return { payload: Buffer.from(Array.from({ length: rng.pick([1, 100, 10_000]) }, () => rng.int(256))) }; // binary
    case 9:
      return { payload: JSON.stringify(value), contentType: rng.pick(['text/plain', 'text/csv', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/json; charset=latin1', 'application/vnd.api+json', 'multipart/form-data; boundary=x']) };
    case 10:
      return { payload: '' };
    case 11:
      return json(rng.pick<unknown>([null, 0, 'a', true, [], {}, [null], { contacts: null }, { selector: { all: 'yes' } }]));
    case 12:
      return json(replaceStrings(rng, value, () => rng.pick<unknown>([1, null, {}, [], true, -1, 1e308])));
    case 13:
      return json(addKeys(rng, value));
    case 14:
      return { payload: 'email,first_name,custom.__proto__,custom.a\u0000\n' + Array.from({ length: rng.pick([1, 50]) }, (_, i) => `c${i}@example.com,"a""\u0000",x,\u0001`).join('\n'), contentType: 'text/csv' };
    default:
      return json(value);
  }
}

function replaceStrings(rng: Rng, value: unknown, make: () => unknown): unknown {
  if (typeof value === 'string') return rng.chance(0.6) ? make() : value;
  if (Array.isArray(value)) return value.map((v) => replaceStrings(rng, v, make));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceStrings(rng, v, make)]));
  return rng.chance(0.2) ? make() : value;
}

function replaceArrays(value: unknown, replacement: unknown[]): unknown {
  if (Array.isArray(value)) return replacement;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceArrays(v, replacement)]));
  return value;
}

function addKeys(rng: Rng, value: unknown): unknown {
  const extra = rng.pick(['__proto__', 'constructor', 'prototype', 'toString', '', '\u0000', 'x'.repeat(300), 'hasOwnProperty']);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = { ...value, [extra]: rng.pick<unknown>(['x', { prototype: { polluted: true } }, 1]) };
    for (const [k, v] of Object.entries(out)) if (v && typeof v === 'object' && !Array.isArray(v) && rng.chance(0.5)) out[k] = { ...(v as object), [extra]: 'x' };
    return out;
  }
  return { [extra]: value };
}

export interface FuzzRequest {
  method: Operation['method'];
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** For the report: which route and what was done. */
  label: string;
}

/**
 * The `authorization` headers of one surface, in the form its clients send: `main` of a key
 * holding every scope (`admin`), `read` of a key holding only `read`.
 */
export interface SurfaceAuth {
  main: string;
  read: string;
}

/** One request for `op`: its path and query filled, a body built and maybe broken, the surface's credential (mostly valid). */
export function requestFor(rng: Rng, op: Operation, defs: Record<string, Schema>, known: KnownValues, auth: SurfaceAuth, huge: boolean): FuzzRequest {
  let path = op.path;
  for (const p of op.params.filter((x) => x.in === 'path')) {
    const value = rng.chance(0.3) ? wireValue(rng, known) : enc(String(valueOf(rng, p.schema, defs, known)));
    path = path.replace(`{${p.name}}`, value || 'x');
  }
  const query: string[] = [];
  for (const p of op.params.filter((x) => x.in === 'query')) {
    if (rng.chance(0.5)) continue;
    const value = rng.chance(0.4) ? wireValue(rng, known) : enc(String(valueOf(rng, p.schema, defs, known)));
    query.push(`${enc(p.name)}=${value}`);
    if (rng.chance(0.1)) query.push(`${enc(p.name)}=${value}`); // repeated
  }
  if (rng.chance(0.1)) query.push(`${wireValue(rng, known)}=${wireValue(rng, known)}`);
  const url = path + (query.length > 0 ? `?${query.join('&')}` : '');
  const headers: Record<string, string> = {};
  const who = rng.next();
  if (who < 0.85) headers.authorization = auth.main;
  else if (who < 0.92) headers.authorization = auth.read;
  else headers.authorization = rng.pick(['Bearer x', 'Basic %%%', 'Basic ' + Buffer.from('a\u0000:b').toString('base64'), '', 'Bearer ' + 'x'.repeat(5000), 'Bearer lethe_at_' + '0'.repeat(64)]);
  if (rng.chance(0.05)) headers['on-behalf-of'] = rng.pick(['brand-b', 'account-id 1', 'account-id 99999999999999999999', '\u0000', 'x'.repeat(300)]);
  let payload: string | Buffer | undefined;
  let label = `${op.method} ${op.path}`;
  const wantsBody = op.body !== undefined || op.textBody || rng.chance(0.15);
  if (wantsBody && op.method !== 'GET') {
    const built = op.body ? valueOf(rng, op.body, defs, known) : {};
    const broken = mutate(rng, built, huge);
    payload = broken.payload;
    headers['content-type'] = broken.contentType ?? (op.textBody && rng.chance(0.3) ? 'text/csv' : 'application/json');
    label += ` body ${Buffer.byteLength(payload)} bytes ${headers['content-type']}`;
  } else if (rng.chance(0.05)) {
    payload = '{"x":1}';
    headers['content-type'] = 'application/json';
  }
  return { method: op.method, url, headers, ...(payload !== undefined ? { payload } : {}), label };
}
