import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, createContact, createKey } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';

/** The value of one sample of Prometheus text, e.g. `lethe_operations{state="queued"}`. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is exported:\n${text.split('\n').filter((l) => l.startsWith('lethe_') && !l.startsWith('lethe_process') && !l.startsWith('lethe_nodejs')).join('\n')}`);
  return Number(line.slice(name.length + 1));
}

for (const engine of ENGINES) {
  describe(`/metrics domain figures [${engine}]`, () => {
    let t: TestApp;
    let c: Api;
    const scrape = async () => {
      const res = await c.get('/metrics');
      assert.equal(res.statusCode, 200, res.body);
      return res.body;
    };
    before(async () => {
      t = await buildTestApp(engine);
      c = api(t);
    });
    after(async () => t.close());

    it('shows operations by state, contacts by status and erased, the oldest pending age, the scrub backlog and the worker', async () => {
      const ann = await createContact(c, { email: 'ann@example.com' });
      await createContact(c, { email: 'bob@example.com' });
      await createContact(c, { email: 'cy@example.com' });
      assert.equal((await c.post(`/v1/contacts/${ann.id}/erase`)).statusCode, 200);
      const queued = await c.post('/v1/operations', { action: 'soft_delete', selector: { emails: ['bob@example.com'] } });
      assert.equal(queued.statusCode, 202);
      t.clock.advance(90_000);

      let text = await scrape();
      assert.equal(sample(text, 'lethe_operations{state="queued"}'), 1);
      assert.equal(sample(text, 'lethe_operations{state="processing"}'), 0);
      assert.equal(sample(text, 'lethe_operations{state="failed"}'), 0);
      assert.equal(sample(text, 'lethe_contacts{status="erased"}'), 1);
      assert.equal(sample(text, 'lethe_contacts{status="active"}'), 2);
      assert.equal(sample(text, 'lethe_contacts_erased_total'), 1);
      assert.ok(sample(text, 'lethe_oldest_pending_operation_age_seconds') >= 90, 'the queued operation has waited 90 s');
      assert.equal(sample(text, 'lethe_scrub_backlog'), 1, 'the erase owes its scrub');
      assert.equal(sample(text, 'lethe_worker_state{state="disabled"}'), 1);
      assert.equal(sample(text, 'lethe_worker_state{state="running"}'), 0);

      // A scrub that cannot run yet (a reader's snapshot) is retried later: move the clock past the retry.
      await drainOperations(t, { schedule: false });
      for (let attempt = 0; attempt < 5 && sample(await scrape(), 'lethe_scrub_backlog') > 0; attempt++) {
        t.clock.advance(60_000);
        await drainOperations(t, { schedule: false });
      }
      text = await scrape();
      assert.equal(sample(text, 'lethe_operations{state="queued"}'), 0);
      assert.equal(sample(text, 'lethe_operations{state="completed"}'), 2);
      assert.equal(sample(text, 'lethe_oldest_pending_operation_age_seconds'), 0);
      assert.equal(sample(text, 'lethe_scrub_backlog'), 0);
      assert.equal(sample(text, 'lethe_contacts{status="deleted"}'), 1);
      assert.doesNotMatch(text, /example\.com/, 'no address');
    });

    it('still needs the admin scope', async () => {
      const reader = api(t, t.auth(await createKey(t, ['read'])));
      assert.equal((await reader.get('/metrics')).statusCode, 403);
    });
  });
}
