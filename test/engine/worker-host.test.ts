import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { startWorkerThread } from '../../src/jobs/worker-host.js';
import { createLogger } from '../../src/logger.js';
import { buildTestApp, LogCapture, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { actorOf, seedContacts } from './fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

for (const engine of ENGINES) {
  describe(`the embedded worker thread [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(() => t.close());

    it('is started again (with backoff) when it dies, and /health tells', { timeout: 120_000 }, async () => {
      const logs = new LogCapture();
      const logger = createLogger('warn', logs);
      const delays: number[] = [];
      const host = startWorkerThread({ ...t.config, workerPollMs: 50 }, logger, { restartDelayMs: (attempt) => (delays.push(attempt), 200) });
      const app = await buildApp({ core: t.lethe.core, config: t.config, logger, workerStatus: host.status });
      const health = async () => (await app.inject({ method: 'GET', url: '/health' })).json() as { worker: string };
      try {
        assert.equal((await health()).worker, 'running');
        host.crashForTest();
        await waitFor('the exit', () => host.status() === 'restarting');
        assert.equal((await health()).worker, 'restarting');
        await waitFor('the restart', () => host.status() === 'running');
        assert.equal(host.restarts(), 1);
        assert.deepEqual(delays, [1], 'the first restart of a series');
        assert.equal((await health()).worker, 'running');
        assert.match(logs.text(), /operations worker thread exited; restarting it/);
        assert.match(logs.text(), /"exitCode":70/);

        // The new thread does the work.
        const actor = actorOf(t.accountId);
        const ids = await seedContacts(t, t.accountId, 3, 'restarted');
        const op = await t.lethe.core.operations.create(actor, { action: 'soft_delete', selector: { kind: 'ids', values: ids } });
        host.notify();
        await waitFor('the operation', async () => (await t.lethe.core.operations.get(actor, op.id)).state === 'completed');
        assert.equal((await t.lethe.core.operations.get(actor, op.id)).counts.succeeded, 3);
        await host.stop();
        assert.equal(host.status(), 'stopped');
        assert.equal((await health()).worker, 'stopped');
      } finally {
        await host.stop();
        await app.close();
      }
      assert.doesNotMatch(logs.text(), /restarted-|@example/i, 'no personal data logged');
    });
  });
}
