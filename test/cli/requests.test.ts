import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY_MS } from '../../src/core/clock.js';
import { api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';
import { ENGINES } from '../helpers/engines.js';

for (const engine of ENGINES) {
  describe(`lethe requests list|show [${engine}]`, () => {
    let t: TestApp;
    let env: Record<string, string>;
    before(async () => {
      t = await buildTestApp(engine);
      env = { LETHE_DATA_DIR: t.database.dir, DATABASE_URL: t.database.url };
    });
    after(async () => t.close());

    it('lists the overdue requests and shows one, with no identifier of the person', async () => {
      // The CLI runs on the system clock: a request received 40 days ago is past its 30-day deadline.
      const received = new Date(Date.now() - 40 * DAY_MS).toISOString();
      const late = (await api(t).post('/v1/requests', { type: 'erasure', person: { emails: ['late-cli@example.com'] }, received_at: received, reference: 'CLI-1' })).json();
      const fresh = (await api(t).post('/v1/requests', { type: 'access', person: { emails: ['fresh-cli@example.com'] } })).json();
      assert.ok(late.id && fresh.id);

      const listed = runCli(['requests', 'list', '--overdue', '--json'], env);
      assert.equal(listed.status, 0, listed.stderr);
      const ids = (JSON.parse(listed.stdout) as { data: Array<{ id: number; overdue: boolean }> }).data.map((r) => r.id);
      assert.deepEqual(ids, [late.id], 'only the overdue one');

      const text = runCli(['requests', 'list', '--overdue'], env);
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`^\\s*${late.id}\\s+erasure\\s+received\\s+due \\S+\\s+OVERDUE\\s+CLI-1`, 'm'));

      const shown = runCli(['requests', 'show', String(late.id)], env);
      assert.equal(shown.status, 0, shown.stderr);
      assert.match(shown.stdout, /erasure, received, OVERDUE/);
      assert.match(shown.stdout, /1 emails \(keyed hashes only\)/);
      assert.ok(!`${listed.stdout}${text.stdout}${shown.stdout}`.includes('late-cli'), 'no address');

      const missing = runCli(['requests', 'show', '99999'], env);
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /request not found/);
    });
  });
}
