import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { toIso } from '../../core/clock.js';
import { SCOPES } from '../../core/keys/scopes.js';
import type { Scope } from '../../core/keys/scopes.js';
import { checkCsrf, SESSION_COOKIE } from '../auth.js';
import type { SurfaceApp, SurfaceContext } from '../surface.js';
import { errorResponses, IsoTime } from './schemas.js';

const tags = ['sessions'];

const ScopeSchema = Type.Unsafe<Scope>({ type: 'string', enum: [...SCOPES] });

const SessionSchema = Type.Object({
  key_id: Type.Union([Type.String(), Type.Null()], { description: 'The key the session (or request) acts as' }),
  account: Type.Object({ id: Type.Integer(), name: Type.String(), parent_id: Type.Union([Type.Integer(), Type.Null()]) }, { description: 'The key\'s own account (a parent may act for its sub-accounts with on-behalf-of)' }),
  scopes: Type.Array(ScopeSchema),
  via: Type.Union([Type.Literal('session'), Type.Literal('key')], { description: 'session: the dashboard\'s cookie; key: an Authorization header' }),
  expires_at: IsoTime,
});

/** Secure when the browser reached us over https (directly, through a proxy that says so, or as configured). */
const isHttps = (request: FastifyRequest): boolean => request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https' || (request.server.publicUrl ?? '').startsWith('https:');

const cookieOptions = (request: FastifyRequest) => ({ path: '/', httpOnly: true, sameSite: 'strict' as const, secure: isHttps(request) });

/**
 * The dashboard's sign in and out: an API key is traded once for a session kept in an
 * HttpOnly, SameSite=Strict cookie (Secure over https) that expires with the session; the
 * key itself never reaches the browser's storage. Every /v1 route accepts the cookie
 * (see `session-cookie` in http/auth.ts for the CSRF rule).
 */
export async function sessionsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  const present = async (request: FastifyRequest, expiresAt: number | null, via: 'session' | 'key') => {
    const account = await core.accounts.get(request.actor.keyAccountId);
    return { key_id: request.actor.keyId, account: { id: account.id, name: account.name, parent_id: account.parentId }, scopes: [...request.actor.scopes], via, expires_at: toIso(expiresAt) };
  };

  app.post('/sessions', {
    // Open: the body carries the key. The CSRF header is asked for here too, so that no other site can sign a browser in.
    config: { scope: false },
    schema: {
      tags,
      summary: 'Sign in to the dashboard: trade an API key for a session cookie (HttpOnly, SameSite=Strict, 8 hours); send X-Lethe-CSRF: 1',
      security: [],
      body: Type.Object({ key: Type.String({ minLength: 1, maxLength: 512, description: 'A full API key (lethe_…)' }) }, { additionalProperties: false }),
      response: { 201: SessionSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    checkCsrf(request);
    const session = await core.keys.startSession(request.body.key);
    request.actor = { accountId: session.key.accountId, keyAccountId: session.key.accountId, keyId: session.key.id, scopes: session.key.scopes, via: 'native' };
    reply.setCookie(SESSION_COOKIE, session.token, { ...cookieOptions(request), expires: new Date(session.expiresAt) });
    return reply.status(201).send(await present(request, session.expiresAt, 'session'));
  });

  app.get('/sessions/current', {
    config: { scope: 'authenticated' },
    schema: { tags, summary: 'Who is signed in: the key, its account and scopes, and when the session ends', response: { 200: SessionSchema, ...errorResponses } },
  }, async (request) => {
    const token = request.headers.authorization ? undefined : request.cookies[SESSION_COOKIE];
    const expiresAt = token ? (await core.keys.authenticateSession(token)).sessionExpiresAt : null;
    return present(request, expiresAt, token ? 'session' : 'key');
  });

  app.delete('/sessions/current', {
    config: { scope: 'authenticated' },
    schema: { tags, summary: 'Sign out: end the session and clear its cookie', response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await core.keys.endSession(token);
    reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
    return reply.status(204).send(null);
  });
}
