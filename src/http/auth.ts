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
 *   (OAuth2 client credentials); it acts as its key, with the token's scopes;
 * - `session-cookie`: the dashboard's session (cookie `lethe_session`, from `POST /v1/sessions`),
 *   read only when no `Authorization` is sent. A request that may change something (any
 *   method but GET, HEAD, OPTIONS) must also carry `X-Lethe-CSRF: 1` and, when the browser
 *   sends `Origin`, come from this server's origin: with `SameSite=Strict`, a page of another
 *   site can neither send the cookie nor set that header without the server's consent (CORS).
 */
export const CREDENTIALS = ['bearer-key', 'basic-key', 'access-token', 'session-cookie'] as const;
export type Credential = (typeof CREDENTIALS)[number];

const missing = (credentials: readonly Credential[]): AppError =>
  new AppError('UNAUTHENTICATED', credentials.includes('basic-key') && credentials.length === 1 ? 'authorization required: send the API key id and secret with HTTP Basic' : 'authorization required: send the API key as a Bearer token');

/** Reads and checks the credential in `Authorization` among those the surface accepts. Every failure is `UNAUTHENTICATED`. */
export async function authenticate(core: Core, request: FastifyRequest, credentials: readonly Credential[]): Promise<ApiKey & { actingAccountId?: number }> {
  const header = request.headers.authorization;
  const session = credentials.includes('session-cookie') ? request.cookies?.[SESSION_COOKIE] : undefined;
  if (!header && session) {
    checkCsrf(request);
    return core.keys.authenticateSession(session);
  }
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

/** The dashboard session's cookie. */
export const SESSION_COOKIE = 'lethe_session';

/** The header a dashboard request that changes something carries (see `session-cookie`). */
export const CSRF_HEADER = 'x-lethe-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether `Origin` names the host the request was sent to (default ports compared as the browser writes them). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    const from = new URL(origin);
    return host !== undefined && (from.protocol === 'http:' || from.protocol === 'https:') && from.host === new URL(`${from.protocol}//${host}`).host;
  } catch {
    return false; // 'null' (a sandboxed or opaque origin) and anything unreadable
  }
}

/** Refuses (403) a state-changing request without the CSRF header, or from another origin. */
export function checkCsrf(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (request.headers[CSRF_HEADER] !== '1') throw new AppError('FORBIDDEN', 'a request that changes something with the dashboard\'s session must carry the header X-Lethe-CSRF: 1');
  const origin = request.headers.origin;
  if (origin !== undefined && !sameOrigin(origin, request.headers.host)) throw new AppError('FORBIDDEN', 'a request with the dashboard\'s session must come from this server\'s own pages');
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
