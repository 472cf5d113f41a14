import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../../core/core.js';
import { errorResponses, tags } from './schemas.js';
import { sendgridScopesOf } from './scopes.js';

export async function scopesRoutes(app: FastifyInstance, _options: { core: Core }): Promise<void> {
  app.get('/', {
    config: { scope: 'authenticated' },
    schema: {
      tags,
      summary: 'SendGrid: the scopes of the calling key, in SendGrid\'s names (mapped from Lethe\'s scopes)',
      response: { 200: Type.Object({ scopes: Type.Array(Type.String()) }), ...errorResponses },
    },
  }, async (request) => ({ scopes: sendgridScopesOf(request.actor.scopes) }));
}
