import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { api, countRows, createContact, createKey, createSubAccount } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';

for (const engine of ENGINES) {
  describe(`contact tenancy and scopes [${engine}]`, () => {
    let t: TestApp;
    let parent: Api;
    let sub: Api;
    let subKeyApi: Api;
    let reader: Api;
    let contact: { id: number; uuid: string };
    let listId: number;

    before(async () => {
      t = await buildTestApp(engine);
      parent = api(t);
      await createSubAccount(t, 'brand-b');
      sub = api(t, { ...t.auth(), 'on-behalf-of': 'brand-b' });
      subKeyApi = api(t, t.auth(await createKey(t, ['read', 'write'], { 'on-behalf-of': 'brand-b' })));
      reader = api(t, t.auth(await createKey(t, ['read'])));
      listId = (await parent.post('/v1/lists', { name: 'parent-list' })).json().id;
      contact = await createContact(parent, { email: 'shared@example.com', external_key: 'ext-1', list_ids: [listId] });
      await parent.post('/v1/events', { events: [{ contact_id: contact.id, type: 'open' }] });
    });
    after(async () => t.close());

    it('hides another account\'s contacts: 404, never their data', async () => {
      for (const client of [sub, subKeyApi]) {
        for (const url of [`/v1/contacts/${contact.id}`, `/v1/contacts/by-uuid/${contact.uuid}`, '/v1/contacts/by-external-key/ext-1', `/v1/contacts/${contact.id}/events`]) {
          const res = await client.get(url);
          assert.equal(res.statusCode, 404, url);
          assert.ok(!res.body.includes('shared@example.com'));
        }
        const listed = (await client.get('/v1/contacts?status=all')).json();
        assert.deepEqual(listed.data, []);
        const lookup = (await client.post('/v1/contacts/lookup', { emails: ['shared@example.com'] })).json();
        // The address the caller sent comes back per item; another account's contact does not.
        assert.deepEqual(lookup, { data: [], not_found: 1, invalid: 0, results: [{ index: 0, email: 'shared@example.com', outcome: 'not_found', contact_id: null }] });
        const patch = await client.patch(`/v1/contacts/${contact.id}`, { first_name: 'Mallory' });
        assert.equal(patch.statusCode, 404);
      }
      assert.equal((await parent.get(`/v1/contacts/${contact.id}`)).json().first_name, null, 'nothing changed');
    });

    it('hides another account\'s lists, and keeps its contacts out of them', async () => {
      for (const [method, url, body] of [
        ['GET', `/v1/lists/${listId}`, undefined],
        ['PATCH', `/v1/lists/${listId}`, { name: 'x' }],
        ['DELETE', `/v1/lists/${listId}`, undefined],
        ['GET', `/v1/lists/${listId}/members`, undefined],
        ['POST', `/v1/lists/${listId}/members`, { contact_ids: [contact.id] }],
        ['DELETE', `/v1/lists/${listId}/members`, { contact_ids: [contact.id] }],
        ['GET', `/v1/contacts?list_id=${listId}`, undefined],
      ] as const) {
        const res = await sub.request(method, url, body);
        assert.equal(res.statusCode, 404, `${method} ${url}`);
      }
      assert.deepEqual((await sub.get('/v1/lists')).json().data, []);
      const subList = (await sub.post('/v1/lists', { name: 'parent-list' })).json();
      assert.ok(subList.id, 'a list name is unique per account only');
      const add = (await sub.post(`/v1/lists/${subList.id}/members`, { contact_ids: [contact.id] })).json();
      assert.equal(add.added, 0);
      assert.equal(add.errors[0].message, 'contact not found');
      const withParentList = await sub.post('/v1/contacts', { email: 'x@example.com', list_ids: [listId] });
      assert.equal(withParentList.statusCode, 404);
      assert.deepEqual((await parent.get(`/v1/contacts/${contact.id}`)).json().list_ids, [listId]);
    });

    it('keeps the same address apart per account', async () => {
      const own = await sub.post('/v1/contacts', { email: 'SHARED@example.com', external_key: 'ext-1' });
      assert.equal(own.statusCode, 201, 'emails and external keys are unique per account only');
      assert.notEqual(own.json().id, contact.id);
      const upsert = await sub.put('/v1/contacts', { email: 'shared@example.com', first_name: 'Sub' });
      assert.equal(upsert.statusCode, 200);
      assert.equal(upsert.json().id, own.json().id);
      assert.equal((await parent.get(`/v1/contacts/${contact.id}`)).json().first_name, null);
      const events = (await sub.post('/v1/events', { events: [{ contact_id: contact.id, type: 'open' }, { email: 'shared@example.com', type: 'open' }] })).json();
      assert.equal(events.accepted, 1);
      assert.deepEqual(events.errors.map((e: { index: number }) => e.index), [0]);
      assert.equal((await parent.get(`/v1/contacts/${contact.id}/events`)).json().data.length, 1, 'the parent\'s contact got nothing');
    });

    it('lets a sub-account key never reach its parent\'s contacts', async () => {
      const res = await api(t, { ...t.auth(await createKey(t, ['read'], { 'on-behalf-of': 'brand-b' })), 'on-behalf-of': `account-id ${t.accountId}` }).get(`/v1/contacts/${contact.id}`);
      assert.equal(res.statusCode, 403);
    });

    it('lets a read-only key read but not write', async () => {
      assert.equal((await reader.get(`/v1/contacts/${contact.id}`)).statusCode, 200);
      assert.equal((await reader.get('/v1/contacts')).statusCode, 200);
      assert.equal((await reader.post('/v1/contacts/lookup', { emails: ['shared@example.com'] })).statusCode, 200);
      assert.equal((await reader.get(`/v1/lists/${listId}/members`)).statusCode, 200);
      const counts = await Promise.all((['contacts', 'lists', 'list_memberships', 'events'] as const).map((table) => countRows(t, table)));
      for (const [method, url, body] of [
        ['POST', '/v1/contacts', { email: 'r@example.com' }],
        ['PUT', '/v1/contacts', { email: 'r@example.com' }],
        ['PATCH', `/v1/contacts/${contact.id}`, { first_name: 'R' }],
        ['POST', '/v1/lists', { name: 'r' }],
        ['PATCH', `/v1/lists/${listId}`, { name: 'r' }],
        ['DELETE', `/v1/lists/${listId}`, undefined],
        ['POST', `/v1/lists/${listId}/members`, { contact_ids: [contact.id] }],
        ['DELETE', `/v1/lists/${listId}/members`, { contact_ids: [contact.id] }],
        ['POST', '/v1/events', { events: [{ contact_id: contact.id, type: 'open' }] }],
      ] as const) {
        const res = await reader.request(method, url, body);
        assert.equal(res.statusCode, 403, `${method} ${url}`);
        assert.equal(res.json().code, 'FORBIDDEN');
      }
      const after = await Promise.all((['contacts', 'lists', 'list_memberships', 'events'] as const).map((table) => countRows(t, table)));
      assert.deepEqual(after, counts, 'nothing written');
    });

    it('refuses requests without a key', async () => {
      const res = await t.app.inject({ method: 'GET', url: `/v1/contacts/${contact.id}` });
      assert.equal(res.statusCode, 401);
    });
  });
}
