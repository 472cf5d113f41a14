import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { api, createContact, createKey, createSubAccount } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';
import { loadConfig } from '../../src/config.js';

// Issue 19 item 6: the smaller defects of the review, each decided and tested.
for (const engine of ENGINES) {
  describe(`hardening: smaller items (${engine})`, () => {
    let t: TestApp;
    let parent: Api;
    before(async () => {
      t = await buildTestApp(engine);
      parent = api(t);
      await createSubAccount(t, 'brand-b');
    });
    after(() => t.close());

    it("lets only the requester (or its ancestors) cancel a sub-account's part of a cross-account erase", async () => {
      const asParentForB = api(t, { ...t.auth(), 'on-behalf-of': 'brand-b' });
      await createContact(asParentForB, { email: 'shared@example.com' });
      const bAdmin = api(t, { authorization: `Bearer ${await createKey(t, ['admin'], { 'on-behalf-of': 'brand-b' })}` });
      const op = (await parent.post('/v1/operations', { action: 'erase', accounts: 'all', selector: { emails: ['shared@example.com'] } })).json() as { id: number; children: Array<{ id: number; account_id: number }> };
      const partOfB = op.children.find((c) => c.account_id !== t.accountId) as { id: number };
      // The sub-account sees its part, but cannot opt out of its parent's erasure.
      assert.equal((await bAdmin.get(`/v1/operations/${partOfB.id}`)).statusCode, 200);
      const refused = await bAdmin.post(`/v1/operations/${partOfB.id}/cancel`);
      assert.equal(refused.statusCode, 403, refused.body);
      assert.match(refused.json().detail, /requested by a parent account/);
      assert.equal((await bAdmin.get(`/v1/operations/${partOfB.id}`)).json().state, 'queued', 'nothing changed');
      // The requester may, acting for the sub-account or on the whole request.
      const byParent = await asParentForB.post(`/v1/operations/${partOfB.id}/cancel`);
      assert.equal(byParent.statusCode, 200, byParent.body);
      assert.equal(byParent.json().state, 'canceled');
      assert.equal((await parent.post(`/v1/operations/${op.id}/cancel`)).statusCode, 200);
      await drainOperations(t, { schedule: false });
    });

    it("shows /metrics to the default account's admin key only", async () => {
      assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth() })).statusCode, 200);
      const subAdmin = await createKey(t, ['admin'], { 'on-behalf-of': 'brand-b' });
      const other = await t.lethe.core.accounts.createTopLevel('acme');
      const otherAdmin = (await t.lethe.core.keys.create(other.id, { scopes: ['admin'] })).key;
      for (const headers of [t.auth(subAdmin), t.auth(otherAdmin), { ...t.auth(), 'on-behalf-of': 'brand-b' }]) {
        const res = await t.app.inject({ method: 'GET', url: '/metrics', headers });
        assert.equal(res.statusCode, 403, res.body);
        assert.doesNotMatch(res.body, /lethe_http_requests_total/);
      }
    });

    it('ends an open progress stream once its key is revoked', async () => {
      const reader = await createKey(t, ['read']);
      const keyId = reader.split('_')[1] as string;
      const op = (await parent.post('/v1/operations', { action: 'erase', selector: { emails: ['nobody@example.com'] } })).json() as { id: number };
      // The operation stays queued (no worker runs): only the revocation can end the stream.
      const stream = t.app.inject({ method: 'GET', url: `/v1/operations/${op.id}/stream`, headers: t.auth(reader) });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal((await parent.delete(`/v1/keys/${keyId}`)).statusCode, 204);
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const res = await Promise.race([stream, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the stream outlived its revoked key')), 10_000)))]);
      clearTimeout(timer);
      assert.ok(Date.now() - started < 10_000);
      assert.match(res.body, /event: progress/);
      assert.match(res.body, /event: error\ndata: \{"code":"UNAUTHENTICATED"/);
      assert.doesNotMatch(res.body, /event: done/);
      await parent.post(`/v1/operations/${op.id}/cancel`);
      await drainOperations(t, { schedule: false });
    });

    it('refuses __proto__, constructor and prototype as custom field or attribute names, with a clear 400', async () => {
      const bodies: Array<[string, RegExp]> = [
        ['{"email":"p1@example.com","custom_fields":{"__proto__":{"x":1}}}', /"__proto__"/],
        ['{"email":"p1@example.com","custom_fields":{"constructor":"x"}}', /may not be __proto__, constructor, prototype/],
        ['{"email":"p1@example.com","custom_fields":{"prototype":"x"}}', /may not be __proto__, constructor, prototype/],
        ['{"email":"p1@example.com","attributes":{"constructor":"x"}}', /may not be __proto__, constructor, prototype/],
      ];
      for (const [payload, message] of bodies) {
        const res = await t.app.inject({ method: 'POST', url: '/v1/contacts', headers: { ...t.auth(), 'content-type': 'application/json' }, payload });
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.json().detail, message);
      }
      const csv = await t.app.inject({ method: 'POST', url: '/v1/imports', headers: { ...t.auth(), 'content-type': 'text/csv' }, payload: 'email,custom.__proto__\np2@example.com,x\n' });
      assert.equal(csv.statusCode, 400, csv.body);
      assert.match(csv.json().detail, /these names are refused/);
      // In a JSON import a row naming them is an invalid row; `constructor` is no contact field.
      const json = await parent.post('/v1/imports', { contacts: [{ email: 'p3@example.com', custom_fields: { constructor: 'x' } }, { email: 'p4@example.com', constructor: 'x' }, { email: 'p5@example.com', toString: 'x' }, { email: 'p6@example.com' }] });
      assert.equal(json.statusCode, 202, json.body);
      const sg = await t.app.inject({ method: 'PUT', url: '/v3/marketing/contacts', headers: t.auth(), payload: { contacts: [{ email: 'p7@example.com', custom_fields: { prototype: 'x' } }, { email: 'p8@example.com' }] } });
      assert.equal(sg.statusCode, 202, sg.body);
      await drainOperations(t, { schedule: false });
      const status = (await parent.get(`/v1/imports/${json.json().id}`)).json();
      assert.equal(status.created, 1);
      assert.equal(status.invalid, 3);
      const job = (await t.app.inject({ method: 'GET', url: `/v3/marketing/contacts/imports/${sg.json().job_id}`, headers: t.auth() })).json();
      assert.equal(job.results.errored_count, 1);
      assert.equal(job.results.created_count, 1);
    });

    it('builds SendGrid links from LETHE_PUBLIC_URL when set, else from the request', async () => {
      const contact = await createContact(parent, { email: 'link@example.com' });
      const fromHost = (await t.app.inject({ method: 'GET', url: `/v3/marketing/contacts/${contact.uuid}`, headers: { ...t.auth(), host: 'lethe.internal:8080' } })).json();
      assert.equal(fromHost._metadata.self, `http://lethe.internal:8080/v3/marketing/contacts/${contact.uuid}`);
      const configured = await buildTestApp(engine, { config: { publicUrl: 'https://lethe.example.com/api/' } });
      try {
        const c = await createContact(api(configured), { email: 'link@example.com' });
        const res = await configured.app.inject({ method: 'GET', url: `/v3/marketing/contacts/${c.uuid}`, headers: { ...configured.auth(), host: 'evil.example' } });
        assert.equal(res.json()._metadata.self, `https://lethe.example.com/api/v3/marketing/contacts/${c.uuid}`);
        const list = await configured.app.inject({ method: 'POST', url: '/v3/marketing/lists', headers: { ...configured.auth(), host: 'evil.example' }, payload: { name: 'L' } });
        assert.match(list.json()._metadata.self, /^https:\/\/lethe\.example\.com\/api\/v3\/marketing\/lists\//);
      } finally {
        await configured.close();
      }
      assert.throws(() => loadConfig({ publicUrl: 'ftp://x' }, {}), /LETHE_PUBLIC_URL/);
      assert.equal(loadConfig({}, { LETHE_PUBLIC_URL: 'http://h.example/' }).publicUrl, 'http://h.example');
    });

    it('creates the SQLite database and its WAL files readable by the owner only', { skip: engine !== 'sqlite' && 'PostgreSQL keeps no file of Lethe' }, async () => {
      await createContact(parent, { email: 'mode@example.com' });
      for (const suffix of ['', '-wal', '-shm']) {
        const mode = statSync(`${t.database.url}${suffix}`).mode & 0o777;
        assert.equal(mode.toString(8), '600', `lethe.db${suffix}`);
      }
    });
  });
}
