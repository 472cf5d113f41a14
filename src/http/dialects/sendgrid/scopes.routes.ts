import { Type } from 'typebox';
import type { SurfaceApp, SurfaceContext } from '../../surface.js';

import { sendgridScopesOf } from './scopes.js';

export async function scopesRoutes(app: SurfaceApp, _context: SurfaceContext): Promise<void> {
  app.get('/', {
    config: { scope: 'authenticated' },
    schema: {
      summary: 'SendGrid: the scopes of the calling key, in SendGrid\'s names (mapped from Lethe\'s scopes)',
      response: { 200: Type.Object({ scopes: Type.Array(Type.String()) }) },
    },
  }, async (request) => ({ scopes: sendgridScopesOf(request.actor.scopes) }));
}
