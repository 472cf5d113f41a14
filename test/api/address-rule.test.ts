import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';

/** One rule for addresses everywhere: surrounding spaces are not part of them. */
for (const engine of ENGINES) {
  describe(`addresses with surrounding spaces [${engine}]`, () => {
    let t: TestApp;
    let c: Api;
    before(async () => {
      t = await buildTestApp(engine);
      c = api(t);
    });
    after(async () => t.close());

    it('are trimmed by contact create and found by lookup, events and operations', async () => {
      const res = await c.post('/v1/contacts', { email: '  Ann@Example.com \t' });
      assert.equal(res.statusCode, 201, res.body);
      const ann = res.json() as { id: number; email: string };
      assert.equal(ann.email, 'Ann@Example.com', 'stored without the spaces');
      const dup = await c.post('/v1/contacts', { email: 'ann@example.com ' });
      assert.equal(dup.statusCode, 409, 'the same address, spaces or not');
      const upsert = await c.put('/v1/contacts', { email: ' ann@example.com', first_name: 'Ann' });
      assert.equal(upsert.statusCode, 200, upsert.body);
      assert.equal(upsert.json().id, ann.id);

      const lookup = (await c.post('/v1/contacts/lookup', { emails: [' ann@example.com '] })).json() as { results: Array<{ outcome: string; contact_id: number }> };
      assert.deepEqual(lookup.results.map((r) => [r.outcome, r.contact_id]), [['found', ann.id]]);

      const events = await c.post('/v1/events', { events: [{ email: ' ann@example.com ', type: 'open' }] });
      assert.equal(events.statusCode, 200, events.body);
      assert.equal(events.json().accepted, 1);
    });

    it('are trimmed by CSV and JSON imports', async () => {
      const csv = await t.app.inject({
        method: 'POST',
        url: '/v1/imports',
        headers: { ...t.auth(), 'content-type': 'text/csv' },
        payload: 'email,first_name\n  bea@example.com  ,Bea\n"  cy@example.com",Cy\n',
      });
      assert.equal(csv.statusCode, 202, csv.body);
      const json = await c.post('/v1/imports', { contacts: [{ email: ' dee@example.com ' }, { email: 'BEA@example.com ' }] });
      assert.equal(json.statusCode, 202, json.body);
      await drainOperations(t, { schedule: false });
      for (const id of [csv.json().id, json.json().id]) {
        const imp = (await c.get(`/v1/imports/${id}`)).json() as { invalid: number; outcome: string };
        assert.deepEqual([imp.invalid, imp.outcome], [0, 'completed'], `import ${id}`);
      }
      const lookup = (await c.post('/v1/contacts/lookup', { emails: ['bea@example.com', 'cy@example.com', 'dee@example.com'] })).json() as {
        results: Array<{ outcome: string }>;
        data: Array<{ email: string }>;
      };
      assert.deepEqual(lookup.results.map((r) => r.outcome), ['found', 'found', 'found']);
      assert.deepEqual(lookup.data.map((x) => x.email).sort(), ['BEA@example.com', 'cy@example.com', 'dee@example.com'], 'the later row wins, spaces gone');
    });
  });
}
