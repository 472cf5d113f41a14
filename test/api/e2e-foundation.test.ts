import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { api, createKey, createSubAccount } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { runWorker } from '../../src/jobs/worker.js';

/**
 * Issue #2, "Done when": an account with a sub-account, keys with different scopes,
 * lists, 10,000 contacts imported from CSV with progress observed, events ingested,
 * everything read back; the wrong key, the wrong scope, another tenant and bad input
 * each get the right 4xx and write nothing.
 */

const TABLES = ['accounts', 'api_keys', 'contacts', 'lists', 'list_memberships', 'events', 'operations', 'operation_targets', 'operation_chunks'] as const;
const ROWS = 10_000;
const BAD_ROWS = [17, 4242, 9999]; // 1-based rows with an invalid address
const CHUNK = 500;

async function counts(t: TestApp): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    const row = await t.lethe.store.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}

/** Every page of a listing, following next_cursor. */
async function readAll(client: Api, url: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let cursor: string | null = null;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const res = await client.get(`${url}${sep}limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json() as { data: Array<Record<string, unknown>>; next_cursor: string | null };
    items.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

for (const engine of ENGINES) {
  describe(`end to end: the foundation [${engine}]`, () => {
    let t: TestApp;
    let admin: Api;
    let writer: Api;
    let reader: Api;
    let sub: Api;
    let subAccountId: number;
    let newsletter: number;
    let vip: number;
    let importId: number;

    before(async () => {
      t = await buildTestApp(engine, { config: { importChunkSize: CHUNK } });
      admin = api(t);
      subAccountId = await createSubAccount(t, 'europe');
      writer = api(t, t.auth(await createKey(t, ['read', 'write'])));
      reader = api(t, t.auth(await createKey(t, ['read'])));
      sub = api(t, t.auth(await createKey(t, ['read', 'write'], { 'on-behalf-of': 'europe' })));
    });
    after(async () => t.close());

    it('sets up an account with a sub-account, keys of different scopes and lists', async () => {
      const accounts = await admin.get('/v1/subaccounts');
      assert.equal(accounts.statusCode, 200, accounts.body);
      assert.ok(JSON.stringify(accounts.json()).includes(`"id":${subAccountId}`));
      newsletter = (await writer.post('/v1/lists', { name: 'newsletter' })).json().id;
      vip = (await writer.post('/v1/lists', { name: 'vip' })).json().id;
      assert.ok(newsletter > 0 && vip > 0);
      const subList = await sub.post('/v1/lists', { name: 'newsletter' });
      assert.equal(subList.statusCode, 201, 'list names are per account');
    });

    it(`imports ${ROWS.toLocaleString('en-US')} contacts from CSV through the API, with progress observed while the worker runs`, async () => {
      const lines = ['email,first_name,last_name,external_key,custom.plan'];
      for (let row = 1; row <= ROWS; row++) {
        const email = BAD_ROWS.includes(row) ? `broken-${row}-at-example.com` : `person${row}@example.com`;
        lines.push(`${email},First${row},"Last, ${row}",key-${row},${row % 2 === 0 ? 'gold' : 'free'}`);
      }
      const created = await t.app.inject({ method: 'POST', url: `/v1/imports?list_ids=${newsletter}`, headers: { ...t.auth(), 'content-type': 'text/csv' }, payload: `${lines.join('\n')}\n` });
      assert.equal(created.statusCode, 202, created.body);
      const op = created.json() as { id: number; state: string; rows: number };
      importId = op.id;
      assert.deepEqual([op.state, op.rows], ['queued', ROWS]);

      // The worker loop runs while we poll (as inside `lethe serve`); each chunk commits its
      // progress, and the loop yields between chunks, so polls see the progress grow.
      let workerDone = false;
      const worker = runWorker(t.lethe.core, { chunkSize: t.config.chunkSize, pollMs: 10, schedulerIntervalMs: 3_600_000, untilIdle: true }).finally(() => {
        workerDone = true;
      });
      const seen: Array<{ processed: number; state: string; eta: number | null; rate: number | null }> = [];
      while (!workerDone) {
        t.clock.advance(50);
        const poll = await reader.get(`/v1/imports/${importId}`);
        assert.equal(poll.statusCode, 200, `a poll while the worker runs: ${poll.body}`);
        const progress = poll.json() as { processed: number; state: string; eta_seconds: number | null; rate_per_second: number | null };
        seen.push({ processed: progress.processed, state: progress.state, eta: progress.eta_seconds, rate: progress.rate_per_second });
        await tick();
      }
      await worker;
      const processedValues = [...new Set(seen.map((s) => s.processed))];
      assert.ok(processedValues.length >= 3, `several progress values were seen: ${processedValues.join(', ')}`);
      assert.deepEqual(processedValues, [...processedValues].sort((a, b) => a - b), 'progress only grows');
      const midway = seen.find((s) => s.state === 'processing' && s.processed > 0 && s.processed < ROWS);
      assert.ok(midway, 'a poll saw the import midway');
      assert.ok(midway.rate !== null && midway.rate > 0 && midway.eta !== null, 'rate and ETA are shown while it runs');

      const done = (await reader.get(`/v1/imports/${importId}`)).json() as Record<string, unknown>;
      assert.deepEqual(
        { state: done.state, rows: done.rows, processed: done.processed, created: done.created, updated: done.updated, invalid: done.invalid },
        { state: 'completed', rows: ROWS, processed: ROWS, created: ROWS - BAD_ROWS.length, updated: 0, invalid: BAD_ROWS.length },
      );
      const errors = (await reader.get(`/v1/imports/${importId}/errors`)).json() as { data: Array<{ row: number; field: string; message: string }> };
      assert.deepEqual(errors.data.map((e) => [e.row, e.field]), BAD_ROWS.map((row) => [row, 'email']));
      assert.ok(!JSON.stringify(errors).includes('broken-'), 'row errors never quote the value');
      const stored = await t.lethe.store.handle.db.selectFrom('operation_targets').select('value').where('operation_id', '=', importId).where('value', 'is not', null).execute();
      assert.equal(stored.length, 0, 'no imported row is left in the operation\'s targets');
    });

    it('ingests events for imported contacts', async () => {
      const events = Array.from({ length: 3000 }, (_, i) => ({
        email: `person${(i % 1000) + 100}@example.com`,
        type: i % 3 === 0 ? 'delivered' : i % 3 === 1 ? 'open' : 'click',
        message_id: `m-${i}`,
        subject: 'Spring sale',
        url: i % 3 === 2 ? 'https://example.com/sale' : null,
        occurred_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      }));
      events.push({ email: 'nobody@example.com', type: 'open', message_id: 'm-x', subject: 'x', url: null, occurred_at: '2026-01-01T00:00:00Z' });
      const res = await writer.post('/v1/events', { events });
      assert.equal(res.statusCode, 200, res.body);
      const result = res.json() as { accepted: number; errors: Array<{ index: number }> };
      assert.equal(result.accepted, 3000);
      assert.deepEqual(result.errors.map((e) => e.index), [3000], 'the unknown contact is reported by index');
    });

    it('reads everything back', async () => {
      const all = await readAll(reader, '/v1/contacts');
      assert.equal(all.length, ROWS - BAD_ROWS.length);
      const members = await readAll(reader, `/v1/lists/${newsletter}/members`);
      assert.equal(members.length, ROWS - BAD_ROWS.length, 'every imported contact joined the list');
      assert.equal((await readAll(reader, `/v1/contacts?list_id=${vip}`)).length, 0);

      const c = (await reader.get('/v1/contacts/by-external-key/key-5000')).json() as Record<string, unknown>;
      assert.deepEqual(
        [c.email, c.first_name, c.last_name, c.custom_fields, c.list_ids, c.create_source],
        ['person5000@example.com', 'First5000', 'Last, 5000', { plan: 'gold' }, [newsletter], 'native'],
      );
      const first = (await reader.post('/v1/contacts/lookup', { emails: ['PERSON100@example.com'] })).json().data[0] as { id: number; uuid: string };
      assert.equal((await reader.get(`/v1/contacts/by-uuid/${first.uuid}`)).json().id, first.id);
      const events = (await reader.get(`/v1/contacts/${first.id}/events?limit=10`)).json() as { data: Array<{ subject: string }> };
      assert.equal(events.data.length, 3, 'person100 has three events');
      assert.equal(events.data[0]?.subject, 'Spring sale');
      const lists = (await reader.get('/v1/lists')).json() as { data: Array<{ name: string }> };
      assert.deepEqual(lists.data.map((l) => l.name).sort(), ['newsletter', 'vip']);
      assert.equal((await readAll(sub, '/v1/contacts')).length, 0, 'the sub-account has its own, empty, contacts');
    });

    it('answers the wrong key, the wrong scope, another tenant and bad input with the right 4xx, and writes nothing', async () => {
      const readKey = await createKey(t, ['read']);
      const subWriteKey = await createKey(t, ['write'], { 'on-behalf-of': 'europe' });
      const subReadKey = await createKey(t, ['read'], { 'on-behalf-of': 'europe' });
      const before = await counts(t);
      const csv = 'email\nintruder@example.com\n';
      const someone = (await reader.get('/v1/contacts/by-external-key/key-1')).json() as { id: number };
      const postCsv = (headers: Record<string, string>, query = '', body = csv) =>
        t.app.inject({ method: 'POST', url: `/v1/imports${query}`, headers: { ...headers, 'content-type': 'text/csv' }, payload: body });

      const checks: Array<[string, Promise<{ statusCode: number; headers: Record<string, unknown> }>, number]> = [
        // the wrong key
        ['no key', postCsv({}), 401],
        ['unknown key', postCsv({ authorization: 'Bearer lethe_not_a_key' }), 401],
        ['unknown key, read', t.app.inject({ method: 'GET', url: `/v1/imports/${importId}`, headers: { authorization: 'Bearer lethe_not_a_key' } }), 401],
        // the wrong scope
        ['read key imports', postCsv(t.auth(readKey)), 403],
        ['read key writes events', reader.post('/v1/events', { events: [{ email: 'person1@example.com', type: 'open' }] }), 403],
        ['read key creates a list', reader.post('/v1/lists', { name: 'nope' }), 403],
        ['write key creates a key', writer.post('/v1/keys', { name: 'x', scopes: ['read'] }), 403],
        // another tenant
        ['sub-account reads the parent\'s import', sub.get(`/v1/imports/${importId}`), 404],
        ['sub-account reads the parent\'s import errors', sub.get(`/v1/imports/${importId}/errors`), 404],
        ['sub-account reads the parent\'s contact', sub.get(`/v1/contacts/${someone.id}`), 404],
        ['sub-account imports into the parent\'s list', postCsv(t.auth(subWriteKey), `?list_ids=${newsletter}`), 404],
        ['sub-account adds the parent\'s contact to a list', sub.post(`/v1/lists/${newsletter}/members`, { contact_ids: [someone.id] }), 404],
        ['sub-account acts on behalf of its parent', t.app.inject({ method: 'GET', url: '/v1/contacts', headers: { ...t.auth(subReadKey), 'on-behalf-of': `account-id ${t.accountId}` } }), 403],
        // bad input
        ['CSV without an email column', postCsv(t.auth(), '', 'first_name\nAnn\n'), 400],
        ['CSV that is not CSV', postCsv(t.auth(), '', 'email,first_name\n"a@example.com,Ann\n'), 400],
        ['empty CSV', postCsv(t.auth(), '', ''), 400],
        ['unknown import option', postCsv(t.auth(), '?mode=replace'), 400],
        ['JSON import with an unknown option', admin.post('/v1/imports', { contacts: [{ email: 'a@example.com' }], replace: true }), 400],
        ['event batch with an unknown field', admin.post('/v1/events', { events: [{ email: 'person1@example.com', type: 'open', secret: 1 }] }), 400],
        ['contact with an invalid email', admin.post('/v1/contacts', { email: 'not-an-address' }), 400],
      ];
      for (const [name, pending, status] of checks) {
        const res = await pending;
        assert.equal(res.statusCode, status, name);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/, `${name}: problem details`);
      }
      assert.deepEqual(await counts(t), before, 'nothing was written');
    });
  });
}
