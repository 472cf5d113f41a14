import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY_MS } from '../../src/core/clock.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';
import { actorOf, rawContact, rowCount, runOperation, seedContacts } from './fixtures.js';

const PLACEHOLDER = /^\\x[0-9a-f]{40}@domain\.invalid$/;

for (const engine of ENGINES) {
  describe(`contact lifecycle [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(() => t.close());

    /** A fresh sub-account per test, so that settings and clocks of one test do not leak into another. */
    async function account(name: string, settings: { restoreWindowDays?: number | null; retentionDays?: number } = {}) {
      const sub = await t.lethe.core.accounts.createSubAccount(actorOf(t.accountId), name, settings);
      const actor = actorOf(sub.id, t.accountId);
      const list = await t.lethe.core.lists.create(actor, { name: `${name}-list` });
      return { id: sub.id, actor, list };
    }

    async function addEvent(accountId: number, contactId: number) {
      const result = await t.lethe.core.events.ingest(actorOf(accountId), [
        { contactId, type: 'click', messageId: 'msg-1', subject: 'Secret subject', categories: ['promo'], ip: '198.51.100.23', userAgent: 'Agent/1.0', url: 'https://example.com/x' },
      ]);
      assert.equal(result.accepted, 1);
    }

    it('soft delete keeps the data, removes memberships, and with no window keeps the contact until restored', async () => {
      const a = await account('soft-unset');
      const [id, other] = await seedContacts(t, a.id, 2, 'soft', [a.list.id]);
      const op = await runOperation(t, a.actor, { action: 'soft_delete', selector: { kind: 'ids', values: [id] } });
      assert.equal(op.state, 'completed');
      assert.equal(op.counts.succeeded, 1);
      const row = await rawContact(t, id!);
      assert.equal(row?.status, 'deleted');
      assert.equal(row?.first_name, 'Firstsoft0', 'personal data is kept');
      assert.equal(row?.deleted_at, t.clock.now());
      assert.equal(row?.purge_at, null, 'unset restore window: kept until restored');
      assert.equal(await rowCount(t, 'list_memberships', { column: 'contact_id', value: id! }), 0);
      assert.equal(await rowCount(t, 'list_memberships', { column: 'contact_id', value: other! }), 1, 'others keep theirs');
      assert.equal(await t.lethe.core.contacts.count(a.actor, { status: 'active' }), 1, 'a deleted contact is not active');
      t.clock.advanceDays(400);
      await drainOperations(t);
      assert.equal((await rawContact(t, id!))?.status, 'deleted', 'still there long after');
    });

    it('restore brings a deleted contact back, onto the given lists; an active or erased one is skipped', async () => {
      const a = await account('restore');
      const [deleted, active, erased] = await seedContacts(t, a.id, 3, 'rest', [a.list.id]);
      await runOperation(t, a.actor, { action: 'soft_delete', selector: { kind: 'ids', values: [deleted] } });
      await t.lethe.core.lifecycle.eraseContact(a.actor, erased!);
      const op = await runOperation(t, a.actor, { action: 'restore', selector: { kind: 'ids', values: [deleted, active, erased] }, restoreToLists: [a.list.id] });
      assert.deepEqual([op.counts.succeeded, op.counts.skipped, op.counts.notFound], [1, 2, 0]);
      const back = await t.lethe.core.contacts.get(a.actor, deleted!);
      assert.equal(back.status, 'active');
      assert.equal(back.deletedAt, null);
      assert.equal(back.purgeAt, null);
      assert.deepEqual(back.listIds, [a.list.id]);
      assert.equal((await rawContact(t, erased!))?.status, 'erased', 'an erased contact cannot come back');
      const targets = await t.lethe.core.operations.targets(a.actor, op.id, { outcome: 'skipped' });
      assert.deepEqual(targets.items.map((x) => x.detail).sort(), ['erased: cannot be restored', 'not deleted']);
    });

    it('a 30-day restore window ends in a purge by the scheduler once the clock passes it', async () => {
      const a = await account('window-30', { restoreWindowDays: 30 });
      const [id, kept] = await seedContacts(t, a.id, 2, 'win', [a.list.id]);
      await addEvent(a.id, id!);
      const deletedAt = t.clock.now();
      await runOperation(t, a.actor, { action: 'soft_delete', selector: { kind: 'ids', values: [id] } });
      assert.equal((await rawContact(t, id!))?.purge_at, deletedAt + 30 * DAY_MS);
      t.clock.advanceDays(29);
      await drainOperations(t);
      assert.equal((await rawContact(t, id!))?.status, 'deleted', 'inside the window: restorable');
      t.clock.advanceDays(2);
      await drainOperations(t);
      assert.equal(await rawContact(t, id!), null, 'window ended: purged');
      assert.equal(await rowCount(t, 'events', { column: 'contact_id', value: id! }), 0);
      assert.equal((await rawContact(t, kept!))?.status, 'active', 'others untouched');
      const ops = await t.lethe.core.operations.list(a.actor, { action: 'purge' });
      const scheduled = ops.items.find((op) => op.via === 'scheduler');
      assert.ok(scheduled, 'the purge is an operation like any other');
      assert.equal(scheduled.state, 'completed');
      assert.equal(scheduled.counts.succeeded, 1);
      assert.equal(scheduled.selectorKind, 'due');
      const audit = await t.lethe.core.audit.list(a.id, { limit: 100 });
      assert.ok(audit.some((r) => r.action === 'operation.completed' && r.via === 'scheduler' && r.data.succeeded === 1));
    });

    it('a restore window of -1 purges at once', async () => {
      const a = await account('window-minus1', { restoreWindowDays: -1 });
      const [id] = await seedContacts(t, a.id, 1, 'now', [a.list.id]);
      await addEvent(a.id, id!);
      const op = await runOperation(t, a.actor, { action: 'soft_delete', selector: { kind: 'ids', values: [id] } });
      assert.equal(op.counts.succeeded, 1);
      assert.equal(await rawContact(t, id!), null);
      assert.equal(await rowCount(t, 'events', { column: 'contact_id', value: id! }), 0);
      assert.equal(await rowCount(t, 'list_memberships', { column: 'contact_id', value: id! }), 0);
    });

    it('erase removes every personal field at once, keeps a keyed-hash placeholder, and purges after retention', async () => {
      const a = await account('erase-30');
      const [id, kept] = await seedContacts(t, a.id, 2, 'era', [a.list.id]);
      await addEvent(a.id, id!);
      const erasedAt = t.clock.now();
      const op = await runOperation(t, a.actor, { action: 'erase', selector: { kind: 'emails', values: ['ERA-0@example.com'] } });
      assert.equal(op.counts.succeeded, 1);
      const row = await rawContact(t, id!);
      assert.ok(row);
      assert.equal(row.status, 'erased');
      assert.equal(row.email, null);
      assert.match(row.email_norm ?? '', PLACEHOLDER);
      assert.equal(row.email_norm, `\\x${t.lethe.core.deps.hasher.hash('erased-email', 'era-0@example.com').slice(0, 40)}@domain.invalid`);
      for (const column of ['first_name', 'last_name', 'phone', 'external_key', 'opt_in_ip', 'create_source', 'update_source'] as const) assert.equal(row[column], null, column);
      assert.equal(row.custom_fields, '{}');
      assert.equal(row.attributes, '{}');
      assert.equal(row.erased_at, erasedAt);
      assert.equal(row.purge_at, erasedAt + 30 * DAY_MS, 'default retention: 30 days');
      const contact = await t.lethe.core.contacts.get(a.actor, id!);
      assert.equal(contact.placeholderEmail, row.email_norm);
      assert.deepEqual(contact.listIds, []);
      const events = await t.lethe.store.handle.db.selectFrom('events').selectAll().where('contact_id', '=', id!).execute();
      assert.deepEqual(events, [], 'the message history is erased with the contact');
      assert.equal((await rawContact(t, kept!))?.first_name, 'Firstera1', 'others untouched');

      t.clock.advanceDays(29);
      await drainOperations(t);
      assert.ok(await rawContact(t, id!), 'within retention: the shell stays');
      t.clock.advanceDays(2);
      await drainOperations(t);
      assert.equal(await rawContact(t, id!), null, 'retention ended: purged');
      assert.equal(await rowCount(t, 'events', { column: 'contact_id', value: id! }), 0);
    });

    it('a retention of 0 purges erased contacts at once', async () => {
      const a = await account('erase-0', { retentionDays: 0 });
      const [id] = await seedContacts(t, a.id, 1, 'zero');
      await addEvent(a.id, id!);
      const op = await runOperation(t, a.actor, { action: 'erase', selector: { kind: 'ids', values: [id] } });
      assert.equal(op.counts.succeeded, 1);
      assert.equal(await rawContact(t, id!), null);
      assert.equal(await rowCount(t, 'events', { column: 'contact_id', value: id! }), 0);
    });

    it('purge removes the rows of contacts in any state', async () => {
      const a = await account('purge');
      const [active, deleted, erased] = await seedContacts(t, a.id, 3, 'pur', [a.list.id]);
      await runOperation(t, a.actor, { action: 'soft_delete', selector: { kind: 'ids', values: [deleted] } });
      await t.lethe.core.lifecycle.eraseContact(a.actor, erased!);
      const op = await runOperation(t, a.actor, { action: 'purge', selector: { kind: 'ids', values: [active, deleted, erased] } });
      assert.equal(op.counts.succeeded, 3);
      for (const id of [active, deleted, erased]) assert.equal(await rawContact(t, id!), null);
      assert.equal(await rowCount(t, 'list_memberships', { column: 'account_id', value: a.id }), 0);
    });

    it('re-adding an email after erase or after purge creates a fresh contact', async () => {
      const a = await account('readd');
      const [erased, purged] = await seedContacts(t, a.id, 2, 'again');
      await t.lethe.core.lifecycle.eraseContact(a.actor, erased!);
      await runOperation(t, a.actor, { action: 'purge', selector: { kind: 'ids', values: [purged] } });
      for (const [email, oldId] of [['again-0@example.com', erased], ['again-1@example.com', purged]] as const) {
        const { contact, created } = await t.lethe.core.contacts.upsert(a.actor, { email, firstName: 'New' });
        assert.equal(created, true);
        assert.notEqual(contact.id, oldId);
        assert.equal(contact.status, 'active');
        assert.equal(contact.firstName, 'New');
      }
      // Erasing the re-added address again: the newest shell holds the placeholder.
      const fresh = await t.lethe.core.contacts.upsert(a.actor, { email: 'again-0@example.com' });
      await t.lethe.core.lifecycle.eraseContact(a.actor, fresh.contact.id);
      assert.match((await rawContact(t, fresh.contact.id))?.email_norm ?? '', PLACEHOLDER);
      assert.equal((await rawContact(t, erased!))?.email_norm, null);
    });

    it('eraseContact erases one contact at once, audited without personal data, and is idempotent', async () => {
      const a = await account('single');
      const [id, kept] = await seedContacts(t, a.id, 2, 'one');
      const contact = await t.lethe.core.lifecycle.eraseContact(a.actor, id!);
      assert.equal(contact.status, 'erased');
      assert.equal(contact.email, null);
      assert.equal(contact.firstName, null);
      assert.match(contact.placeholderEmail ?? '', PLACEHOLDER);
      const again = await t.lethe.core.lifecycle.eraseContact(a.actor, id!);
      assert.equal(again.erasedAt, contact.erasedAt);
      const audit = await t.lethe.core.audit.list(a.id, { limit: 100 });
      const entries = audit.filter((r) => r.action === 'contact.erased');
      assert.equal(entries.length, 1);
      assert.doesNotMatch(JSON.stringify(audit), /one-0|Firstone/i);
      assert.equal((await rawContact(t, kept!))?.status, 'active');
      await assert.rejects(t.lethe.core.lifecycle.eraseContact(actorOf(t.accountId), kept!), { code: 'NOT_FOUND' }, 'another account: not found');
    });

    it('eraseContact records a completed erase operation in its transaction; the worker scrubs after the request', async () => {
      const a = await account('single-op');
      const [id] = await seedContacts(t, a.id, 1, 'singleop');
      const scrub = t.lethe.store.scrubStorage;
      let scrubs = 0;
      t.lethe.store.scrubStorage = async (...args) => {
        scrubs++;
        return scrub(...args);
      };
      try {
        await t.lethe.core.lifecycle.eraseContact(a.actor, id!);
        assert.equal(scrubs, 0, 'no scrub inside the request');
        const { items } = await t.lethe.core.operations.list(a.actor, {});
        assert.equal(items.length, 1);
        const op = items[0]!;
        assert.deepEqual(
          { kind: op.kind, action: op.action, selectorKind: op.selectorKind, selectorSize: op.selectorSize, state: op.state, via: op.via, scrubbedAt: op.scrubbedAt, dryRun: op.dryRun },
          { kind: 'operation', action: 'erase', selectorKind: 'ids', selectorSize: 1, state: 'completed', via: 'native', scrubbedAt: null, dryRun: false },
        );
        assert.deepEqual(op.counts, { expected: 1, processed: 1, succeeded: 1, notFound: 0, invalid: 0, failed: 0, skipped: 0, duplicates: 0 });
        const audit = await t.lethe.core.audit.list(a.id, { limit: 100 });
        for (const action of ['operation.created', 'operation.completed']) {
          assert.equal(audit.filter((r) => r.action === action && r.subjectId === String(op.id)).length, 1, action);
        }
        await drainOperations(t, { schedule: false });
        assert.equal(scrubs, 1, 'the worker scrubbed once');
        assert.ok((await t.lethe.core.operations.get(a.actor, op.id)).scrubbedAt !== null, 'marked scrubbed');
        // A second erase of the same contact changes nothing and records nothing.
        await t.lethe.core.lifecycle.eraseContact(a.actor, id!);
        assert.equal((await t.lethe.core.operations.list(a.actor, {})).items.length, 1);
      } finally {
        t.lethe.store.scrubStorage = scrub;
      }
    });

    it('eraseContact succeeds when the scrub fails; the worker retries it later, coalescing the erases due', async () => {
      const a = await account('single-retry');
      const ids = await seedContacts(t, a.id, 2, 'singleretry');
      const scrub = t.lethe.store.scrubStorage;
      let scrubs = 0;
      let failing = true;
      t.lethe.store.scrubStorage = async (...args) => {
        scrubs++;
        if (failing) throw new Error('disk on fire');
        return scrub(...args);
      };
      try {
        for (const id of ids) await t.lethe.core.lifecycle.eraseContact(a.actor, id);
        for (const id of ids) assert.equal((await rawContact(t, id))?.status, 'erased', 'the erase is committed');
        await drainOperations(t, { schedule: false });
        assert.equal(scrubs, 1, 'one scrub attempt for both erases');
        const pending = (await t.lethe.core.operations.list(a.actor, {})).items;
        assert.equal(pending.length, 2);
        for (const op of pending) assert.equal(op.scrubbedAt, null, 'not scrubbed: tried again later');
        failing = false;
        t.clock.advance(31_000);
        await drainOperations(t, { schedule: false });
        assert.equal(scrubs, 2, 'retried once for both');
        for (const op of (await t.lethe.core.operations.list(a.actor, {})).items) assert.ok(op.scrubbedAt !== null);
      } finally {
        t.lethe.store.scrubStorage = scrub;
      }
    });
  });
}
