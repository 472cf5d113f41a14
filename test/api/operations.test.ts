import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { api, createContact } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { drainOperations } from '../helpers/operations.js';

interface OperationJson {
  id: number;
  uuid: string;
  state: string;
  action: string;
  dry_run: boolean;
  selector: { kind: string; size: number };
  counts: Record<'expected' | 'processed' | 'succeeded' | 'not_found' | 'invalid' | 'failed' | 'skipped' | 'duplicates', number>;
  requested_by: { key_id: string | null; via: string; operator: string | null };
  children: OperationJson[];
  [key: string]: unknown;
}

const keyIdOf = (key: string) => key.split('_')[1];

for (const engine of ENGINES) {
  describe(`operations API [${engine}]`, () => {
    let t: TestApp;
    let client: Api;
    let n = 0;

    /** A fresh contact with a unique address and external key. */
    const contact = (extra: Record<string, unknown> = {}) => {
      n += 1;
      return createContact(client, { email: `person${n}@example.com`, external_key: `ext-${n}`, first_name: `Name${n}`, ...extra });
    };
    const statusOf = async (id: number) => (await client.get(`/v1/contacts/${id}`)).json().status as string;
    const start = async (body: Record<string, unknown>): Promise<OperationJson> => {
      const res = await client.post('/v1/operations', body);
      assert.equal(res.statusCode, 202, res.body);
      return res.json();
    };
    const get = async (id: number | string): Promise<OperationJson> => {
      const res = await client.get(`/v1/operations/${id}`);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    /** Starts an operation, runs the worker until idle, and returns it finished. */
    const run = async (body: Record<string, unknown>): Promise<OperationJson> => {
      const op = await start(body);
      await drainOperations(t);
      return get(op.id);
    };

    before(async () => {
      t = await buildTestApp(engine);
      client = api(t);
    });
    after(async () => t.close());

    it('answers 202 at once with the queued operation, its location, who asked and through which API', async () => {
      const c = await contact();
      const res = await client.post('/v1/operations', { action: 'soft_delete', selector: { ids: [c.id] } });
      assert.equal(res.statusCode, 202, res.body);
      const op = res.json() as OperationJson;
      assert.equal(res.headers.location, `/v1/operations/${op.id}`);
      assert.equal(op.state, 'queued');
      assert.equal(op.action, 'soft_delete');
      assert.equal(op.kind, 'operation');
      assert.equal(op.dry_run, false);
      assert.deepEqual(op.selector, { kind: 'ids', size: 1 });
      assert.deepEqual(op.requested_by, { key_id: keyIdOf(t.adminKey), via: 'native', operator: null });
      assert.deepEqual(op.children, []);
      assert.equal(op.finished_at, null);
      assert.equal(typeof op.created_at, 'string');
      assert.equal(await statusOf(c.id), 'active', 'nothing is done before a worker runs it');

      assert.deepEqual(await get(op.uuid), await get(op.id), 'readable by id and by uuid');
      await drainOperations(t);
      const done = await get(op.id);
      assert.equal(done.state, 'completed');
      assert.equal(done.counts.expected, 1);
      assert.equal(done.counts.processed, 1);
      assert.equal(done.counts.succeeded, 1);
      assert.equal(done.progress, 1);
      assert.ok(done.started_at && done.finished_at && Date.parse(done.finished_at as string) >= Date.parse(done.started_at as string));
      assert.equal(await statusOf(c.id), 'deleted');
    });

    it('selects by ids, uuids, external keys, emails, a list and all, and applies each action', async () => {
      const [a, b, c, d] = [await contact(), await contact(), await contact(), await contact()];
      const byUuid = await run({ action: 'soft_delete', selector: { uuids: [a.uuid] } });
      assert.deepEqual([byUuid.state, byUuid.counts.succeeded, byUuid.selector.kind], ['completed', 1, 'uuids']);
      assert.equal(await statusOf(a.id), 'deleted');

      const restored = await run({ action: 'restore', selector: { ids: [a.id] } });
      assert.equal(restored.counts.succeeded, 1);
      assert.equal(await statusOf(a.id), 'active');

      const byKey = await run({ action: 'erase', selector: { external_keys: [b.external_key] } });
      assert.deepEqual([byKey.state, byKey.counts.succeeded, byKey.selector.kind], ['completed', 1, 'external_keys']);
      const erased = (await client.get(`/v1/contacts/${b.id}`)).json();
      assert.equal(erased.status, 'erased');
      assert.equal(erased.email, null);
      assert.equal(erased.first_name, null);

      const byEmail = await run({ action: 'purge', selector: { emails: [String(c.email).toUpperCase()] } });
      assert.deepEqual([byEmail.state, byEmail.counts.succeeded, byEmail.selector.kind], ['completed', 1, 'emails']);
      assert.equal((await client.get(`/v1/contacts/${c.id}`)).statusCode, 404, 'purged: the row is gone');

      const list = (await client.post('/v1/lists', { name: 'to-delete' })).json();
      await client.post(`/v1/lists/${list.id}/members`, { contact_ids: [d.id] });
      const byList = await run({ action: 'soft_delete', selector: { list: list.id } });
      assert.deepEqual([byList.state, byList.counts.succeeded, byList.selector.kind], ['completed', 1, 'list']);
      assert.equal(await statusOf(d.id), 'deleted');
      assert.equal(await statusOf(a.id), 'active', 'only the list\'s members');

      const active = (await client.get('/v1/contacts?status=active&limit=1000')).json().data.length as number;
      assert.ok(active >= 1);
      const all = await run({ action: 'soft_delete', selector: { all: true } });
      assert.deepEqual([all.state, all.counts.succeeded, all.selector.kind], ['completed', active, 'all']);
      assert.deepEqual((await client.get('/v1/contacts?status=active')).json().data, []);
    });

    it('counts duplicates once and reports invalid and unknown targets per item, never failing the request', async () => {
      const c = await contact();
      const op = await start({ action: 'soft_delete', selector: { emails: [c.email, String(c.email).toUpperCase(), 'not an address', 'nobody@example.com', 42] } });
      assert.equal(op.selector.size, 5);
      const pending = (await client.get(`/v1/operations/${op.id}/targets`)).json();
      assert.ok(pending.data.some((target: { value: string | null }) => target.value === 'nobody@example.com'), 'a value is shown while pending');

      await drainOperations(t);
      const done = await get(op.id);
      assert.equal(done.state, 'completed');
      assert.equal(done.counts.duplicates, 1);
      assert.equal(done.counts.succeeded, 1);
      assert.equal(done.counts.not_found, 1);
      assert.equal(done.counts.invalid, 2);
      assert.equal(await statusOf(c.id), 'deleted');

      const targets = (await client.get(`/v1/operations/${op.id}/targets`)).json();
      assert.equal(targets.data.length, 4, 'one target per distinct value');
      assert.deepEqual(targets.data.map((x: { seq: number }) => x.seq), [...targets.data.map((x: { seq: number }) => x.seq)].sort((x, y) => x - y));
      for (const target of targets.data) {
        assert.equal(target.value, null, 'the request to forget is itself forgotten');
        if (target.outcome !== 'invalid') assert.match(String(target.value_hash), /^[0-9a-f]{16,}$/);
      }
      assert.ok(!JSON.stringify(targets).includes('example.com'));
      const outcomes = targets.data.map((x: { outcome: string }) => x.outcome).sort();
      assert.deepEqual(outcomes, ['done', 'invalid', 'invalid', 'not_found']);

      const notFound = (await client.get(`/v1/operations/${op.id}/targets?outcome=not_found`)).json();
      assert.equal(notFound.data.length, 1);
      const first = (await client.get(`/v1/operations/${op.id}/targets?limit=3`)).json();
      assert.equal(first.data.length, 3);
      assert.ok(first.next_cursor);
      const second = (await client.get(`/v1/operations/${op.id}/targets?limit=3&cursor=${first.next_cursor}`)).json();
      assert.equal(second.data.length, 1);
      assert.equal(second.next_cursor, null);
      assert.deepEqual([...first.data, ...second.data], targets.data);
    });

    it('runs a dry run that counts what would be affected and changes nothing', async () => {
      const c = await contact();
      const before = (await client.get(`/v1/contacts/${c.id}`)).json();
      const contacts = (await client.get('/v1/contacts?status=all&limit=1000')).json().data as Array<{ status: string }>;
      const erasable = contacts.filter((x) => x.status === 'active' || x.status === 'deleted').length;
      assert.ok(erasable > 1);
      const dry = await run({ action: 'erase', selector: { all: true }, dry_run: true });
      assert.equal(dry.dry_run, true);
      assert.equal(dry.state, 'completed');
      assert.equal(dry.counts.succeeded, erasable, 'what would be affected: active and soft-deleted contacts');
      assert.deepEqual((await client.get(`/v1/contacts/${c.id}`)).json(), before, 'nothing changed');
      const dryEmails = await run({ action: 'purge', selector: { emails: [c.email, 'nobody@example.com'] }, dry_run: true });
      assert.deepEqual([dryEmails.counts.succeeded, dryEmails.counts.not_found], [1, 1]);
      assert.equal(await statusOf(c.id), 'active');
    });

    it('cancels a queued operation, which then does nothing; canceling a finished one changes nothing', async () => {
      const c = await contact();
      const op = await start({ action: 'erase', selector: { ids: [c.id] } });
      const res = await client.post(`/v1/operations/${op.id}/cancel`);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().state, 'canceled');
      await drainOperations(t);
      const after = await get(op.id);
      assert.equal(after.state, 'canceled');
      assert.equal(after.counts.succeeded, 0);
      assert.equal(await statusOf(c.id), 'active');
      assert.ok(after.finished_at);

      const done = await run({ action: 'soft_delete', selector: { ids: [c.id] } });
      const again = await client.post(`/v1/operations/${done.id}/cancel`);
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.json().state, 'completed');
      assert.deepEqual(await get(done.id), done);
      assert.equal((await client.post('/v1/operations/999999/cancel')).statusCode, 404);
    });

    it('lists operations newest first with filters by state, action and date range, and cursor paging', async () => {
      const fresh = await buildTestApp(engine, { clock: new ManualClock(Date.UTC(2026, 5, 1)) });
      try {
        const c = api(fresh);
        const ids: number[] = [];
        const t0 = fresh.clock.now();
        for (const [i, action] of (['soft_delete', 'erase', 'soft_delete', 'purge', 'restore'] as const).entries()) {
          fresh.clock.set(t0 + i * 60_000);
          const res = await c.post('/v1/operations', { action, selector: { emails: [`x${i}@example.com`] } });
          assert.equal(res.statusCode, 202, res.body);
          ids.push(res.json().id);
        }
        await c.post(`/v1/operations/${ids[4]}/cancel`);
        const all = (await c.get('/v1/operations')).json();
        assert.deepEqual(all.data.map((o: OperationJson) => o.id), [...ids].reverse(), 'newest first');
        assert.equal(all.next_cursor, null);

        const soft = (await c.get('/v1/operations?action=soft_delete')).json();
        assert.deepEqual(soft.data.map((o: OperationJson) => o.id), [ids[2], ids[0]]);
        const canceled = (await c.get('/v1/operations?state=canceled')).json();
        assert.deepEqual(canceled.data.map((o: OperationJson) => o.id), [ids[4]]);
        const queued = (await c.get('/v1/operations?state=queued&action=erase')).json();
        assert.deepEqual(queued.data.map((o: OperationJson) => o.id), [ids[1]]);

        const from = new Date(t0 + 60_000).toISOString();
        const to = new Date(t0 + 3 * 60_000).toISOString();
        const range = (await c.get(`/v1/operations?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)).json();
        assert.deepEqual(range.data.map((o: OperationJson) => o.id), [ids[2], ids[1]], 'from inclusive, to exclusive');

        const seen: number[] = [];
        let cursor: string | null = null;
        do {
          const page: { data: OperationJson[]; next_cursor: string | null } = (await c.get(`/v1/operations?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
          assert.ok(page.data.length <= 2);
          seen.push(...page.data.map((o) => o.id));
          cursor = page.next_cursor;
        } while (cursor);
        assert.deepEqual(seen, [...ids].reverse());

        for (const url of ['/v1/operations?state=done', '/v1/operations?from=yesterday', '/v1/operations?limit=0', '/v1/operations?cursor=not-ours', '/v1/operations?color=red']) {
          const res = await c.get(url);
          assert.equal(res.statusCode, 400, url);
          assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
        }
      } finally {
        await fresh.close();
      }
    });

    it('logged requests and work without any address, key or name named in them', () => {
      const logs = t.logs.text();
      assert.ok(logs.includes('/v1/operations'), 'requests were logged');
      for (const value of ['@example.com', 'ext-1', 'Name1', 'not an address']) assert.ok(!logs.includes(value), `the logs hold no "${value}"`);
    });
  });
}
