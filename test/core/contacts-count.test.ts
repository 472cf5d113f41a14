import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Actor } from '../../src/core/actor.js';
import { api, createContact, markSoftDeleted } from '../helpers/api.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';

for (const engine of ENGINES) {
  describe(`counting contacts [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(() => t.close());

    it('counts by status and by list, within the account only', async () => {
      const client = api(t);
      const list = (await client.post('/v1/lists', { name: 'counted' })).json() as { id: number };
      const a = await createContact(client, { email: 'count-a@example.com' });
      await createContact(client, { email: 'count-b@example.com' });
      const c = await createContact(client, { email: 'count-c@example.com' });
      assert.equal((await client.post(`/v1/lists/${list.id}/members`, { contact_ids: [a.id, c.id] })).statusCode < 300, true);
      await markSoftDeleted(t, c.id);
      const as: Actor = { accountId: t.accountId, keyAccountId: t.accountId, keyId: null, scopes: ['admin'], via: 'native' };
      assert.equal(await t.lethe.core.contacts.count(as, { status: 'all' }), 3);
      assert.equal(await t.lethe.core.contacts.count(as, { status: 'active' }), 2);
      assert.equal(await t.lethe.core.contacts.count(as, { status: 'active', listId: list.id }), 1);
      assert.equal(await t.lethe.core.contacts.count({ ...as, accountId: t.accountId + 1000 }, { status: 'all' }), 0);
    });
  });
}
