import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { STATUS_OF } from '../../src/http/error-codes.js';
import { checkMounts, defineSurface, registerSurfaces } from '../../src/http/surface.js';
import type { SurfaceDeclaration } from '../../src/http/surface.js';
import { SERVED_SURFACES } from '../../src/http/surfaces.js';
import { toAppError } from '../../src/http/to-app-error.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';

/** A surface as another vendor's would be: access tokens only, its own error shape, a limit with headers. */
const tokenSurface = defineSurface({
  name: 'marketing-cloud',
  mounts: [
    {
      prefix: '/test/v1',
      routes: [
        async (app, { core }) => {
          app.post('/token', { config: { scope: false } }, async (request) => {
            const body = request.body as { client_id: string; client_secret: string };
            const issued = await core.keys.issueAccessToken(body.client_id, body.client_secret);
            return { access_token: issued.token, expires_in: issued.expiresIn };
          });
          app.get('/whoami', { config: { scope: 'read' } }, async (request) => ({ account: request.actor.accountId, via: request.actor.via }));
          app.post('/erase', { config: { scope: 'erase', limit: 'erase' } }, async () => ({ ok: true }));
        },
      ],
    },
  ],
  credentials: ['access-token'],
  rateLimits: {
    policies: () => ({ erase: { bucket: 'test.erase', limit: 2, windowMs: 60_000 } }),
    headers: (state) => ({ 'x-left': String(state.remaining) }),
  },
  renderError: (error, _request, reply) => {
    const appError = toAppError(error);
    return reply.status(STATUS_OF[appError.code]).send({ problem: appError.code });
  },
});

describe('surface declarations', () => {
  const named = (name: 'native' | 'sendgrid', ...prefixes: string[]): SurfaceDeclaration => defineSurface({ name, mounts: prefixes.map((prefix) => ({ prefix, routes: [] })), credentials: ['bearer-key'], renderError: (_e, _r, reply) => reply });

  it('refuses overlapping mounts at start', () => {
    assert.throws(() => checkMounts([named('native', '/v3'), named('sendgrid', '/v3/REST')]), /overlap/);
    assert.throws(() => checkMounts([named('native', '/v1'), named('sendgrid', '/v1')]), /overlap/);
    assert.throws(() => checkMounts([named('native', 'v1/')]), /not a path prefix/);
    assert.doesNotThrow(() => checkMounts([named('native', '/v3/marketing'), named('sendgrid', '/v3/marketingx', '/v3/REST')]));
  });

  it('serves today\'s surfaces without overlap', () => {
    assert.doesNotThrow(() => checkMounts(SERVED_SURFACES));
    assert.deepEqual(SERVED_SURFACES.map((s) => s.name), ['native', 'sendgrid', 'mailjet', 'marketing-cloud', 'constant-contact']);
  });
});

for (const engine of ENGINES) {
  describe(`a declared surface [${engine}]`, () => {
    let t: TestApp;
    let app: FastifyInstance;
    before(async () => {
      t = await buildTestApp(engine);
      app = Fastify();
      await registerSurfaces(app, [tokenSurface], { core: t.lethe.core, config: t.config });
      await app.ready();
    });
    after(async () => {
      await app.close();
      await t.close();
    });

    const tokenFor = async (scopes: string[]) => {
      const { apiKey, secret, key } = await t.lethe.core.keys.create(t.accountId, { name: 'client', scopes });
      const res = await app.inject({ method: 'POST', url: '/test/v1/token', payload: { client_id: apiKey.id, client_secret: secret } });
      assert.equal(res.statusCode, 200, res.body);
      return { token: res.json().access_token as string, key };
    };

    it('refuses at start a route that declares no scope, or an unknown rate-limit policy', async () => {
      for (const config of [{}, { scope: 'read', limit: 'nope' }] as Array<{ scope?: 'read'; limit?: string }>) {
        const bad = Fastify();
        const surface = defineSurface({ ...tokenSurface, mounts: [{ prefix: '/bad', routes: [async (a) => void a.get('/x', { config }, async () => ({}))] }] });
        await assert.rejects(async () => {
          await registerSurfaces(bad, [surface], { core: t.lethe.core, config: t.config });
          await bad.ready();
        }, /declares no scope|names no policy/);
        await bad.close();
      }
    });

    it('accepts a token its token route issued, and refuses a bare key where only tokens are accepted', async () => {
      const { token, key } = await tokenFor(['read']);
      const ok = await app.inject({ method: 'GET', url: '/test/v1/whoami', headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(ok.json(), { account: t.accountId, via: 'marketing-cloud' });
      const bareKey = await app.inject({ method: 'GET', url: '/test/v1/whoami', headers: { authorization: `Bearer ${key}` } });
      assert.deepEqual([bareKey.statusCode, bareKey.json()], [401, { problem: 'UNAUTHENTICATED' }]);
      const wrongSecret = await app.inject({ method: 'POST', url: '/test/v1/token', payload: { client_id: 'x'.repeat(24), client_secret: 'y' } });
      assert.deepEqual([wrongSecret.statusCode, wrongSecret.json()], [401, { problem: 'UNAUTHENTICATED' }]);
    });

    it('checks the scope before counting the rate limit: a key without the scope cannot spend it', async () => {
      const reader = await tokenFor(['read']);
      for (let i = 0; i < 5; i++) {
        const refused = await app.inject({ method: 'POST', url: '/test/v1/erase', headers: { authorization: `Bearer ${reader.token}` } });
        assert.equal(refused.statusCode, 403);
      }
      const eraser = await tokenFor(['erase']);
      const statuses: number[] = [];
      const left: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await app.inject({ method: 'POST', url: '/test/v1/erase', headers: { authorization: `Bearer ${eraser.token}` } });
        statuses.push(res.statusCode);
        left.push(String(res.headers['x-left']));
      }
      assert.deepEqual(statuses, [200, 200, 429]);
      assert.deepEqual(left, ['1', '0', '0']);
    });

    it('answers unknown routes under its mount in its own shape', async () => {
      const res = await app.inject({ method: 'GET', url: '/test/v1/nothing' });
      assert.deepEqual([res.statusCode, res.json()], [404, { problem: 'NOT_FOUND' }]);
    });
  });
}
