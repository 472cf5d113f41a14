import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, createKey, createSubAccount } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations, testRunner } from '../helpers/operations.js';

type Table = 'contacts' | 'operations' | 'operation_targets' | 'list_memberships' | 'audit_log';

async function count(t: TestApp, table: Table): Promise<number> {
  const row = await t.lethe.store.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

const snapshot = async (t: TestApp) => ({ contacts: await count(t, 'contacts'), operations: await count(t, 'operations'), targets: await count(t, 'operation_targets'), audit: await count(t, 'audit_log') });

const postCsv = (t: TestApp, csv: string, query = '', headers: Record<string, string> = t.auth()) =>
  t.app.inject({ method: 'POST', url: `/v1/imports${query}`, headers: { ...headers, 'content-type': 'text/csv' }, payload: csv });

for (const engine of ENGINES) {
  describe(`imports [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine, { config: { importMaxRows: 50, importChunkSize: 4, bodyLimit: 2048, importBodyLimit: 64 * 1024 } });
    });
    after(async () => t.close());

    it('imports JSON rows in the background: 202 at once, then created, updated and per-row errors without values', async () => {
      const client = api(t);
      const list = (await client.post('/v1/lists', { name: 'json-import' })).json() as { id: number };
      const res = await client.post('/v1/imports', {
        contacts: [
          { email: 'ann@example.com', first_name: 'Ann', custom_fields: { plan: 'gold' } },
          { email: 'bob@example.com', last_name: 'Builder', attributes: { city: 'Lyon' } },
          { email: 'not-an-address-zq9' },
          'just a string',
          { email: 'ANN@example.com', last_name: 'Later' },
          { first_name: 'no email' },
          { email: 'cat@example.com', shoe_size: 42 },
          { email: 'dan@example.com', opt_in_at: '2025-05-01T10:00:00Z', excluded_from_campaigns: true },
        ],
        list_ids: [list.id],
      });
      assert.equal(res.statusCode, 202, res.body);
      const created = res.json() as { id: number; uuid: string; state: string; rows: number; processed: number };
      assert.equal(created.state, 'queued');
      assert.equal(created.rows, 8);
      assert.equal(created.processed, 0);
      assert.equal(res.headers.location, `/v1/imports/${created.id}`);
      const batches = await t.lethe.store.handle.db.selectFrom('operation_targets').select(['seq', 'value']).where('operation_id', '=', created.id).orderBy('seq').execute();
      assert.deepEqual(batches.map((b) => [b.seq, (JSON.parse(b.value ?? '[]') as unknown[]).length]), [[1, 4], [5, 4]], 'rows are stored durably before the answer, a chunk per target');

      await drainOperations(t);
      const done = (await client.get(`/v1/imports/${created.id}`)).json() as Record<string, unknown>;
      assert.equal(done.state, 'completed');
      assert.deepEqual({ processed: done.processed, created: done.created, updated: done.updated, invalid: done.invalid }, { processed: 8, created: 3, updated: 1, invalid: 4 });
      assert.equal((await client.get(`/v1/imports/${created.uuid}`)).json().id, created.id, 'by uuid too');

      const errors = (await client.get(`/v1/imports/${created.id}/errors`)).json() as { data: Array<{ row: number; field: string; message: string }>; next_cursor: string | null };
      assert.deepEqual(errors.data.map((e) => [e.row, e.field]), [[3, 'email'], [4, 'row'], [6, 'email'], [7, 'row']]);
      assert.equal(errors.next_cursor, null);
      assert.ok(!JSON.stringify(errors).includes('not-an-address-zq9'), 'errors never quote values');
      const page1 = (await client.get(`/v1/imports/${created.id}/errors?limit=3`)).json() as { data: unknown[]; next_cursor: string };
      const page2 = (await client.get(`/v1/imports/${created.id}/errors?limit=3&cursor=${page1.next_cursor}`)).json() as { data: Array<{ row: number }>; next_cursor: null };
      assert.equal(page1.data.length, 3);
      assert.deepEqual(page2.data.map((e) => e.row), [7]);

      const ann = (await client.post('/v1/contacts/lookup', { emails: ['ann@example.com'] })).json().data[0];
      assert.equal(ann.first_name, 'Ann');
      assert.equal(ann.last_name, 'Later', 'rows naming one contact apply in order');
      assert.deepEqual(ann.custom_fields, { plan: 'gold' });
      assert.deepEqual(ann.list_ids, [list.id]);
      const dan = (await client.post('/v1/contacts/lookup', { emails: ['dan@example.com'] })).json().data[0];
      assert.equal(dan.opt_in_at, '2025-05-01T10:00:00.000Z');
      assert.equal(dan.excluded_from_campaigns, true);

      const values = await t.lethe.store.handle.db.selectFrom('operation_targets').select(['value', 'outcome']).where('operation_id', '=', created.id).execute();
      assert.ok(values.every((v) => v.value === null && v.outcome === 'invalid'), 'written rows are gone and failed rows keep no value');
    });

    it('imports a CSV: case-insensitive header, custom.<name> and attributes.<name>, empty cells leave fields as they are, match by external_key', async () => {
      const client = api(t);
      const csv = '\ufeffEmail,First_Name,external_key,custom.Plan,attributes.city\r\neve@example.com,Eve,k-eve,silver,Paris\r\n"fay@example.com","Fay, Jr.",k-fay,,\r\n,NoKey,,,\r\n';
      const res = await postCsv(t, csv, '?match_by=external_key');
      assert.equal(res.statusCode, 202, res.body);
      const id = (res.json() as { id: number }).id;
      await drainOperations(t);
      const done = (await client.get(`/v1/imports/${id}`)).json() as Record<string, unknown>;
      assert.deepEqual([done.state, done.format, done.match_by, done.created, done.invalid], ['completed', 'csv', 'external_key', 2, 1]);
      const eve = (await client.get('/v1/contacts/by-external-key/k-eve')).json();
      assert.deepEqual([eve.email, eve.first_name, eve.custom_fields, eve.attributes], ['eve@example.com', 'Eve', { Plan: 'silver' }, { city: 'Paris' }]);
      const fay = (await client.get('/v1/contacts/by-external-key/k-fay')).json();
      assert.deepEqual([fay.first_name, fay.custom_fields], ['Fay, Jr.', {}]);
      const errors = (await client.get(`/v1/imports/${id}/errors`)).json().data;
      assert.deepEqual(errors.map((e: { row: number; field: string }) => [e.row, e.field]), [[3, 'external_key']]);

      // A second import updates, and an empty cell does not clear what is stored.
      const again = await postCsv(t, 'external_key,last_name,first_name\nk-eve,Smith,\n', '?match_by=external_key');
      assert.equal(again.statusCode, 202, again.body);
      await drainOperations(t);
      const eve2 = (await client.get('/v1/contacts/by-external-key/k-eve')).json();
      assert.deepEqual([eve2.first_name, eve2.last_name], ['Eve', 'Smith']);
      assert.equal((await client.get(`/v1/imports/${(again.json() as { id: number }).id}`)).json().updated, 1);
    });

    it('accepts a CSV larger than the general body limit, up to the import body limit', async () => {
      const rows = Array.from({ length: 40 }, (_, i) => `big${i}@example.com,Someone with a much longer first name than usual ${i}`);
      const csv = `email,first_name\n${rows.join('\n')}\n`;
      assert.ok(csv.length > 2048);
      assert.equal((await postCsv(t, csv)).statusCode, 202);
      const tooBig = await postCsv(t, `email\n${'x'.repeat(70 * 1024)}@example.com\n`);
      assert.equal(tooBig.statusCode, 413);
      assert.equal(tooBig.headers['content-type'], 'application/problem+json; charset=utf-8');
      await drainOperations(t);
    });

    it('refuses a file that cannot be imported as a whole with a 400 problem, and stores nothing', async () => {
      const client = api(t);
      const before = await snapshot(t);
      const cases: Array<[string, () => Promise<{ statusCode: number; body: string; json(): unknown }>, number, RegExp]> = [
        ['not CSV', () => postCsv(t, 'email,first_name\n"unclosed@example.com,Ann\nb@example.com,Bob\n'), 400, /not valid CSV/],
        ['no email column', () => postCsv(t, 'first_name,last_name\nAnn,Lee\n'), 400, /no email column/],
        ['no external_key column', () => postCsv(t, 'email\na@example.com\n', '?match_by=external_key'), 400, /no external_key column/],
        ['empty file', () => postCsv(t, ''), 400, /./],
        ['blank lines only', () => postCsv(t, '\n\n'), 400, /empty/],
        ['header only', () => postCsv(t, 'email,first_name\n'), 400, /no rows/],
        ['unknown column', () => postCsv(t, 'email,emial\na@example.com,x\n'), 400, /column 2 of the header is not a known field/],
        ['repeated column', () => postCsv(t, 'email,EMAIL\na@example.com,b@example.com\n'), 400, /repeats/],
        ['too many rows', () => postCsv(t, `email\n${Array.from({ length: 51 }, (_, i) => `r${i}@example.com`).join('\n')}\n`), 413, /at most 50 rows/],
        ['too many JSON rows', () => client.post('/v1/imports', { contacts: Array.from({ length: 51 }, (_, i) => ({ email: `j${i}@example.com` })) }), 413, /at most 50 rows/],
        ['unknown query option', () => postCsv(t, 'email\na@example.com\n', '?dry_run=true'), 400, /./],
        ['bad match_by', () => postCsv(t, 'email\na@example.com\n', '?match_by=phone'), 400, /match_by/],
        ['unknown body option', () => client.post('/v1/imports', { contacts: [{ email: 'a@example.com' }], upsert: false }), 400, /./],
        ['options of JSON in the query', () => t.app.inject({ method: 'POST', url: '/v1/imports?match_by=email', headers: t.auth(), payload: { contacts: [{ email: 'a@example.com' }] } }), 400, /in the body/],
        ['no contacts', () => client.post('/v1/imports', { contacts: [] }), 400, /./],
        ['contacts not an array', () => client.post('/v1/imports', { contacts: { email: 'a@example.com' } }), 400, /./],
        ['unknown list', () => postCsv(t, 'email\na@example.com\n', '?list_ids=999999'), 404, /list/],
        ['malformed JSON', () => t.app.inject({ method: 'POST', url: '/v1/imports', headers: { ...t.auth(), 'content-type': 'application/json' }, payload: '{"contacts": [' }), 400, /JSON/],
        ['unsupported media type', () => t.app.inject({ method: 'POST', url: '/v1/imports', headers: { ...t.auth(), 'content-type': 'application/xml' }, payload: '<a/>' }), 415, /./],
      ];
      for (const [name, send, status, message] of cases) {
        const res = await send();
        assert.equal(res.statusCode, status, `${name}: ${res.body}`);
        const problem = res.json() as { detail: string; status: number };
        assert.equal(problem.status, status, name);
        assert.match(problem.detail, message, name);
      }
      assert.deepEqual(await snapshot(t), before, 'nothing was written');
    });

    it('stops a canceled import at a chunk boundary and forgets the rows it never reached', async () => {
      const client = api(t);
      const res = await client.post('/v1/imports', { contacts: Array.from({ length: 10 }, (_, i) => ({ email: `cancel${i}@example.com` })) });
      const { id } = res.json() as { id: number };
      const runner = testRunner(t);
      assert.equal(await runner.step(), true, 'planned');
      assert.equal(await runner.step(), true, 'first chunk');
      assert.equal((await client.get(`/v1/imports/${id}`)).json().processed, 4);
      await t.lethe.core.operations.cancel({ accountId: t.accountId, keyAccountId: t.accountId, keyId: null, scopes: ['admin'], via: 'native' }, id);
      await drainOperations(t);
      const view = (await client.get(`/v1/imports/${id}`)).json() as Record<string, unknown>;
      assert.deepEqual([view.state, view.processed, view.created], ['canceled', 4, 4]);
      const left = await t.lethe.store.handle.db.selectFrom('operation_targets').select('value').where('operation_id', '=', id).where('value', 'is not', null).execute();
      assert.equal(left.length, 0, 'no row data is kept for rows never processed');
      assert.equal((await client.post('/v1/contacts/lookup', { emails: ['cancel9@example.com'] })).json().not_found, 1);
    });

    it('needs the write scope, and shows an import only to its own account', async () => {
      const readKey = await createKey(t, ['read']);
      const before = await snapshot(t);
      assert.equal((await postCsv(t, 'email\na@example.com\n', '', t.auth(readKey))).statusCode, 403);
      assert.equal((await postCsv(t, 'email\na@example.com\n', '', { authorization: 'Bearer nope' })).statusCode, 401);
      assert.deepEqual(await snapshot(t), before);

      const mine = (await postCsv(t, 'email\nmine@example.com\n')).json() as { id: number; uuid: string };
      await createSubAccount(t, 'imports-sub');
      const subKey = await createKey(t, ['read', 'write'], { 'on-behalf-of': 'imports-sub' });
      const sub = api(t, t.auth(subKey));
      assert.equal((await sub.get(`/v1/imports/${mine.id}`)).statusCode, 404);
      assert.equal((await sub.get(`/v1/imports/${mine.uuid}`)).statusCode, 404);
      assert.equal((await sub.get(`/v1/imports/${mine.id}/errors`)).statusCode, 404);
      assert.equal((await api(t).get('/v1/imports/999999')).statusCode, 404);
      // The parent acting for its sub-account imports into the sub-account.
      const theirs = await postCsv(t, 'email\nsub-person@example.com\n', '', { ...t.auth(), 'on-behalf-of': 'imports-sub' });
      assert.equal(theirs.statusCode, 202);
      await drainOperations(t);
      assert.equal((await sub.post('/v1/contacts/lookup', { emails: ['sub-person@example.com'] })).json().data.length, 1);
      assert.equal((await api(t).post('/v1/contacts/lookup', { emails: ['sub-person@example.com'] })).json().data.length, 0);
      assert.equal((await sub.get(`/v1/imports/${(theirs.json() as { id: number }).id}`)).json().state, 'completed');
    });
  });
}
