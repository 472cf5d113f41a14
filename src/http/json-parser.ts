import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { AppError } from '../core/errors.js';
import { overBudget } from './json-budget.js';
import type { JsonBudget } from './json-budget.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How many containers and values the route's JSON body may hold (see `JsonBudget`); default unbounded (the body limit bounds it). */
    json?: JsonBudget;
  }
}

/**
 * How deep a JSON body may nest. Lethe's deepest body (an import row's custom fields
 * inside `contacts`) is 3 levels; 32 leaves room for any client, and stops bodies of
 * thousands of levels, which overflowed the stack of code walking them (issue 19).
 */
export const MAX_JSON_DEPTH = 32;

/** secure-json-parse's message for a forbidden name (JSON.parse's own messages differ). */
const FORBIDDEN_NAME = 'Object contains forbidden prototype property';

function overBudgetMessage(over: { what: 'containers' | 'values' | 'depth'; limit: number }): string {
  const limit = over.limit.toLocaleString('en-US');
  if (over.what === 'depth') return `the body nests deeper than ${limit} levels`;
  return `the body holds more ${over.what === 'containers' ? 'objects and arrays' : 'values'} than this route takes (at most ${limit})`;
}

/**
 * JSON bodies, tolerant of what real clients send: an empty body with a JSON content
 * type (DELETE from official SDKs) is no body, not an error. Refused with 400 (in the
 * surface's shape, as VALIDATION_FAILED) before anything is parsed: a body past its route's
 * `json` budget or nesting deeper than `MAX_JSON_DEPTH`; then text that is not JSON, and
 * `__proto__` (or `constructor.prototype`) as a name, which would reach an object's
 * prototype when copied (secure-json-parse finds them).
 */
export function registerTolerantJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(/^application\/(.+\+)?json/i, { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    const over = overBudget(text, { depth: MAX_JSON_DEPTH, ...request.routeOptions.config?.json });
    if (over) {
      return done(new AppError('VALIDATION_FAILED', overBudgetMessage(over), { field: 'body' }), undefined);
    }
    let parsed: unknown;
    try {
      // Walks the result only when the text names __proto__ or constructor (it tests the text first).
      parsed = secureJson.parse(text, null, { protoAction: 'error', constructorAction: 'error' });
    } catch (cause) {
      if (cause instanceof SyntaxError && cause.message === FORBIDDEN_NAME) {
        return done(new AppError('VALIDATION_FAILED', 'the body uses "__proto__" or "constructor.prototype" as a name; these names are refused'), undefined);
      }
      const error = Object.assign(new Error('the body is not valid JSON'), { statusCode: 400, code: 'LETHE_INVALID_JSON' });
      return done(error, undefined);
    }
    done(null, parsed);
  });
}
