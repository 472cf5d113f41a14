import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { api, countRows, createContact, markErased } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';

interface EventJson {
  id: number;
  contact_id: number;
  type: string;
  subject: string | null;
  categories: string[];
  occurred_at: string;
}

for (const engine of ENGINES) {
  describe(`events [${engine}]`, () => {
    let t: TestApp;
    let c: Api;
    before(async () => {
      t = await buildTestApp(engine);
      c = api(t);
    });
    after(async () => t.close());

    it('stores valid events and reports the others by index', async () => {
      const ann = await createContact(c, { email: 'ann@example.com' });
      const erased = await createContact(c, { email: 'erased@example.com' });
      await markErased(t, erased.id);
      const future = new Date(t.clock.now() + 3 * 86_400_000).toISOString();
      const res = await c.post('/v1/events', {
        events: [
          { contact_id: ann.id, type: 'delivered', message_id: 'm-1', subject: 'Hello', categories: ['welcome', 'onboarding'], occurred_at: '2025-06-01T10:00:00Z' },
          { email: 'ANN@example.com', type: 'open', ip: '203.0.113.9', user_agent: 'Mail/1.0', occurred_at: '2025-06-01T11:00:00+02:00' },
          { contact_id: 999999, type: 'open' },
          { email: 'nobody@example.com', type: 'open' },
          { contact_id: ann.id, type: 'opened' },
          { contact_id: ann.id, type: 'click', occurred_at: 'yesterday' },
          { contact_id: ann.id, type: 'click', occurred_at: future },
          { contact_id: erased.id, type: 'open' },
          { contact_id: ann.id, type: 'bounce', ip: 'not-an-ip' },
          { type: 'open' },
          { contact_id: ann.id, email: 'ann@example.com', type: 'open' },
          { contact_id: ann.id, type: 'click', url: 'https://example.com/a' },
        ],
      });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.accepted, 3);
      assert.deepEqual(body.errors.map((e: { index: number; field: string }) => [e.index, e.field]), [
        [2, 'contact_id'],
        [3, 'email'],
        [4, 'type'],
        [5, 'occurred_at'],
        [6, 'occurred_at'],
        [7, 'contact_id'],
        [8, 'ip'],
        [9, 'contact_id'],
        [10, 'contact_id'],
      ]);
      assert.match(body.errors[5].message, /erased/);

      const page = (await c.get(`/v1/contacts/${ann.id}/events`)).json();
      const events = page.data as EventJson[];
      assert.equal(events.length, 3);
      // The open (11:00 at +02:00) happened before the delivery (10:00Z): order follows the time, not the batch.
      assert.deepEqual(events.map((e) => e.type), ['click', 'delivered', 'open'], 'newest first');
      assert.deepEqual(events[1]?.categories, ['welcome', 'onboarding']);
      assert.equal(events[1]?.subject, 'Hello');
      assert.equal(events[2]?.occurred_at, '2025-06-01T09:00:00.000Z');
      assert.equal((await c.get(`/v1/contacts/${erased.id}/events`)).json().data.length, 0, 'nothing stored for an erased contact');
    });

    it('pages a contact\'s events newest first, with unique increasing ids', async () => {
      const contact = await createContact(c, { email: 'pager@example.com' });
      const base = Date.UTC(2025, 0, 1);
      // Two events share each time: the cursor must order them by id too.
      const events = Array.from({ length: 30 }, (_, i) => ({ contact_id: contact.id, type: 'open', occurred_at: new Date(base + Math.floor(i / 2) * 60_000).toISOString() }));
      assert.equal((await c.post('/v1/events', { events })).json().accepted, 30);
      const seen: EventJson[] = [];
      let cursor: string | null = null;
      do {
        const res = await c.get(`/v1/contacts/${contact.id}/events?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.statusCode, 200);
        seen.push(...res.json().data);
        cursor = res.json().next_cursor;
      } while (cursor);
      assert.equal(seen.length, 30);
      assert.equal(new Set(seen.map((e) => e.id)).size, 30, 'no event twice');
      for (let i = 1; i < seen.length; i++) {
        const [prev, cur] = [seen[i - 1] as EventJson, seen[i] as EventJson];
        assert.ok(prev.occurred_at > cur.occurred_at || (prev.occurred_at === cur.occurred_at && prev.id > cur.id), 'newest first');
        assert.ok(Number.isSafeInteger(cur.id));
      }
      assert.equal((await c.get(`/v1/contacts/${contact.id}/events?cursor=bad`)).statusCode, 400);
      assert.equal((await c.get('/v1/contacts/999999/events')).statusCode, 404);
    });

    it('refuses malformed batches with 400 and stores nothing', async () => {
      const contact = await createContact(c, { email: 'strict@example.com' });
      const before = await countRows(t, 'events');
      const ok = { contact_id: contact.id, type: 'open' };
      const bodies = [
        {},
        { events: [] },
        { events: Array.from({ length: 10_001 }, () => ok) },
        { events: [ok, { ...ok, colour: 'red' }] },
        { events: [ok, { ...ok, contact_id: 'one' }] },
        { events: [ok, { ...ok, subject: 'x'.repeat(999) }] },
        { events: [ok, { ...ok, categories: Array.from({ length: 11 }, (_, i) => `c${i}`) }] },
        { events: [ok], extra: true },
      ];
      for (const body of bodies) {
        const res = await c.post('/v1/events', body);
        assert.equal(res.statusCode, 400, JSON.stringify(body).slice(0, 80));
      }
      assert.equal(await countRows(t, 'events'), before);
    });

    it('takes 10,000 events in one request', async () => {
      const contacts = await Promise.all([createContact(c, { email: 'big1@example.com' }), createContact(c, { email: 'big2@example.com' })]);
      const events = Array.from({ length: 10_000 }, (_, i) => ({ contact_id: (contacts[i % 2] as { id: number }).id, type: 'delivered', message_id: `m${i}` }));
      const res = await c.post('/v1/events', { events });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { accepted: 10_000, errors: [] });
    });
  });
}
