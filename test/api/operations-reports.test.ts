import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { api, createContact } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { drainOperations } from '../helpers/operations.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface SseEvent {
  event: string;
  data: Record<string, unknown> & { state: string; counts: { processed: number } };
}

/** The events of a text/event-stream body. */
function parseSse(body: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of body.split('\n\n')) {
    const event = /^event: (.+)$/m.exec(block)?.[1];
    const data = /^data: (.+)$/m.exec(block)?.[1];
    if (event && data) events.push({ event, data: JSON.parse(data) });
  }
  return events;
}

for (const engine of ENGINES) {
  describe(`operations: stream, analytics and receipts [${engine}]`, () => {
    let t: TestApp;
    let client: Api;
    // On the hour, so that buckets are easy to name.
    const t0 = Date.UTC(2026, 2, 10, 9, 0, 0);

    before(async () => {
      t = await buildTestApp(engine, { clock: new ManualClock(t0) });
      client = api(t);
    });
    after(async () => t.close());

    it('streams progress as Server-Sent Events until the operation is final', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await createContact(client, { email: `stream${i}@example.com` })).id);
      const op = (await client.post('/v1/operations', { action: 'soft_delete', selector: { ids } })).json();
      const streaming = client.get(`/v1/operations/${op.id}/stream`);
      // Let the stream send its first event, then run the worker while it listens.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await drainOperations(t);
      const res = await streaming;
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/event-stream/);
      assert.equal(res.headers['cache-control'], 'no-cache, no-transform');
      const events = parseSse(res.body);
      assert.ok(events.length >= 2, res.body);
      assert.equal(events[0]?.event, 'progress');
      assert.equal(events[0]?.data.state, 'queued');
      const last = events.at(-1);
      assert.equal(last?.event, 'done');
      assert.equal(last?.data.state, 'completed');
      assert.equal(last?.data.counts.processed, 5);
      assert.equal(events.filter((e) => e.event === 'done').length, 1);
      assert.deepEqual(last?.data, (await client.get(`/v1/operations/${op.id}`)).json(), 'each event is the operation as GET shows it');

      const finished = await client.get(`/v1/operations/${op.id}/stream`);
      const once = parseSse(finished.body);
      assert.deepEqual(once.map((e) => e.event), ['done'], 'a finished operation streams one event and ends');
      assert.equal((await client.get('/v1/operations/999999/stream')).statusCode, 404);
    });

    it('counts operations and their contacts by state in hourly and daily buckets', async () => {
      const fresh = await buildTestApp(engine, { clock: new ManualClock(t0) });
      try {
        const c = api(fresh);
        const a = await createContact(c, { email: 'a@example.com' });
        const b = await createContact(c, { email: 'b@example.com' });
        // 09:00 two operations (one completes with 2 targets, one is canceled); 11:30 one stays queued; next day one completes.
        await c.post('/v1/operations', { action: 'soft_delete', selector: { ids: [a.id, b.id, 999_999] } });
        const canceled = (await c.post('/v1/operations', { action: 'erase', selector: { ids: [a.id] } })).json();
        await c.post(`/v1/operations/${canceled.id}/cancel`);
        await drainOperations(fresh);
        fresh.clock.set(t0 + 2.5 * HOUR);
        await c.post('/v1/operations', { action: 'purge', selector: { emails: ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'] } });
        fresh.clock.set(t0 + DAY + HOUR);
        const restore = (await c.post('/v1/operations', { action: 'restore', selector: { all: true }, dry_run: true })).json();
        assert.equal(restore.state, 'queued');

        const from = new Date(t0).toISOString();
        const to = new Date(t0 + 3 * HOUR).toISOString();
        const hourly = await c.get(`/v1/operations/analytics?interval=hour&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
        assert.equal(hourly.statusCode, 200, hourly.body);
        const h = hourly.json();
        assert.equal(h.interval, 'hour');
        assert.deepEqual(h.buckets.map((x: { start: string }) => x.start), [0, 1, 2].map((i) => new Date(t0 + i * HOUR).toISOString()));
        assert.deepEqual(h.buckets[0].operations, { total: 2, queued: 0, processing: 0, completed: 1, failed: 0, canceled: 1 });
        assert.deepEqual(h.buckets[0].contacts, { total: 4, queued: 0, processing: 0, completed: 3, failed: 0, canceled: 1 });
        assert.equal(h.buckets[0].outcomes.succeeded, 2);
        assert.equal(h.buckets[0].outcomes.not_found, 1);
        assert.deepEqual(h.buckets[1].operations.total, 0);
        assert.deepEqual(h.buckets[2].operations, { total: 1, queued: 1, processing: 0, completed: 0, failed: 0, canceled: 0 });
        assert.equal(h.buckets[2].contacts.queued, 4);
        assert.equal(h.totals.operations.total, 3);
        assert.equal(h.totals.contacts.total, 8);

        const daily = (await c.get(`/v1/operations/analytics?interval=day&from=${encodeURIComponent(new Date(t0 - 9 * HOUR).toISOString())}&to=${encodeURIComponent(new Date(t0 + 2 * DAY).toISOString())}`)).json();
        assert.equal(daily.buckets.length, 3);
        assert.equal(daily.buckets[0].start, new Date(Date.UTC(2026, 2, 10)).toISOString(), 'days start at midnight UTC');
        assert.equal(daily.buckets[0].operations.total, 3);
        assert.equal(daily.buckets[1].operations.total, 1);
        assert.equal(daily.buckets[2].operations.total, 0);

        const erases = (await c.get(`/v1/operations/analytics?interval=day&action=erase&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)).json();
        assert.equal(erases.totals.operations.total, 1);
        assert.equal(erases.totals.operations.canceled, 1);

        const defaults = (await c.get('/v1/operations/analytics')).json();
        assert.equal(defaults.interval, 'day');
        assert.equal(defaults.buckets.length, 30, 'the last 30 days, today included');
        assert.equal(defaults.to, new Date(Date.UTC(2026, 2, 12)).toISOString(), 'up to the end of today');
        assert.equal(defaults.totals.operations.total, 4);

        for (const url of [
          '/v1/operations/analytics?interval=minute',
          `/v1/operations/analytics?from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`,
          '/v1/operations/analytics?interval=hour&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
          '/v1/operations/analytics?from=last-week',
        ]) {
          const res = await c.get(url);
          assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
        }
      } finally {
        await fresh.close();
      }
    });

    it('issues a receipt for a finished operation, without personal data, anchored to its audit entry', async () => {
      const secret = { email: 'receipt.person@example.com', first_name: 'Evangeline', external_key: 'crm-77-evangeline' };
      const contact = await createContact(client, secret);
      const op = (await client.post('/v1/operations', { action: 'erase', selector: { emails: [secret.email, 'nobody.here@example.com'] } })).json();
      const early = await client.get(`/v1/operations/${op.id}/receipt`);
      assert.equal(early.statusCode, 409, early.body);
      assert.equal(early.headers['content-type'], 'application/problem+json; charset=utf-8');

      await drainOperations(t);
      const res = await client.get(`/v1/operations/${op.uuid}/receipt`);
      assert.equal(res.statusCode, 200, res.body);
      const receipt = res.json();
      assert.equal(receipt.receipt_version, 1);
      assert.deepEqual(receipt.account, { id: t.accountId, name: 'default' });
      assert.equal(receipt.operation.id, op.id);
      assert.equal(receipt.operation.action, 'erase');
      assert.equal(receipt.operation.state, 'completed');
      assert.deepEqual(receipt.operation.selector, { kind: 'emails', size: 2 });
      assert.equal(receipt.operation.counts.succeeded, 1);
      assert.equal(receipt.operation.counts.not_found, 1);
      assert.equal(receipt.operation.requested_by.via, 'native');
      assert.ok(receipt.operation.finished_at);
      for (const value of [...Object.values(secret), 'nobody.here@example.com', 'example.com', contact.uuid]) {
        assert.ok(!res.body.includes(value), `the receipt holds no "${value}"`);
      }

      // The anchor is the audit entry that closed the operation, and the chain verifies.
      assert.equal(receipt.anchor.action, 'operation.completed');
      assert.equal(receipt.anchor.account_id, t.accountId);
      const records = await t.lethe.core.audit.list(t.accountId, { limit: 10_000 });
      const entry = records.find((r) => r.seq === receipt.anchor.seq);
      assert.ok(entry, 'the anchored entry exists');
      assert.equal(entry.hash, receipt.anchor.hash);
      assert.equal(entry.prevHash, receipt.anchor.prev_hash);
      assert.equal(entry.action, 'operation.completed');
      assert.equal(entry.subjectId, String(op.id));
      const verified = await t.lethe.core.audit.verify(t.accountId);
      assert.equal(verified.ok, true);

      const again = (await client.get(`/v1/operations/${op.id}/receipt`)).json();
      assert.deepEqual({ ...again, issued_at: null }, { ...receipt, issued_at: null }, 'the same receipt every time');

      // A canceled operation has a receipt too, anchored to operation.canceled.
      const canceled = (await client.post('/v1/operations', { action: 'purge', selector: { all: true } })).json();
      await client.post(`/v1/operations/${canceled.id}/cancel`);
      const canceledReceipt = await client.get(`/v1/operations/${canceled.id}/receipt`);
      assert.equal(canceledReceipt.statusCode, 200, canceledReceipt.body);
      assert.equal(canceledReceipt.json().anchor.action, 'operation.canceled');
    });
  });
}
