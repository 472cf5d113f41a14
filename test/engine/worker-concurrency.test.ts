import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { runWorker, WorkSignal } from '../../src/jobs/worker.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { actorOf, rowCount, seedContacts } from './fixtures.js';

describe('WorkSignal', () => {
  it('wakes every sleeping loop at once, and keeps a notice given while none sleeps', async () => {
    const signal = new WorkSignal();
    const started = Date.now();
    const sleepers = [signal.sleep(10_000), signal.sleep(10_000), signal.sleep(10_000)];
    signal.notify();
    await Promise.all(sleepers);
    assert.ok(Date.now() - started < 1_000, 'all three woke on one notice');
    signal.notify();
    const early = Date.now();
    await signal.sleep(10_000);
    assert.ok(Date.now() - early < 1_000, 'the notice given while none slept ends the next sleep');
  });
});

describe('LETHE_WORKER_CONCURRENCY', () => {
  it('is 1 by default, takes 1 to 8, and refuses anything else with a clear error', () => {
    assert.equal(loadConfig({}, {}).workerConcurrency, 1);
    assert.equal(loadConfig({}, { LETHE_WORKER_CONCURRENCY: '8' }).workerConcurrency, 8);
    assert.throws(() => loadConfig({}, { LETHE_WORKER_CONCURRENCY: '9' }), /LETHE_WORKER_CONCURRENCY must be at most 8/);
    assert.throws(() => loadConfig({}, { LETHE_WORKER_CONCURRENCY: '0' }), /LETHE_WORKER_CONCURRENCY must be an integer of at least 1/);
  });
});

for (const engine of ENGINES) {
  describe(`a worker running several chunks at once [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(() => t.close());

    it('erases every contact once: exact counts, every chunk done once, one completion', { timeout: 120_000 }, async () => {
      const actor = actorOf(t.accountId);
      const ids = await seedContacts(t, t.accountId, 600, 'conc');
      const bystanders = await seedContacts(t, t.accountId, 20, 'keep');
      const created = await t.lethe.core.operations.create(actor, { action: 'erase', selector: { kind: 'ids', values: ids } });
      // Four loops over 60 chunks of 10 (SQLite, one writer, runs them one at a time).
      await runWorker(t.lethe.core, { chunkSize: 10, concurrency: 4, pollMs: 10, schedulerIntervalMs: 3_600_000, untilIdle: true });

      const op = await t.lethe.core.operations.get(actor, created.id);
      assert.equal(op.state, 'completed');
      assert.deepEqual(op.counts, { expected: 600, processed: 600, succeeded: 600, notFound: 0, invalid: 0, failed: 0, skipped: 0, duplicates: 0 });
      assert.equal(op.chunksDone, 60);
      assert.equal(op.attempts, 0, 'no chunk failed (a chunk completed twice throws)');
      const db = t.lethe.store.handle.db;
      const chunks = await db.selectFrom('operation_chunks').select(['state']).where('operation_id', '=', created.id).execute();
      assert.equal(chunks.length, 60);
      assert.ok(chunks.every((c) => c.state === 'done'));
      const erased = await db.selectFrom('contacts').select('id').where('account_id', '=', t.accountId).where('status', '=', 'erased').execute();
      assert.deepEqual(erased.map((r) => r.id).sort((a, b) => a - b), [...ids].sort((a, b) => a - b));
      assert.equal(await rowCount(t, 'contacts', { column: 'account_id', value: t.accountId }), 620);
      const kept = await db.selectFrom('contacts').select('first_name').where('id', 'in', bystanders).execute();
      assert.ok(kept.every((k) => k.first_name?.startsWith('Firstkeep')));
      const completions = await db.selectFrom('audit_log').select('seq').where('action', '=', 'operation.completed').where('subject_id', '=', String(created.id)).execute();
      assert.equal(completions.length, 1);
    });
  });
}
