import type { FastifyRequest } from 'fastify';
import type { Actor, Surface } from '../core/actor.js';
import type { Core } from '../core/core.js';
import { AppError } from '../core/errors.js';
import { ACCESS_TOKEN_PREFIX } from '../core/keys/access-token.js';
import type { ApiKey } from '../core/keys/api-key.js';

/**
 * The credentials a surface may accept, all in `Authorization`:
 * - `bearer-key`: `Bearer <full API key>` (`lethe_<id>_<secret>`, or the operator's `LETHE_ADMIN_KEY`);
 * - `basic-key`: `Basic base64(<key id>:<secret>)` (Mailjet's API key and secret key);
 * - `access-token`: `Bearer lethe_at_…`, a token issued by `core.keys.issueAccessToken`
 *   (OAuth2 client credentials); it acts as its key, with the token's scopes.
 */
export const CREDENTIALS = ['bearer-key', 'basic-key', 'access-token'] as const;
export type Credential = (typeof CREDENTIALS)[number];

const missing = (credentials: readonly Credential[]): AppError =>
  new AppError('UNAUTHENTICATED', credentials.includes('basic-key') && credentials.length === 1 ? 'authorization required: send the API key id and secret with HTTP Basic' : 'authorization required: send the API key as a Bearer token');

/** Reads and checks the credential in `Authorization` among those the surface accepts. Every failure is `UNAUTHENTICATED`. */
export async function authenticate(core: Core, request: FastifyRequest, credentials: readonly Credential[]): Promise<ApiKey & { actingAccountId?: number }> {
  const header = request.headers.authorization;
  if (!header) throw missing(credentials);
  const [scheme = '', ...rest] = header.trim().split(/\s+/);
  const value = rest.join(' ');
  if (/^bearer$/i.test(scheme) && value) {
    const isToken = value.startsWith(ACCESS_TOKEN_PREFIX);
    if (isToken && credentials.includes('access-token')) return core.keys.authenticateAccessToken(value);
    if (!isToken && credentials.includes('bearer-key')) return core.keys.authenticateToken(value);
  }
  if (/^basic$/i.test(scheme) && value && credentials.includes('basic-key')) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return core.keys.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
  }
  throw new AppError('UNAUTHENTICATED', 'the API key is missing, unknown or revoked');
}

/**
 * The acting account: the key's own (or, for an access token, the account it was issued
 * for: the key's own or one of its sub-accounts), or, with `on-behalf-of`, one of the
 * key's sub-accounts.
 */
export async function actorFor(core: Core, key: ApiKey & { actingAccountId?: number }, request: FastifyRequest, via: Surface): Promise<Actor> {
  const onBehalfOf = request.headers['on-behalf-of'];
  const header = Array.isArray(onBehalfOf) ? onBehalfOf[0] : onBehalfOf;
  const accountId = header !== undefined && header.trim() !== '' ? (await core.accounts.resolveOnBehalfOf(key.accountId, header)).id : (key.actingAccountId ?? key.accountId);
  return { accountId, keyAccountId: key.accountId, keyId: key.id, scopes: key.scopes, via };
}
