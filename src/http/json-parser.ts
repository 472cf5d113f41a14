import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies, tolerant of what real clients send: an empty body with a JSON content
 * type (DELETE from official SDKs) is no body, not an error.
 */
export function registerTolerantJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(/^application\/(.+\+)?json/i, { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      const error = Object.assign(new Error('the body is not valid JSON'), { statusCode: 400, code: 'LETHE_INVALID_JSON' });
      done(error, undefined);
    }
  });
}
