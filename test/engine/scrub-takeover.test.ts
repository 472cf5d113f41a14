import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { runCli, startCli } from '../helpers/cli.js';
import { ENGINES } from '../helpers/engines.js';
import { describeHits, openReader, searchRawStorage } from '../helpers/raw-storage.js';
import { actorOf, seedContacts } from './fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const engine of ENGINES) {
  describe(`a worker killed during the storage scrub [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(() => t.close());

    it('leaves its scrub to the next worker as soon as its lease lapses; --until-idle waits for it', { timeout: 180_000 }, async () => {
      const actor = actorOf(t.accountId);
      const ids = await seedContacts(t, t.accountId, 200, 'scrubkill');
      const values = ['scrubkill-7@Example.com', 'Firstscrubkill7', 'Lastscrubkill150', 'teal-scrubkill-42'];
      const db = t.lethe.store.handle.db;

      // A reader whose snapshot predates the erasure keeps the scrub waiting, so that the
      // worker is certainly inside it when it is killed.
      const reader = await openReader(t.lethe.store.handle, t.database.url);
      let readerOpen = true;
      try {
        const created = await t.lethe.core.operations.create(actor, { action: 'erase', selector: { kind: 'ids', values: ids } });
        const args = ['--data-dir', t.database.dir, '--database-url', t.database.url, '--chunk-size', '50', '--poll-ms', '50'];
        const first = await startCli(['worker', ...args], { LOG_LEVEL: 'warn' }, /lethe worker: started/);
        const row = () => db.selectFrom('operations').select(['state', 'scrubbed_at', 'lease_owner', 'lease_expires_at']).where('id', '=', created.id).executeTakeFirstOrThrow();
        let seen = await row();
        const deadline = Date.now() + 60_000;
        while (!(seen.state === 'completed' && seen.lease_owner !== null) && Date.now() < deadline) {
          await sleep(20);
          seen = await row();
        }
        assert.equal(seen.state, 'completed', 'the erasure ended');
        assert.equal(seen.scrubbed_at, null, 'its scrub is still running (the reader holds it)');
        assert.ok(seen.lease_owner?.startsWith('worker-'), 'the scrub is reserved to the worker that ended the operation');
        await sleep(300);
        first.child.kill('SIGKILL');
        await new Promise((resolve) => (first.child.exitCode !== null || first.child.signalCode !== null ? resolve(null) : first.child.once('exit', resolve)));
        await reader.close();
        readerOpen = false;

        const atKill = await row();
        assert.equal(atKill.scrubbed_at, null, 'killed inside the scrub');
        assert.notEqual((await searchRawStorage(t.lethe.store.handle, values)).length, 0, 'until a scrub runs, the erased values are still in the raw storage');

        // Before the fix, this worker found nothing to do and exited at once, the scrub
        // reserved for ten minutes to a dead worker.
        const started = Date.now();
        const second = runCli(['worker', ...args, '--until-idle'], { LOG_LEVEL: 'warn' });
        const tookMs = Date.now() - started;
        assert.equal(second.status, 0, `${second.stdout}\n${second.stderr}`);
        const done = await row();
        assert.notEqual(done.scrubbed_at, null, 'the restarted worker took the scrub over before it exited');
        assert.equal(done.lease_owner, null);
        assert.ok(tookMs < 45_000, `taken over within seconds of the lease lapsing (${tookMs} ms)`);
        const hits = await searchRawStorage(t.lethe.store.handle, values);
        assert.equal(hits.length, 0, describeHits(hits));
      } finally {
        if (readerOpen) await reader.close();
      }
    });
  });
}
