import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { AppError } from '../core/errors.js';

/**
 * How deep a JSON body may nest. Lethe's deepest body (an import row's custom fields
 * inside `contacts`) is 3 levels; 32 leaves room for any client, and stops bodies of
 * thousands of levels, which overflowed the stack of code walking them (issue 19).
 */
export const MAX_JSON_DEPTH = 32;

/** secure-json-parse's message for a forbidden name (JSON.parse's own messages differ). */
const FORBIDDEN_NAME = 'Object contains forbidden prototype property';

/**
 * True when `text` (JSON) opens more than `max` arrays or objects inside one another.
 * One pass over the text: strings are skipped with `indexOf` (so a body of a million
 * addresses costs little), brackets outside them counted.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: find its closing quote, one not escaped by an odd run of backslashes.
      let end = text.indexOf('"', i + 1);
      for (;;) {
        if (end === -1) return false; // unterminated: JSON.parse refuses it
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 92) slashes++;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      i = end;
    } else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) {
      depth--;
    }
  }
  return false;
}

/**
 * JSON bodies, tolerant of what real clients send: an empty body with a JSON content
 * type (DELETE from official SDKs) is no body, not an error. Refused with 400 (in the
 * surface's shape, as VALIDATION_FAILED): text that is not JSON, nesting deeper than
 * `MAX_JSON_DEPTH`, and `__proto__` (or `constructor.prototype`) as a name, which would
 * reach an object's prototype when copied (secure-json-parse finds them).
 */
export function registerTolerantJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(/^application\/(.+\+)?json/i, { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) return done(new AppError('VALIDATION_FAILED', `the body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
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
