import type { FastifyRequest } from 'fastify';
import type { Actor, Surface } from '../core/context.js';
import type { Core } from '../core/core.js';
import { AppError } from '../core/errors.js';
import type { ApiKey } from '../core/keys/api-key.js';
import { hasScope } from '../core/keys/scopes.js';
import type { Scope } from '../core/keys/scopes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The scope a route needs; several for "any of them" (the handler then checks the
     * one its input needs); `false` for routes open without a key.
     */
    scope?: Scope | readonly Scope[] | false;
  }
  interface FastifyRequest {
    actor: Actor;
  }
}

export interface CredentialOptions {
  bearer?: boolean;
  basic?: boolean;
}

/** Reads the key from `Authorization` (Bearer, and Basic id:secret where the surface allows it). */
export async function authenticateKey(core: Core, request: FastifyRequest, options: CredentialOptions = { bearer: true }): Promise<ApiKey> {
  const header = request.headers.authorization;
  if (!header) throw new AppError('UNAUTHENTICATED', 'authorization required: send the API key as a Bearer token');
  const [scheme = '', ...rest] = header.trim().split(/\s+/);
  const value = rest.join(' ');
  if (options.bearer !== false && /^bearer$/i.test(scheme) && value) return core.keys.authenticateToken(value);
  if (options.basic && /^basic$/i.test(scheme) && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return core.keys.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
  }
  throw new AppError('UNAUTHENTICATED', 'the API key is missing, unknown or revoked');
}

/** The acting account: the key's own, or, with `on-behalf-of`, one of its sub-accounts. */
export async function actorFor(core: Core, key: ApiKey, request: FastifyRequest, via: Surface): Promise<Actor> {
  const onBehalfOf = request.headers['on-behalf-of'];
  const header = Array.isArray(onBehalfOf) ? onBehalfOf[0] : onBehalfOf;
  const accountId = header !== undefined && header.trim() !== '' ? (await core.accounts.resolveOnBehalfOf(key.accountId, header)).id : key.accountId;
  return { accountId, keyAccountId: key.accountId, keyId: key.id, scopes: key.scopes, via };
}

export function requireScope(actor: Actor, scope: Scope): void {
  if (!hasScope(actor.scopes, scope)) throw new AppError('FORBIDDEN', `this key lacks the "${scope}" scope`);
}

/**
 * The onRequest-style hook a surface installs: authenticate, resolve on-behalf-of,
 * check the route's scope. Routes with `config.scope === false` are open.
 */
export function authHook(core: Core, via: Surface, options: CredentialOptions = { bearer: true }) {
  return async (request: FastifyRequest): Promise<void> => {
    const scope = request.routeOptions.config.scope;
    if (scope === false) return;
    const key = await authenticateKey(core, request, options);
    request.actor = await actorFor(core, key, request, via);
    if (scope === undefined) throw new AppError('INTERNAL', 'route declares no scope');
    if (typeof scope === 'string') requireScope(request.actor, scope);
    else if (!scope.some((s) => hasScope(request.actor.scopes, s))) throw new AppError('FORBIDDEN', `this key lacks any of the scopes ${scope.map((s) => `"${s}"`).join(', ')}`);
  };
}
