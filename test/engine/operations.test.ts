import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/core/errors.js';
import type { CreateOperationInput } from '../../src/core/operations/operation.js';
import { targetHash } from '../../src/core/operations/targets.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations, testRunner } from '../helpers/operations.js';
import { actorOf, rawContact, rowCount, runOperation, seedContacts } from './fixtures.js';

for (const engine of ENGINES) {
  describe(`operations [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(() => t.close());

    let n = 0;
    async function account(settings: { restoreWindowDays?: number | null; retentionDays?: number } = {}) {
      const sub = await t.lethe.core.accounts.createSubAccount(actorOf(t.accountId), `ops-${++n}`, settings);
      const actor = actorOf(sub.id, t.accountId);
      const list = await t.lethe.core.lists.create(actor, { name: `list-${n}` });
      return { id: sub.id, actor, list };
    }

    const statuses = async (ids: readonly (number | undefined)[]) => Promise.all(ids.map(async (id) => (await rawContact(t, id!))?.status ?? 'purged'));

    it('selects by ids, uuids, external keys and emails (case-insensitive)', async () => {
      const a = await account();
      const ids = await seedContacts(t, a.id, 8, 'sel');
      const uuids = await Promise.all(ids.slice(2, 4).map(async (id) => (await rawContact(t, id))!.uuid.toUpperCase()));
      const cases: Array<[CreateOperationInput['selector'], number[]]> = [
        [{ kind: 'ids', values: [ids[0], String(ids[1])] }, [0, 1]],
        [{ kind: 'uuids', values: uuids }, [2, 3]],
        [{ kind: 'external_keys', values: ['sel-key-4', 'sel-key-5'] }, [4, 5]],
        [{ kind: 'emails', values: ['SEL-6@example.COM', ' sel-7@example.com'] }, [6, 7]],
      ];
      for (const [selector, picked] of cases) {
        const op = await runOperation(t, a.actor, { action: 'soft_delete', selector });
        assert.equal(op.state, 'completed', selector.kind);
        assert.equal(op.selectorKind, selector.kind);
        assert.equal(op.selectorSize, 2);
        assert.deepEqual([op.counts.expected, op.counts.processed, op.counts.succeeded, op.counts.notFound], [2, 2, 2, 0], selector.kind);
        for (const i of picked) assert.equal((await rawContact(t, ids[i]!))?.status, 'deleted', `${selector.kind} #${i}`);
      }
    });

    it('selects a list, and all contacts of the account (planned in id ranges)', async () => {
      const a = await account();
      const members = await seedContacts(t, a.id, 7, 'inlist', [a.list.id]);
      const others = await seedContacts(t, a.id, 4, 'outside');
      const b = await account();
      const neighbours = await seedContacts(t, b.id, 3, 'neighbour');
      const listed = await runOperation(t, a.actor, { action: 'soft_delete', selector: { kind: 'list', listId: a.list.id } }, 3);
      assert.equal(listed.counts.expected, 7);
      assert.equal(listed.counts.succeeded, 7);
      assert.equal(listed.chunksTotal, 3, '7 contacts in chunks of 3');
      assert.deepEqual(new Set(await statuses(members)), new Set(['deleted']));
      assert.deepEqual(new Set(await statuses(others)), new Set(['active']));
      const all = await runOperation(t, a.actor, { action: 'erase', selector: { kind: 'all' } }, 2);
      assert.equal(all.counts.expected, 11, 'active and deleted contacts can be erased');
      assert.equal(all.counts.succeeded, 11);
      assert.deepEqual(new Set(await statuses([...members, ...others])), new Set(['erased']));
      assert.deepEqual(new Set(await statuses(neighbours)), new Set(['active']), 'another account is untouched');
      const missing = t.lethe.core.operations.create(a.actor, { action: 'purge', selector: { kind: 'list', listId: 999_999 } });
      await assert.rejects(missing, { code: 'NOT_FOUND', field: 'selector.list_id' });
    });

    it('removes duplicates, and counts invalid and not-found targets per item, never fatally', async () => {
      const a = await account();
      const [id] = await seedContacts(t, a.id, 1, 'dup');
      const op = await runOperation(t, a.actor, { action: 'erase', selector: { kind: 'emails', values: ['dup-0@example.com', 'DUP-0@example.com', 'not-an-email', 42, 'nobody@example.com', 'dup-0@example.com'] } });
      assert.equal(op.state, 'completed');
      assert.equal(op.selectorSize, 6);
      assert.deepEqual(op.counts, { expected: 4, processed: 4, succeeded: 1, notFound: 1, invalid: 2, failed: 0, skipped: 0, duplicates: 2 });
      assert.equal((await rawContact(t, id!))?.status, 'erased');
      const targets = (await t.lethe.core.operations.targets(a.actor, op.id, {})).items;
      assert.deepEqual(targets.map((x) => x.outcome), ['done', 'invalid', 'invalid', 'not_found']);
      assert.deepEqual(targets.filter((x) => x.outcome === 'invalid').map((x) => x.detail), ['values[2]: not a valid email address', 'values[3]: not a valid email address']);
      assert.ok(targets.every((x) => x.value === null), 'no raw value stays once processed');
      assert.equal(targets[0]?.valueHash, targetHash(t.lethe.core.deps.hasher, 'emails', 'dup-0@example.com'));
      // Erasing the same address again finds the erased shell: skipped, not "not found".
      const again = await runOperation(t, a.actor, { action: 'erase', selector: { kind: 'emails', values: ['dup-0@example.com'] } });
      assert.deepEqual([again.counts.skipped, again.counts.notFound], [1, 0]);
    });

    it('keeps a target value only until it is processed, then only its keyed hash, in the same transaction', async () => {
      const a = await account();
      await seedContacts(t, a.id, 4, 'hash');
      const created = await t.lethe.core.operations.create(a.actor, { action: 'erase', selector: { kind: 'emails', values: ['hash-0@example.com', 'hash-1@example.com', 'hash-2@example.com', 'hash-3@example.com'] } });
      const runner = testRunner(t, 2);
      assert.equal(await runner.step(), true, 'plan');
      const pending = (await t.lethe.core.operations.targets(a.actor, created.id, {})).items;
      assert.deepEqual(pending.map((x) => x.value), ['hash-0@example.com', 'hash-1@example.com', 'hash-2@example.com', 'hash-3@example.com'], 'shown while pending');
      assert.equal(await runner.step(), true, 'first chunk');
      const rows = await t.lethe.store.handle.db.selectFrom('operation_targets').selectAll().where('operation_id', '=', created.id).orderBy('seq').execute();
      assert.deepEqual(rows.map((r) => [r.value, r.outcome]), [[null, 'done'], [null, 'done'], ['hash-2@example.com', 'pending'], ['hash-3@example.com', 'pending']]);
      assert.equal(rows[0]?.value_hash, targetHash(t.lethe.core.deps.hasher, 'emails', 'hash-0@example.com'));
      await drainOperations(t, { schedule: false });
      const raw = JSON.stringify(await t.lethe.store.handle.db.selectFrom('operation_targets').selectAll().where('operation_id', '=', created.id).execute());
      assert.doesNotMatch(raw, /hash-\d@example/);
    });

    it('a dry run counts what would be affected and changes nothing', async () => {
      const a = await account({ retentionDays: 0 });
      const ids = await seedContacts(t, a.id, 3, 'dry', [a.list.id]);
      for (const action of ['soft_delete', 'erase', 'purge'] as const) {
        const op = await runOperation(t, a.actor, { action, selector: { kind: 'ids', values: [...ids, 999_999] }, dryRun: true });
        assert.equal(op.dryRun, true);
        assert.equal(op.state, 'completed');
        assert.deepEqual([op.counts.succeeded, op.counts.notFound], [3, 1], action);
        const all = await runOperation(t, a.actor, { action, selector: { kind: 'all' }, dryRun: true });
        assert.equal(all.counts.succeeded, 3, `${action} all`);
      }
      for (const id of ids) {
        const row = await rawContact(t, id);
        assert.equal(row?.status, 'active');
        assert.ok(row?.email);
      }
      assert.equal(await rowCount(t, 'list_memberships', { column: 'account_id', value: a.id }), 3);
    });

    it('cancel stops a running operation at the next chunk boundary, and a queued one at once', async () => {
      const a = await account();
      const ids = await seedContacts(t, a.id, 10, 'cancel');
      const created = await t.lethe.core.operations.create(a.actor, { action: 'soft_delete', selector: { kind: 'ids', values: ids } });
      const runner = testRunner(t, 2);
      await runner.step(); // plan: 5 chunks
      await runner.step(); // chunk 1
      const canceling = await t.lethe.core.operations.cancel(a.actor, created.uuid);
      assert.equal(canceling.state, 'processing', 'stops at the next boundary');
      await drainOperations(t, { schedule: false, chunkSize: 2 });
      const op = await t.lethe.core.operations.get(a.actor, created.id);
      assert.equal(op.state, 'canceled');
      assert.equal(op.counts.processed, 2);
      assert.deepEqual(await statuses(ids), ['deleted', 'deleted', ...Array(8).fill('active')]);
      const left = await t.lethe.store.handle.db.selectFrom('operation_targets').select('value').where('operation_id', '=', created.id).where('value', 'is not', null).execute();
      assert.equal(left.length, 0, 'values of targets never reached are forgotten too');
      const unreached = (await t.lethe.core.operations.targets(a.actor, created.id, { outcome: 'pending' })).items;
      assert.equal(unreached.length, 8);
      assert.equal(unreached[0]?.valueHash, targetHash(t.lethe.core.deps.hasher, 'ids', String(ids[2])), 'only the keyed hash stays');

      const queued = await t.lethe.core.operations.create(a.actor, { action: 'purge', selector: { kind: 'all' } });
      assert.equal((await t.lethe.core.operations.cancel(a.actor, queued.id)).state, 'canceled');
      await drainOperations(t, { schedule: false });
      assert.equal(await rowCount(t, 'contacts', { column: 'account_id', value: a.id }), 10);
      const audit = await t.lethe.core.audit.list(a.id, { limit: 1000 });
      assert.equal(audit.filter((r) => r.action === 'operation.canceled').length, 2);
    });

    it('interleaves operations: a small one is not stuck behind a large one', async () => {
      const a = await account();
      const ids = await seedContacts(t, a.id, 11, 'fair');
      const big = await t.lethe.core.operations.create(a.actor, { action: 'soft_delete', selector: { kind: 'ids', values: ids.slice(0, 10) } });
      const small = await t.lethe.core.operations.create(a.actor, { action: 'soft_delete', selector: { kind: 'ids', values: ids.slice(10) } });
      const runner = testRunner(t, 2);
      for (let i = 0; i < 4; i++) await runner.step(); // plan both, then chunk 1 of each
      assert.equal((await t.lethe.core.operations.get(a.actor, small.id)).state, 'completed');
      assert.equal((await t.lethe.core.operations.get(a.actor, big.id)).state, 'processing');
      await drainOperations(t, { schedule: false });
      assert.equal((await t.lethe.core.operations.get(a.actor, big.id)).counts.succeeded, 10);
    });

    it('erases by email across all sub-accounts of a parent, with a per-account breakdown', async () => {
      const parent = await t.lethe.core.accounts.createTopLevel(`parent-${engine}`);
      const pActor = actorOf(parent.id);
      const s1 = await t.lethe.core.accounts.createSubAccount(pActor, 'one');
      const s2 = await t.lethe.core.accounts.createSubAccount(pActor, 'two');
      const [inParent] = await seedContacts(t, parent.id, 1, 'shared');
      const [inS1, s1Other] = await seedContacts(t, s1.id, 2, 'shared');
      await seedContacts(t, s2.id, 1, 'elsewhere');
      const op = await runOperation(t, pActor, { action: 'erase', selector: { kind: 'emails', values: ['shared-0@example.com', 'nobody@example.com'] }, accounts: 'all' });
      assert.equal(op.state, 'completed');
      assert.equal(op.children.length, 3);
      const byAccount = new Map(op.children.map((c) => [c.accountId, c]));
      assert.deepEqual([byAccount.get(parent.id)?.counts.succeeded, byAccount.get(parent.id)?.counts.notFound], [1, 1]);
      assert.deepEqual([byAccount.get(s1.id)?.counts.succeeded, byAccount.get(s1.id)?.counts.notFound], [1, 1]);
      assert.deepEqual([byAccount.get(s2.id)?.counts.succeeded, byAccount.get(s2.id)?.counts.notFound], [0, 2]);
      assert.deepEqual([op.counts.expected, op.counts.processed, op.counts.succeeded, op.counts.notFound], [6, 6, 2, 4]);
      assert.deepEqual(await statuses([inParent, inS1, s1Other]), ['erased', 'erased', 'active']);
      // The sub-account sees its own part; the parent lists the request once.
      const s1Ops = await t.lethe.core.operations.list(actorOf(s1.id, parent.id), {});
      assert.deepEqual(s1Ops.items.map((o) => o.parentId), [op.id]);
      const parentOps = await t.lethe.core.operations.list(pActor, {});
      assert.deepEqual(parentOps.items.map((o) => o.id), [op.id]);
      // A sub-account's key may not ask for 'all'; nor is 'all' for anything but erase by emails.
      const input: CreateOperationInput = { action: 'erase', selector: { kind: 'emails', values: ['x@example.com'] }, accounts: 'all' };
      await assert.rejects(t.lethe.core.operations.create(actorOf(s1.id), input), { code: 'FORBIDDEN' });
      await assert.rejects(t.lethe.core.operations.create(actorOf(s1.id, parent.id), input), { code: 'FORBIDDEN' }, 'on behalf of a sub-account');
      await assert.rejects(t.lethe.core.operations.create(pActor, { ...input, action: 'purge' }), { code: 'VALIDATION_FAILED', field: 'accounts' });
    });

    it('refuses bad input with a field and writes nothing', async () => {
      const a = await account();
      const before = await rowCount(t, 'operations');
      const bad: Array<[unknown, string]> = [
        [{ action: 'explode', selector: { kind: 'all' } }, 'action'],
        [{ action: 'erase', selector: { kind: 'phones', values: ['1'] } }, 'selector.kind'],
        [{ action: 'erase', selector: { kind: 'ids', values: [] } }, 'selector.values'],
        [{ action: 'erase', selector: { kind: 'ids', values: 'x' } }, 'selector.values'],
        [{ action: 'erase', selector: { kind: 'list', listId: -1 } }, 'selector.list_id'],
        [{ action: 'erase', selector: { kind: 'all' }, dryRun: 'yes' }, 'dry_run'],
        [{ action: 'erase', selector: { kind: 'all' }, restoreToLists: [a.list.id] }, 'restore_to_lists'],
        [{ action: 'restore', selector: { kind: 'all' }, restoreToLists: [999_999] }, 'restore_to_lists'],
      ];
      for (const [input, field] of bad) {
        await assert.rejects(t.lethe.core.operations.create(a.actor, input as CreateOperationInput), (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.field, field, JSON.stringify(input));
          return true;
        });
      }
      await assert.rejects(t.lethe.core.operations.create(a.actor, { action: 'erase', selector: { kind: 'ids', values: new Array(1_000_001).fill(1) } }), { code: 'PAYLOAD_TOO_LARGE' });
      assert.equal(await rowCount(t, 'operations'), before);
    });

    it('is visible only to its own account, by id or uuid, and lists with filters and paging', async () => {
      const a = await account();
      const b = await account();
      const op = await runOperation(t, a.actor, { action: 'soft_delete', selector: { kind: 'ids', values: [1] }, label: 'sendgrid.delete_contacts' });
      assert.equal(op.label, 'sendgrid.delete_contacts');
      assert.equal((await t.lethe.core.operations.get(a.actor, op.uuid)).id, op.id);
      await assert.rejects(t.lethe.core.operations.get(b.actor, op.id), { code: 'NOT_FOUND' });
      await assert.rejects(t.lethe.core.operations.get(b.actor, op.uuid), { code: 'NOT_FOUND' });
      await assert.rejects(t.lethe.core.operations.targets(b.actor, op.id, {}), { code: 'NOT_FOUND' });
      await assert.rejects(t.lethe.core.operations.cancel(b.actor, op.id), { code: 'NOT_FOUND' });
      for (let i = 0; i < 3; i++) await t.lethe.core.operations.create(a.actor, { action: 'erase', selector: { kind: 'ids', values: [1] } });
      const page1 = await t.lethe.core.operations.list(a.actor, { action: 'erase', limit: 2 });
      assert.equal(page1.items.length, 2);
      assert.ok(page1.nextCursor);
      const page2 = await t.lethe.core.operations.list(a.actor, { action: 'erase', limit: 2, cursor: page1.nextCursor });
      assert.equal(page2.items.length, 1);
      assert.equal(page2.nextCursor, null);
      assert.equal((await t.lethe.core.operations.list(a.actor, { state: 'queued' })).items.length, 3);
      assert.equal((await t.lethe.core.operations.list(a.actor, { from: t.clock.now() + 1 })).items.length, 0);
      await drainOperations(t, { schedule: false });
      const done = await t.lethe.core.operations.get(a.actor, op.id);
      assert.ok(done.startedAt !== null && done.finishedAt !== null);
      assert.equal(done.via, 'native');
    });

    it('audits creation and completion with counts, selector kind and size, and no values', async () => {
      const a = await account();
      await seedContacts(t, a.id, 2, 'audited');
      const op = await runOperation(t, a.actor, { action: 'erase', selector: { kind: 'emails', values: ['audited-0@example.com', 'audited-1@example.com'] } });
      const audit = await t.lethe.core.audit.list(a.id, { limit: 1000 });
      const mine = audit.filter((r) => r.subjectType === 'operation' && r.subjectId === String(op.id));
      assert.deepEqual(mine.map((r) => r.action), ['operation.created', 'operation.completed']);
      assert.equal(mine[1]?.data.succeeded, 2);
      assert.equal(mine[1]?.data.selector_kind, 'emails');
      assert.equal(mine[1]?.data.selector_size, 2);
      assert.doesNotMatch(JSON.stringify(audit), /audited-\d/);
      assert.equal((await t.lethe.core.audit.verify(a.id)).ok, true);
    });

    it('scrubs storage after a soft delete only when it purged (restore window -1 when requested)', async () => {
      // On PostgreSQL a scrub rewrites the tables (VACUUM FULL): their file nodes change.
      const fileNode = async () =>
        engine === 'postgres' ? (await t.lethe.store.handle.db.selectNoFrom((eb) => eb.fn<number>('pg_relation_filenode', [eb.val('contacts')]).as('node')).executeTakeFirstOrThrow()).node : null;
      const kept = await account();
      const [marked] = await seedContacts(t, kept.id, 1, 'marked', [kept.list.id]);
      const before = await fileNode();
      const soft = await runOperation(t, kept.actor, { action: 'soft_delete', selector: { kind: 'ids', values: [marked] } });
      assert.deepEqual(await statuses([marked]), ['deleted']);
      assert.ok(soft.scrubbedAt !== null, 'nothing left to scrub');
      assert.equal(await fileNode(), before, 'no table was rewritten for a soft delete that keeps the contact');

      const now = await account({ restoreWindowDays: -1 });
      const [gone] = await seedContacts(t, now.id, 1, 'gone');
      const purged = await runOperation(t, now.actor, { action: 'soft_delete', selector: { kind: 'ids', values: [gone] } });
      assert.deepEqual(await statuses([gone]), ['purged']);
      assert.ok(purged.scrubbedAt !== null);
      if (engine === 'postgres') assert.notEqual(await fileNode(), before, 'the purge was scrubbed');

      // The window of the request holds: shortened to -1 afterwards, the contact is marked
      // with a purge due now, which the scheduler's purge (scrubbed) carries out.
      const later = await account();
      const [late] = await seedContacts(t, later.id, 1, 'late');
      const created = await t.lethe.core.operations.create(later.actor, { action: 'soft_delete', selector: { kind: 'ids', values: [late] } });
      await t.lethe.core.accounts.updateSettings(later.actor, { restoreWindowDays: -1 });
      await drainOperations(t, { schedule: false });
      assert.equal((await t.lethe.core.operations.get(later.actor, created.id)).state, 'completed');
      assert.deepEqual(await statuses([late]), ['deleted']);
      assert.ok((await rawContact(t, late!))!.purge_at! <= t.clock.now());
    });

    it('marks an erase scrubbed once storage was scrubbed', async () => {
      const a = await account();
      const [id] = await seedContacts(t, a.id, 1, 'scrub');
      const op = await runOperation(t, a.actor, { action: 'erase', selector: { kind: 'ids', values: [id] } });
      assert.ok(op.scrubbedAt !== null);
    });

    if (engine === 'postgres') {
      it('two runners share one operation without processing a chunk twice', async () => {
        const a = await account();
        const ids = await seedContacts(t, a.id, 40, 'shared-run');
        const created = await t.lethe.core.operations.create(a.actor, { action: 'erase', selector: { kind: 'ids', values: ids } });
        const one = testRunner(t, 2, 'runner-one');
        await one.step(); // plan: 20 chunks
        const two = testRunner(t, 2, 'runner-two');
        const [stepsOne, stepsTwo] = await Promise.all([one.runUntilIdle(), two.runUntilIdle()]);
        assert.ok(stepsOne > 0 && stepsTwo > 0, `both took work (${stepsOne}, ${stepsTwo})`);
        const op = await t.lethe.core.operations.get(a.actor, created.id);
        assert.equal(op.state, 'completed');
        assert.deepEqual([op.counts.processed, op.counts.succeeded, op.counts.skipped], [40, 40, 0], 'a chunk done twice would count skips');
        assert.equal(op.chunksDone, 20);
        assert.deepEqual(new Set(await statuses(ids)), new Set(['erased']));
      });
    }
  });
}
