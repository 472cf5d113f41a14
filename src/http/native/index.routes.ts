import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

const Link = (description: string) => Type.String({ description });

/** The collections a first request is likely to look for (each answers GET with a key). */
const COLLECTIONS = {
  contacts: '/v1/contacts',
  lists: '/v1/lists',
  operations: '/v1/operations',
  keys: '/v1/keys',
  account: '/v1/account',
  audit: '/v1/audit',
} as const;

/**
 * `GET /v1`: what the printed "API: …/v1" leads to. Open (it names only paths, never data),
 * so that a first `curl` without a key learns where the docs are and how to authenticate.
 */
export async function indexRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', {
    config: { scope: false },
    schema: {
      tags: ['system'],
      summary: 'Index of the API: links to the docs, the OpenAPI document and the main collections (no key needed)',
      security: [],
      response: {
        200: Type.Object({
          name: Type.String(),
          docs: Link('Readable API docs'),
          openapi: Link('The OpenAPI document'),
          health: Link('Liveness (no key needed)'),
          authentication: Type.String(),
          collections: Type.Record(Type.String(), Type.String(), { description: 'The main collections, each needing a key' }),
        }),
      },
    },
  }, async () => ({
    name: 'Lethe API v1',
    docs: '/docs',
    openapi: '/openapi.json',
    health: '/health',
    authentication: 'Authorization: Bearer <key> (lethe serve prints the admin key on its first start; more with POST /v1/keys or lethe keys create)',
    collections: { ...COLLECTIONS },
  }));
}
