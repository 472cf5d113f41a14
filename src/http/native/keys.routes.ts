import type { SurfaceApp, SurfaceContext } from '../surface.js';
import { Type } from 'typebox';
import { toIso } from '../../core/clock.js';
import type { ApiKey } from '../../core/keys/api-key.js';
import { SCOPES } from '../../core/keys/scopes.js';
import type { Scope } from '../../core/keys/scopes.js';
import { errorResponses, IsoTime } from './schemas.js';

const ScopeSchema = Type.Unsafe<Scope>({ type: 'string', enum: [...SCOPES] });

const KeySchema = Type.Object({
  id: Type.String({ description: 'Public id (Basic auth user name, OAuth client_id)' }),
  account_id: Type.Integer(),
  name: Type.String(),
  scopes: Type.Array(ScopeSchema),
  created_at: IsoTime,
  last_used_at: IsoTime,
  revoked_at: IsoTime,
});

const presentKey = (k: ApiKey) => ({
  id: k.id,
  account_id: k.accountId,
  name: k.name,
  scopes: k.scopes,
  created_at: toIso(k.createdAt),
  last_used_at: toIso(k.lastUsedAt),
  revoked_at: toIso(k.revokedAt),
});

export async function keysRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.get('/keys', {
    config: { scope: 'admin' },
    schema: { tags: ['keys'], summary: 'API keys of the acting account (secrets are never shown again)', response: { 200: Type.Object({ data: Type.Array(KeySchema) }), ...errorResponses } },
  }, async (request) => ({ data: (await core.keys.list(request.actor.accountId)).map(presentKey) }));

  app.post('/keys', {
    config: { scope: 'admin' },
    schema: {
      tags: ['keys'],
      summary: 'Create an API key; the secret is shown in this response only',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), scopes: Type.Optional(Type.Array(ScopeSchema, { minItems: 1 })) }, { additionalProperties: false }),
      response: { 201: Type.Intersect([KeySchema, Type.Object({ secret: Type.String(), key: Type.String({ description: 'The Bearer token' }) })]), ...errorResponses },
    },
  }, async (request, reply) => {
    const created = await core.keys.create(request.actor.accountId, { name: request.body.name, ...(request.body.scopes ? { scopes: request.body.scopes } : {}) }, request.actor);
    return reply.status(201).send({ ...presentKey(created.apiKey), secret: created.secret, key: created.key });
  });

  app.delete('/keys/:id', {
    config: { scope: 'admin' },
    schema: { tags: ['keys'], summary: 'Revoke an API key', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    await core.keys.revoke(request.actor.accountId, request.params.id, request.actor);
    return reply.status(204).send(null);
  });
}
