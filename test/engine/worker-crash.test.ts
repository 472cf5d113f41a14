import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { runCli, startCli } from '../helpers/cli.js';
import { ENGINES } from '../helpers/engines.js';
import { actorOf, seedContacts } from './fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const engine of ENGINES) {
  describe(`a worker process killed mid-operation [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(() => t.close());

    it('is resumed by another worker: exact counts, nothing done twice, untouched contacts intact', { timeout: 120_000 }, async () => {
      const actor = actorOf(t.accountId);
      const targets = await seedContacts(t, t.accountId, 1500, 'crash');
      const untouched = await seedContacts(t, t.accountId, 100, 'bystander');
      const created = await t.lethe.core.operations.create(actor, { action: 'erase', selector: { kind: 'ids', values: targets } });
      const args = ['--data-dir', t.database.dir, '--database-url', t.database.url, '--chunk-size', '5', '--poll-ms', '50'];
      const env = { LOG_LEVEL: 'warn' };

      const first = await startCli(['worker', ...args], env, /lethe worker: started/);
      const db = t.lethe.store.handle.db;
      const progress = () => db.selectFrom('operations').select(['state', 'chunks_done', 'chunks_total', 'processed']).where('id', '=', created.id).executeTakeFirstOrThrow();
      let seen = await progress();
      const deadline = Date.now() + 60_000;
      while (seen.chunks_done < 20 && Date.now() < deadline) {
        await sleep(5);
        seen = await progress();
      }
      first.child.kill('SIGKILL');
      await new Promise((resolve) => (first.child.exitCode !== null || first.child.signalCode !== null ? resolve(null) : first.child.once('exit', resolve)));
      const atKill = await progress();
      assert.equal(atKill.state, 'processing', 'killed mid-operation');
      assert.ok(atKill.chunks_done >= 20 && atKill.chunks_done < atKill.chunks_total, `mid-operation: ${atKill.chunks_done}/${atKill.chunks_total}`);
      assert.equal(atKill.processed, atKill.chunks_done * 5, 'progress is committed with its chunk');

      const second = runCli(['worker', ...args, '--until-idle'], env);
      assert.equal(second.status, 0, `${second.stdout}\n${second.stderr}`);

      const op = await t.lethe.core.operations.get(actor, created.id);
      assert.equal(op.state, 'completed');
      assert.deepEqual(op.counts, { expected: 1500, processed: 1500, succeeded: 1500, notFound: 0, invalid: 0, failed: 0, skipped: 0, duplicates: 0 });
      assert.equal(op.chunksDone, 300);
      const statuses = await db.selectFrom('contacts').select(['status', (eb) => eb.fn.countAll<number | string>().as('n')]).where('account_id', '=', t.accountId).groupBy('status').execute();
      assert.deepEqual(Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)])), { active: 100, erased: 1500 });
      const bystanders = await db.selectFrom('contacts').select(['first_name', 'email']).where('id', 'in', untouched).orderBy('id').execute();
      assert.deepEqual(bystanders.map((b) => b.first_name), untouched.map((_, i) => `Firstbystander${i}`));
      assert.ok(bystanders.every((b, i) => b.email === `bystander-${i}@Example.com`));
      const raw = await db.selectFrom('operation_targets').select('value').where('operation_id', '=', created.id).where('value', 'is not', null).execute();
      assert.equal(raw.length, 0);
    });
  });
}
