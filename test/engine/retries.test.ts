import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newUuid } from '../../src/core/crypto.js';
import { AppError } from '../../src/core/errors.js';
import type { CountsDelta } from '../../src/core/operations/operation.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';
import { actorOf, runOperation, seedContacts } from './fixtures.js';

for (const engine of ENGINES) {
  describe(`retries and failures [${engine}]`, () => {
    let t: TestApp;
    /** How many times each chunk of the test kind should throw before it succeeds. */
    const failuresLeft = new Map<number, number>();
    before(async () => {
      t = await buildTestApp(engine);
      t.lethe.core.operations.registerKind('test.flaky', {
        async plan() {
          return { chunks: [1, 2, 3].map((n) => ({ rangeStart: n, rangeEnd: n })), expected: 3 };
        },
        async processChunk(tx, operation, chunk): Promise<CountsDelta> {
          // A write that must roll back with the failure: the chunk's progress and its work land together or not at all.
          await tx.meta.setIfAbsent(`flaky-${operation.id}-${chunk.chunkNo}-${failuresLeft.get(chunk.chunkNo) ?? 0}`, 'x');
          const left = failuresLeft.get(chunk.chunkNo) ?? 0;
          if (left > 0) {
            failuresLeft.set(chunk.chunkNo, left - 1);
            throw new Error('transient');
          }
          return { processed: 1, succeeded: 1 };
        },
      });
    });
    after(() => t.close());

    async function queueFlaky(): Promise<number> {
      const now = t.clock.now();
      const op = await t.lethe.store.operations.insert({
        accountId: t.accountId, uuid: newUuid(), parentId: null, kind: 'test.flaky', action: 'test', selectorKind: 'rows', selectorSize: 3, params: {}, dryRun: false,
        state: 'queued', expected: 3, processed: 0, invalid: 0, duplicates: 0, requestedByKeyId: null, via: 'native', now,
      });
      return op.id;
    }

    it('retries a failed chunk with backoff and completes with exact counts', async () => {
      failuresLeft.clear();
      failuresLeft.set(2, 2);
      const id = await queueFlaky();
      await drainOperations(t, { schedule: false });
      let op = await t.lethe.core.operations.get(actorOf(t.accountId), id);
      assert.equal(op.state, 'processing');
      assert.equal(op.counts.processed, 1, 'chunk 1 done; chunk 2 failed and waits');
      assert.equal(op.attempts, 1);
      assert.equal(await t.lethe.store.meta.get(`flaky-${id}-2-2`), undefined, 'the failed chunk left nothing behind');
      t.clock.advance(1000);
      await drainOperations(t, { schedule: false });
      assert.equal((await t.lethe.core.operations.get(actorOf(t.accountId), id)).attempts, 2);
      t.clock.advance(2000);
      await drainOperations(t, { schedule: false });
      op = await t.lethe.core.operations.get(actorOf(t.accountId), id);
      assert.equal(op.state, 'completed');
      assert.deepEqual([op.counts.processed, op.counts.succeeded], [3, 3]);
    });

    it('marks the operation failed after five attempts, audited, without a driver message', async () => {
      failuresLeft.clear();
      failuresLeft.set(1, 100);
      const id = await queueFlaky();
      for (let i = 0; i < 6; i++) {
        await drainOperations(t, { schedule: false });
        t.clock.advance(60_000);
      }
      const op = await t.lethe.core.operations.get(actorOf(t.accountId), id);
      assert.equal(op.state, 'failed');
      assert.equal(op.attempts, 5);
      assert.equal(op.error?.code, 'INTERNAL');
      assert.doesNotMatch(op.error?.message ?? '', /transient/);
      const audit = await t.lethe.core.audit.list(t.accountId, { limit: 1000 });
      assert.ok(audit.some((r) => r.action === 'operation.failed' && r.subjectId === String(id)));
    });

    it('leaves scrubbed_at unset when the scrub meets a CONFLICT, and scrubs later', async () => {
      const store = t.lethe.store as { scrubStorage: typeof t.lethe.store.scrubStorage };
      const real = store.scrubStorage;
      let refused = 0;
      let opId = 0;
      store.scrubStorage = async () => {
        refused++;
        throw new AppError('CONFLICT', 'readers hold old pages');
      };
      try {
        const [id] = await seedContacts(t, t.accountId, 1, 'scrub-later');
        const op = await runOperation(t, actorOf(t.accountId), { action: 'erase', selector: { kind: 'ids', values: [id] } });
        assert.equal(op.state, 'completed');
        assert.equal(op.scrubbedAt, null);
        assert.equal(refused, 1);
        opId = op.id;
      } finally {
        store.scrubStorage = real;
      }
      t.clock.advance(30_000);
      await drainOperations(t, { schedule: false });
      const later = await t.lethe.core.operations.get(actorOf(t.accountId), opId);
      assert.equal(typeof later.scrubbedAt, 'number', 'scrubbed on the later try');
    });

    it('a single-contact erase whose scrub meets a CONFLICT leaves it to the worker', async () => {
      const store = t.lethe.store as { scrubStorage: typeof t.lethe.store.scrubStorage };
      const real = store.scrubStorage;
      let calls = 0;
      store.scrubStorage = async (tables) => {
        calls++;
        if (calls === 1) throw new AppError('CONFLICT', 'readers hold old pages');
        return real(tables);
      };
      try {
        const [id] = await seedContacts(t, t.accountId, 1, 'single-scrub');
        const erased = await t.lethe.core.lifecycle.eraseContact(actorOf(t.accountId), id!);
        assert.equal(erased.status, 'erased', 'the erase itself stands');
        assert.equal(calls, 0, 'the request leaves the scrub to the worker');
        await drainOperations(t, { schedule: false });
        assert.equal(calls, 1, 'the worker tried, and met the CONFLICT');
        const op = (await t.lethe.core.operations.list(actorOf(t.accountId), { action: 'erase' })).items.find((o) => o.selectorKind === 'ids' && o.selectorSize === 1);
        assert.ok(op);
        assert.equal((await t.lethe.core.operations.get(actorOf(t.accountId), op.id)).scrubbedAt, null, 'to be tried again');
        t.clock.advance(31_000);
        await drainOperations(t, { schedule: false });
        assert.equal(calls, 2, 'the worker scrubbed');
        assert.ok((await t.lethe.core.operations.get(actorOf(t.accountId), op.id)).scrubbedAt !== null);
      } finally {
        store.scrubStorage = real;
      }
    });
  });
}
