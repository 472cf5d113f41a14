import type { FastifyInstance } from 'fastify';
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
 * JSON bodies, tolerant of what real clients send: an empty body with a JSON content
 * type (DELETE from official SDKs) is no body, not an error. A body past its route's
 * `json` budget is refused before it is parsed.
 */
export function registerTolerantJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(/^application\/(.+\+)?json/i, { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    const budget = request.routeOptions.config?.json;
    const over = budget && overBudget(text, budget);
    if (over) {
      const what = over.what === 'containers' ? 'objects and arrays' : 'values';
      return done(new AppError('VALIDATION_FAILED', `the body holds more ${what} than this route takes (at most ${over.limit.toLocaleString('en-US')})`, { field: 'body' }), undefined);
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      const error = Object.assign(new Error('the body is not valid JSON'), { statusCode: 400, code: 'LETHE_INVALID_JSON' });
      done(error, undefined);
    }
  });
}
