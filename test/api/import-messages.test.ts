import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, countRows } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';

for (const engine of ENGINES) {
  describe(`CSV imports a first-time user writes [${engine}]`, () => {
    let t: TestApp;
    let c: Api;
    const importCsv = (csv: string) => t.app.inject({ method: 'POST', url: '/v1/imports', headers: { ...t.auth(), 'content-type': 'text/csv' }, payload: csv });
    const operations = async () => Number((await t.lethe.store.handle.db.selectFrom('operations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    before(async () => {
      t = await buildTestApp(engine);
      c = api(t);
    });
    after(async () => t.close());

    it('maps headers such as "First Name" and attributes.Country, and imports them', async () => {
      const res = await importCsv('Email,First Name,last-name,attributes.Country,custom.Plan\nann@example.com,Ann,Lee,NO,gold\n');
      assert.equal(res.statusCode, 202, res.body);
      await drainOperations(t, { schedule: false });
      const imp = (await c.get(`/v1/imports/${res.json().id}`)).json() as { invalid: number; outcome: string };
      assert.deepEqual([imp.invalid, imp.outcome], [0, 'completed']);
      const ann = (await c.post('/v1/contacts/lookup', { emails: ['ann@example.com'] })).json().data[0] as { first_name: string; last_name: string; attributes: Record<string, string>; custom_fields: Record<string, string> };
      assert.deepEqual([ann.first_name, ann.last_name, ann.attributes, ann.custom_fields], ['Ann', 'Lee', { country: 'NO' }, { Plan: 'gold' }]);
    });

    it('refuses unknown columns before storing anything, with a "did you mean" for near misses', async () => {
      const [ops, contacts] = [await operations(), await countRows(t, 'contacts')];
      const typo = await importCsv('emial,firstname\nbob@example.com,Bob\n');
      assert.equal(typo.statusCode, 400, typo.body);
      const problem = typo.json() as { detail: string; errors: Array<{ message: string }> };
      assert.match(problem.errors[0]?.message ?? '', /column 1 of the header is not a known field \(did you mean email\?\)/);
      assert.match(problem.errors[1]?.message ?? '', /column 2 .*did you mean first_name\?/);
      assert.doesNotMatch(typo.body, /bob@example\.com|emial/, 'neither the values nor the header text are echoed');
      const badAttribute = await importCsv('email,attributes.2nd address\nbob@example.com,x\n');
      assert.equal(badAttribute.statusCode, 400, badAttribute.body);
      assert.match(badAttribute.json().detail, /column 2 of the header: attribute names are letters, digits and underscores/);
      assert.deepEqual([await operations(), await countRows(t, 'contacts')], [ops, contacts], 'nothing stored');
    });

    it('counts a line with the wrong number of cells as one invalid row, and an import of only invalid rows as completed_with_errors', async () => {
      const res = await importCsv('email,first_name\ncy@example.com,Cy\ndee@example.com,Dee,extra,cells\neve@example.com\n');
      assert.equal(res.statusCode, 202, res.body);
      const bad = await importCsv('email\nnot-an-address\nalso not one\n');
      assert.equal(bad.statusCode, 202, bad.body);
      await drainOperations(t, { schedule: false });
      const imp = (await c.get(`/v1/imports/${res.json().id}`)).json() as { created: number; invalid: number; outcome: string };
      assert.deepEqual([imp.created, imp.invalid, imp.outcome], [1, 2, 'completed_with_errors']);
      const errors = (await c.get(`/v1/imports/${res.json().id}/errors`)).json() as { data: Array<{ row: number; field: string; message: string }> };
      assert.deepEqual(errors.data.map((e) => [e.row, e.field]), [[2, 'csv'], [3, 'csv']]);
      assert.match(errors.data[0]?.message ?? '', /more or fewer cells than the header/);
      assert.doesNotMatch(JSON.stringify(errors), /dee@example|extra/);
      const none = (await c.get(`/v1/imports/${bad.json().id}`)).json() as { state: string; outcome: string; invalid: number };
      assert.deepEqual([none.state, none.outcome, none.invalid], ['completed', 'completed_with_errors', 2]);
    });
  });
}
