import type { SurfaceApp, SurfaceContext } from '../../surface.js';
import type { FastifyRequest } from 'fastify';
import { AppError, invalid } from '../../../core/errors.js';
import { hasScope } from '../../../core/keys/scopes.js';
import type { Scope } from '../../../core/keys/scopes.js';
import { parseNumericId } from '../../../core/refs.js';
import { field } from './case.js';
import { publicBaseUrl } from '../../public-url.js';

/** Marketing Cloud's token lifetime is 20 minutes; it announces a little less, as its real answers do. */
const EXPIRES_IN_MARGIN_S = 120;

/** Lethe's scopes in Marketing Cloud's names (its REST permission table for the contacts routes). */
function mcScopes(scopes: readonly Scope[]): string {
  const names: string[] = [];
  if (hasScope(scopes, 'read')) names.push('list_and_subscribers_read');
  if (hasScope(scopes, 'write') || hasScope(scopes, 'delete') || hasScope(scopes, 'erase')) names.push('list_and_subscribers_write');
  return names.join(' ');
}

/** Where clients reach this Lethe, ending in '/': the configured public URL, else the request's own scheme and host. */
export function instanceUrl(request: FastifyRequest): string {
  return `${publicBaseUrl(request)}/`;
}

const text = (value: unknown, name: string, max: number): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max) throw invalid(name, `${name} is a string of at most ${max} characters`);
  return value;
};

/**
 * `POST /v2/token`: OAuth2 client credentials as Marketing Cloud's auth server takes
 * them. `client_id` is a Lethe key's public id, `client_secret` its secret; `account_id`
 * (the MID of a business unit) names the key's own account or one of its sub-accounts.
 * The token lives 20 minutes, acts for that account with the key's scopes, and is
 * stored hashed; revoking the key revokes it. `scope` is accepted and not used: a token
 * carries its key's scopes.
 */
export async function tokenRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.post('/', {
    config: { scope: false },
    bodyLimit: 16 * 1024,
    schema: {
      summary: 'Marketing Cloud access token (OAuth2 client credentials): client_id = key id, client_secret = key secret, account_id = own or sub-account id',
      // Open: the key's id and secret come in the body, and the bearer token the surface's other routes take comes from here.
      security: [],
    },
  }, async (request) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'the body is a JSON object with grant_type, client_id and client_secret');
    const grant = field(body, 'grant_type');
    if (grant !== 'client_credentials') throw invalid('grant_type', 'grant_type must be client_credentials');
    const clientId = text(field(body, 'client_id'), 'client_id', 64);
    const clientSecret = text(field(body, 'client_secret'), 'client_secret', 512);
    if (!clientId || !clientSecret) throw new AppError('UNAUTHENTICATED', 'client_id and client_secret are required');
    const rawAccount = field(body, 'account_id');
    let accountId: number | undefined;
    if (rawAccount !== undefined && rawAccount !== null && rawAccount !== '') {
      const value = typeof rawAccount === 'number' ? rawAccount : typeof rawAccount === 'string' ? (parseNumericId(rawAccount.trim()) ?? Number.NaN) : Number.NaN;
      if (!Number.isSafeInteger(value) || value <= 0) throw new AppError('FORBIDDEN', 'account_id must be the numeric id (MID) of the key\'s own account or one of its sub-accounts', { field: 'account_id' });
      accountId = value;
    }
    text(field(body, 'scope'), 'scope', 2000);
    const issued = await core.keys.issueAccessToken(clientId, clientSecret, accountId === undefined ? {} : { accountId });
    const base = instanceUrl(request);
    return {
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: Math.max(1, issued.expiresIn - EXPIRES_IN_MARGIN_S),
      scope: mcScopes(issued.scopes),
      soap_instance_url: base,
      rest_instance_url: base,
    };
  });
}
