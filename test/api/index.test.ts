import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';

for (const engine of ENGINES) {
  describe(`the server's root and GET /v1 [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(async () => t.close());

    it('redirects / to the dashboard (the docs stay at /docs)', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/' });
      assert.equal(res.statusCode, 302);
      assert.equal(res.headers.location, '/dashboard/');
      const docs = await t.app.inject({ method: 'GET', url: '/docs' });
      assert.ok([200, 302].includes(docs.statusCode), `docs answer (${docs.statusCode})`);
    });

    it('answers GET /v1 (with or without a slash, no key needed) with links that work', async () => {
      for (const url of ['/v1', '/v1/']) {
        const res = await t.app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
        const index = res.json() as { docs: string; openapi: string; collections: Record<string, string> };
        assert.equal(index.docs, '/docs');
        assert.equal(index.openapi, '/openapi.json');
        assert.equal(index.collections.contacts, '/v1/contacts');
        assert.equal(index.collections.operations, '/v1/operations');
      }
      const index = (await t.app.inject({ method: 'GET', url: '/v1' })).json() as { openapi: string; collections: Record<string, string> };
      assert.equal((await t.app.inject({ method: 'GET', url: index.openapi })).statusCode, 200);
      for (const path of Object.values(index.collections)) {
        const res = await t.app.inject({ method: 'GET', url: path, headers: t.auth() });
        assert.equal(res.statusCode, 200, `${path}: ${res.body}`);
        const anonymous = await t.app.inject({ method: 'GET', url: path });
        assert.equal(anonymous.statusCode, 401, `${path} still needs a key`);
      }
    });
  });
}
