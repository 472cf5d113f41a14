import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { api, createContact, createKey, createSubAccount } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { drainOperations } from '../helpers/operations.js';

interface Part {
  id: number;
  account_id: number;
  parent_id: number | null;
  state: string;
  counts: { succeeded: number; not_found: number; expected: number };
}

for (const engine of ENGINES) {
  describe(`operations: erase by emails across sub-accounts [${engine}]`, () => {
    let t: TestApp;
    let parent: Api;
    let brandB: Api;
    let brandC: Api;
    let bId: number;
    let cId: number;

    before(async () => {
      t = await buildTestApp(engine);
      parent = api(t);
      bId = await createSubAccount(t, 'brand-b');
      cId = await createSubAccount(t, 'brand-c');
      brandB = api(t, { ...t.auth(), 'on-behalf-of': 'brand-b' });
      brandC = api(t, { ...t.auth(), 'on-behalf-of': 'brand-c' });
    });
    after(async () => t.close());

    it('erases the addresses in the parent and every sub-account in one request, with a part per account', async () => {
      const inParent = await createContact(parent, { email: 'shared@example.com', first_name: 'P' });
      const inB = await createContact(brandB, { email: 'SHARED@example.com', first_name: 'B' });
      const inC = await createContact(brandC, { email: 'shared@example.com', first_name: 'C' });
      const onlyC = await createContact(brandC, { email: 'only-c@example.com' });
      const bystander = await createContact(brandB, { email: 'stays@example.com' });

      const res = await parent.post('/v1/operations', { action: 'erase', accounts: 'all', selector: { emails: ['shared@example.com', 'only-c@example.com', 'nobody@example.com'] } });
      assert.equal(res.statusCode, 202, res.body);
      const op = res.json();
      assert.equal(op.account_id, t.accountId);
      await drainOperations(t);

      const done = (await parent.get(`/v1/operations/${op.id}`)).json();
      assert.equal(done.state, 'completed');
      const parts = done.children as Part[];
      assert.deepEqual(parts.map((p) => p.account_id).sort((x, y) => x - y), [t.accountId, bId, cId].sort((x, y) => x - y), 'one part per account');
      const part = (accountId: number) => parts.find((p) => p.account_id === accountId) as Part;
      for (const p of parts) {
        assert.equal(p.parent_id, op.id);
        assert.equal(p.state, 'completed');
      }
      assert.equal(part(t.accountId).counts.succeeded, 1);
      assert.equal(part(bId).counts.succeeded, 1);
      assert.equal(part(cId).counts.succeeded, 2);
      assert.equal(part(bId).counts.not_found, 2);
      assert.equal(done.counts.succeeded, 4, 'the request sums its parts');

      for (const [client, id] of [[parent, inParent.id], [brandB, inB.id], [brandC, inC.id], [brandC, onlyC.id]] as const) {
        const contact = (await client.get(`/v1/contacts/${id}`)).json();
        assert.equal(contact.status, 'erased');
        assert.equal(contact.email, null);
        assert.equal(contact.first_name, null);
      }
      assert.equal((await brandB.get(`/v1/contacts/${bystander.id}`)).json().status, 'active');

      // Each sub-account sees its own part as an operation of its own, and nothing of the others.
      const seenByB = await brandB.get(`/v1/operations/${part(bId).id}`);
      assert.equal(seenByB.statusCode, 200);
      assert.equal((await brandB.get(`/v1/operations/${part(cId).id}`)).statusCode, 404);
      assert.equal((await brandB.get(`/v1/operations/${op.id}`)).statusCode, 404);

      // Analytics count the request once in the parent account, and each part in its own sub-account.
      const parentStats = (await parent.get('/v1/operations/analytics?action=erase')).json();
      assert.equal(parentStats.totals.operations.total, 1);
      assert.equal(parentStats.totals.outcomes.succeeded, 4);
      const bStats = (await brandB.get('/v1/operations/analytics?action=erase')).json();
      assert.equal(bStats.totals.operations.total, 1);
      assert.equal(bStats.totals.outcomes.succeeded, 1);

      // The receipt lists every part, each anchored in its own account's audit chain.
      const receipt = (await parent.get(`/v1/operations/${op.id}/receipt`)).json();
      assert.equal(receipt.parts.length, 3);
      for (const p of receipt.parts) {
        assert.ok(p.anchor, `part of account ${p.account.id} is anchored`);
        assert.equal(p.anchor.account_id, p.account.id);
        assert.equal(p.anchor.action, 'operation.completed');
        const chain = await t.lethe.core.audit.list(p.account.id, { limit: 1000 });
        assert.equal(chain.find((r) => r.seq === p.anchor.seq)?.hash, p.anchor.hash);
      }
      assert.deepEqual(receipt.parts.map((p: { account: { name: string } }) => p.account.name).sort(), ['brand-b', 'brand-c', 'default']);
      assert.ok(!JSON.stringify(receipt).includes('example.com'));
    });

    it('allows the cross-account erase only by emails, only for erase, and only from a parent', async () => {
      const refused = [
        { action: 'erase', accounts: 'all', selector: { ids: [1] } },
        { action: 'soft_delete', accounts: 'all', selector: { emails: ['a@example.com'] } },
      ];
      for (const body of refused) {
        const res = await parent.post('/v1/operations', body);
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      }
      const subKey = api(t, t.auth(await createKey(t, ['erase'], { 'on-behalf-of': 'brand-b' })));
      const fromSub = await subKey.post('/v1/operations', { action: 'erase', accounts: 'all', selector: { emails: ['a@example.com'] } });
      assert.ok([400, 403].includes(fromSub.statusCode), fromSub.body);
    });
  });
}
