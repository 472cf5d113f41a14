import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ContactInput } from '../../src/core/contacts/contact.js';
import type { UpsertItemResult } from '../../src/core/contacts/upsert-contacts.js';
import { AppError } from '../../src/core/errors.js';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { countRows, markSoftDeleted } from '../helpers/api.js';

const outcomes = (results: UpsertItemResult[]) => results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.outcome]: (acc[r.outcome] ?? 0) + 1 }), {});

for (const engine of ENGINES) {
  describe(`bulk upsert of contacts [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(async () => t.close());

    const upsertMany = (inputs: ContactInput[], options: { listIds?: number[]; matchBy?: 'email' | 'externalKey' } = {}) =>
      t.lethe.core.contacts.upsertMany(t.accountId, inputs, { source: 'test', ...options });

    it('writes 2,500 contacts over several chunks and reports every item in order', async () => {
      const inputs: ContactInput[] = Array.from({ length: 2500 }, (_, i) => ({ email: `u${i}@example.com`, firstName: `F${i}` }));
      inputs[100] = { email: 'secret-person@@example' };
      inputs[200] = { firstName: 'no address' };
      inputs[300] = { email: 'toomany@example.com', customFields: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i])) };
      inputs[11] = { email: 'U10@example.com', lastName: 'Second' }; // same contact as item 10, same chunk
      inputs[2400] = { email: 'u5@example.com', lastName: 'Later' }; // same contact as item 5, a later chunk

      const results = await upsertMany(inputs);
      assert.equal(results.length, 2500);
      results.forEach((r, i) => assert.equal(r.index, i));
      assert.deepEqual(outcomes(results), { created: 2495, updated: 2, invalid: 3 });
      assert.deepEqual(results[100], { index: 100, outcome: 'invalid', code: 'VALIDATION_FAILED', field: 'email', message: 'email is not a valid email address' });
      assert.equal(results[200]?.outcome === 'invalid' && results[200].field, 'email');
      assert.equal(results[300]?.outcome === 'invalid' && results[300].field, 'custom_fields');
      assert.ok(!JSON.stringify(results).includes('secret-person'), 'messages never quote values');

      const [r5, r2400, r10, r11] = [results[5], results[2400], results[10], results[11]];
      assert.ok(r5?.outcome === 'created' && r2400?.outcome === 'updated' && r5.contactId === r2400.contactId);
      assert.ok(r10?.outcome === 'created' && r11?.outcome === 'updated' && r10.contactId === r11.contactId);
      const merged = await t.lethe.core.contacts.get({ accountId: t.accountId, keyAccountId: t.accountId, keyId: null, scopes: ['admin'], via: 'native' }, r10.contactId);
      assert.equal(merged.firstName, 'F10');
      assert.equal(merged.lastName, 'Second', 'items naming one contact apply in order');
      assert.equal(merged.email, 'U10@example.com');
      assert.equal(merged.createSource, 'test');
      assert.equal(await countRows(t, 'contacts'), 2495);

      const again = await upsertMany(inputs);
      assert.deepEqual(outcomes(again), { updated: 2497, invalid: 3 });
      assert.equal(await countRows(t, 'contacts'), 2495, 'a second run creates nothing');
    });

    it('adds every written contact to the given lists, and refuses unknown lists before writing', async () => {
      const list = await t.lethe.core.lists.create({ accountId: t.accountId, keyAccountId: t.accountId, keyId: null, scopes: ['admin'], via: 'native' }, { name: 'bulk' });
      const results = await upsertMany([{ email: 'l1@example.com' }, { email: 'l2@example.com' }, { email: 'bad' }], { listIds: [list.id, list.id] });
      assert.deepEqual(outcomes(results), { created: 2, invalid: 1 });
      assert.equal(await countRows(t, 'list_memberships'), 2);

      const before = await countRows(t, 'contacts');
      await assert.rejects(upsertMany([{ email: 'l3@example.com' }], { listIds: [list.id, 999_999] }), (error: unknown) => error instanceof AppError && error.code === 'NOT_FOUND');
      assert.equal(await countRows(t, 'contacts'), before, 'nothing written');
    });

    it('refuses an external key another contact holds, in the store or earlier in the batch', async () => {
      await upsertMany([{ email: 'owner@example.com', externalKey: 'key-owned' }]);
      const results = await upsertMany([
        { email: 'thief@example.com', externalKey: 'key-owned' },
        { email: 'first@example.com', externalKey: 'key-new' },
        { email: 'second@example.com', externalKey: 'key-new' },
        { email: 'owner@example.com', externalKey: 'key-owned', firstName: 'Owner' },
      ]);
      assert.deepEqual(results.map((r) => r.outcome), ['invalid', 'created', 'invalid', 'updated']);
      assert.ok(results[0]?.outcome === 'invalid' && results[0].code === 'ALREADY_EXISTS' && results[0].field === 'external_key');
      assert.ok(results[2]?.outcome === 'invalid' && results[2].code === 'ALREADY_EXISTS');
    });

    it('matches on the external key when asked', async () => {
      const first = await upsertMany([{ externalKey: 'mc-1', email: 'mc1@example.com' }, { email: 'nokey@example.com' }], { matchBy: 'externalKey' });
      assert.deepEqual(first.map((r) => r.outcome), ['created', 'invalid']);
      assert.ok(first[1]?.outcome === 'invalid' && first[1].field === 'external_key');
      const second = await upsertMany([{ externalKey: 'mc-1', email: 'mc1.new@example.com' }, { externalKey: 'mc-2', email: 'owner@example.com' }], { matchBy: 'externalKey' });
      assert.deepEqual(second.map((r) => r.outcome), ['updated', 'invalid']);
      assert.ok(second[1]?.outcome === 'invalid' && second[1].field === 'email' && second[1].code === 'ALREADY_EXISTS');
      const contact = await t.lethe.store.contacts.findByExternalKey(t.accountId, 'mc-1');
      assert.equal(contact?.email, 'mc1.new@example.com', 'the email follows the key');
    });

    it('stores a lone surrogate as U+FFFD, as a driver binding the string would, without failing the others', async () => {
      const results = await upsertMany([
        { email: 'surrogate@example.com', firstName: 'Ann\ud800', customFields: { note: 'x\udc00y' } },
        { email: 'plain-neighbour@example.com', firstName: 'Bob' },
      ]);
      assert.deepEqual(results.map((r) => r.outcome), ['created', 'created']);
      const [stored] = await t.lethe.store.contacts.findByEmailNorms(t.accountId, ['surrogate@example.com']);
      assert.equal(stored?.firstName, 'Ann\ufffd');
      assert.equal(stored?.customFields.note, 'x\udc00y', 'custom fields keep their JSON text, escapes included');
    });

    it('lets concurrent upserts of the same new addresses each succeed, creating every contact once', async () => {
      const inputs = Array.from({ length: 200 }, (_, i) => ({ email: `race${i}@example.com`, firstName: `R${i}` }));
      const before = await countRows(t, 'contacts');
      const runs = await Promise.all([1, 2, 3, 4].map(() => upsertMany(inputs)));
      assert.equal(await countRows(t, 'contacts'), before + 200);
      for (const run of runs) assert.equal(run.filter((r) => r.outcome === 'invalid').length, 0);
      const created = runs.flat().filter((r) => r.outcome === 'created').length;
      assert.equal(created, 200, 'each address is reported created by exactly one run');
    });

    it('brings soft-deleted contacts back, and never writes into an erased one', async () => {
      const [created] = await upsertMany([{ email: 'back@example.com', externalKey: 'back-key' }]);
      assert.ok(created?.outcome === 'created');
      await markSoftDeleted(t, created.contactId);
      const [back] = await upsertMany([{ email: 'back@example.com' }]);
      assert.ok(back?.outcome === 'updated' && back.contactId === created.contactId);
      const contact = await t.lethe.store.contacts.findById(t.accountId, created.contactId);
      assert.equal(contact?.status, 'active');
      assert.equal(contact?.deletedAt, null);
      assert.equal(contact?.purgeAt, null);

      // An erased contact whose external key the erasure left in place.
      await t.lethe.store.handle.db.updateTable('contacts').set({ status: 'erased', email: null, email_norm: 'erased:x', first_name: null }).where('id', '=', created.contactId).execute();
      const [refused] = await upsertMany([{ externalKey: 'back-key', firstName: 'Revenant' }], { matchBy: 'externalKey' });
      assert.ok(refused?.outcome === 'invalid' && refused.code === 'CONFLICT');
      const [fresh] = await upsertMany([{ email: 'back@example.com' }]);
      assert.ok(fresh?.outcome === 'created' && fresh.contactId !== created.contactId, 'the erased address is free');
      const shell = await t.lethe.store.contacts.findById(t.accountId, created.contactId);
      assert.equal(shell?.status, 'erased');
      assert.equal(shell?.firstName, null);
    });
  });
}
