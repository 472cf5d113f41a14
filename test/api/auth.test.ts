import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';

for (const engine of ENGINES) {
  describe(`auth and tenancy [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(async () => t.close());

    const createKey = async (scopes: string[], headers: Record<string, string> = {}) => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: { ...t.auth(), ...headers }, payload: { name: 'k', scopes } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; secret: string; key: string };
    };

    it('answers /health without a key', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/health' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'ok', engine });
    });

    it('refuses a missing or wrong key with 401 problem details', async () => {
      for (const headers of [{}, { authorization: 'Bearer lethe_000000000000000000000000_000000000000000000000000000000000000000000000000' }, { authorization: 'Basic Zm9vOmJhcg==' }]) {
        const res = await t.app.inject({ method: 'GET', url: '/v1/account', headers });
        assert.equal(res.statusCode, 401);
        assert.match(String(res.headers['content-type'] ?? ''), /application\/problem\+json/);
        const body = res.json();
        assert.equal(body.status, 401);
        assert.equal(body.code, 'UNAUTHENTICATED');
      }
    });

    it('shows a new key once, and accepts it as a Bearer token', async () => {
      const key = await createKey(['read']);
      assert.match(key.key, /^lethe_[0-9a-f]{24}_[0-9a-f]{48}$/);
      const res = await t.app.inject({ method: 'GET', url: '/v1/account', headers: t.auth(key.key) });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().id, t.accountId);
      const list = await t.app.inject({ method: 'GET', url: '/v1/keys', headers: t.auth() });
      assert.ok(!list.body.includes(key.secret), 'the secret is never listed');
    });

    it('checks scopes per route', async () => {
      const reader = await createKey(['read']);
      const res = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: t.auth(reader.key), payload: { name: 'x' } });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'FORBIDDEN');
    });

    it('revokes keys', async () => {
      const key = await createKey(['read']);
      const del = await t.app.inject({ method: 'DELETE', url: `/v1/keys/${key.id}`, headers: t.auth() });
      assert.equal(del.statusCode, 204);
      const res = await t.app.inject({ method: 'GET', url: '/v1/account', headers: t.auth(key.key) });
      assert.equal(res.statusCode, 401);
    });

    it('lets a parent act for its own sub-account only, and never the reverse', async () => {
      const sub = await t.app.inject({ method: 'POST', url: '/v1/subaccounts', headers: t.auth(), payload: { name: 'brand-a' } });
      assert.equal(sub.statusCode, 201, sub.body);
      const subId = sub.json().id as number;
      const byName = await t.app.inject({ method: 'GET', url: '/v1/account', headers: { ...t.auth(), 'on-behalf-of': 'brand-a' } });
      assert.equal(byName.json().id, subId);
      const byId = await t.app.inject({ method: 'GET', url: '/v1/account', headers: { ...t.auth(), 'on-behalf-of': `account-id ${subId}` } });
      assert.equal(byId.json().id, subId);

      const unknown = await t.app.inject({ method: 'GET', url: '/v1/account', headers: { ...t.auth(), 'on-behalf-of': 'nope' } });
      assert.equal(unknown.statusCode, 403);

      const subKey = await createKey(['read', 'admin'], { 'on-behalf-of': 'brand-a' });
      const own = await t.app.inject({ method: 'GET', url: '/v1/account', headers: t.auth(subKey.key) });
      assert.equal(own.json().id, subId);
      const up = await t.app.inject({ method: 'GET', url: '/v1/account', headers: { ...t.auth(subKey.key), 'on-behalf-of': `account-id ${t.accountId}` } });
      assert.equal(up.statusCode, 403, 'a sub-account key never reaches its parent');
      const dup = await t.app.inject({ method: 'POST', url: '/v1/subaccounts', headers: t.auth(), payload: { name: 'brand-a' } });
      assert.equal(dup.statusCode, 409);
    });

    it('rejects unknown fields and wrong types before writing', async () => {
      const before = (await t.app.inject({ method: 'GET', url: '/v1/keys', headers: t.auth() })).json().data.length;
      const unknown = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: t.auth(), payload: { name: 'x', colour: 'red' } });
      assert.equal(unknown.statusCode, 400);
      assert.match(unknown.json().detail, /unknown field "colour"/);
      const wrongType = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: t.auth(), payload: { name: 42 } });
      assert.equal(wrongType.statusCode, 400);
      const badScope = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: t.auth(), payload: { name: 'x', scopes: ['root'] } });
      assert.equal(badScope.statusCode, 400);
      const malformed = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: { ...t.auth(), 'content-type': 'application/json' }, payload: '{"name":' });
      assert.equal(malformed.statusCode, 400);
      assert.equal(malformed.json().detail, 'the body is not valid JSON');
      const after = (await t.app.inject({ method: 'GET', url: '/v1/keys', headers: t.auth() })).json().data.length;
      assert.equal(after, before, 'nothing written');
    });

    it('serves a valid OpenAPI document and a docs page', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
      assert.equal(res.statusCode, 200);
      const doc = res.json();
      assert.match(doc.openapi, /^3\./);
      assert.ok(doc.paths['/v1/keys']);
      const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
      assert.equal(docs.statusCode, 200);
      assert.match(docs.body, /swagger/i);
    });

    it('exposes Prometheus metrics to an admin key only', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth() });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /lethe_http_requests_total/);
      assert.equal((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
      const reader = await createKey(['read']);
      assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth(reader.key) })).statusCode, 403);
    });
  });
}
