import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { ManualClock } from '../../src/core/clock.js';
import { api, countRows, createKey } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';

type Json = Record<string, unknown>;

/** Asserts Constant Contact's error array and returns its first entry. */
function ctctError(res: LightMyRequestResponse, status: number): { error_key: string; error_message: string } {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json() as Array<{ error_key: string; error_message: string }>;
  assert.ok(Array.isArray(body) && body.length > 0, res.body);
  const [first] = body;
  assert.ok(first && typeof first.error_key === 'string' && typeof first.error_message === 'string');
  return first;
}

for (const engine of ENGINES) {
  describe(`Constant Contact dialect [${engine}]`, () => {
    let t: TestApp;
    let cc: Api;
    let clock: ManualClock;
    let n = 0;
    before(async () => {
      // The start of a UTC day, so that no window rolls over mid-test.
      clock = new ManualClock(Date.UTC(2026, 5, 1, 0, 0, 0));
      // The clock stands still here: every request falls in one second (the limits have a test of their own).
      t = await buildTestApp(engine, { clock, config: { ctctRatePerSecond: 1_000_000 } });
      cc = api(t);
    });
    after(async () => t.close());

    const contact = async (extra: Json = {}): Promise<Json & { contact_id: string }> => {
      n += 1;
      const res = await cc.post('/v3/contacts', { email_address: { address: `person${n}@example.com` }, first_name: `P${n}`, create_source: 'Account', ...extra });
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    };
    const list = async (): Promise<string> => {
      n += 1;
      const res = await cc.post('/v3/contact_lists', { name: `list ${n}` });
      assert.equal(res.statusCode, 201, res.body);
      return (res.json() as { list_id: string }).list_id;
    };
    const activity = async (path: string, body: Json): Promise<Json & { activity_id: string }> => {
      const res = await cc.post(`/v3/activities/${path}`, body);
      assert.equal(res.statusCode, 201, res.body);
      await drainOperations(t, { schedule: false });
      const polled = await cc.get(`/v3/activities/${(res.json() as { activity_id: string }).activity_id}`);
      assert.equal(polled.statusCode, 200, polled.body);
      return polled.json();
    };
    const status = async (id: string) => (await cc.get(`/v3/contacts/${id}?include=list_memberships`)).json() as Json;

    it('pages contacts through _links.next.href and filters by email, lists and update time', async () => {
      const listId = await list();
      const made = [];
      for (let i = 0; i < 5; i++) made.push(await contact(i < 3 ? { list_memberships: [listId] } : {}));
      const seen: string[] = [];
      let url: string | undefined = '/v3/contacts?limit=2&include_count=true';
      let pages = 0;
      while (url) {
        const res = await cc.get(url);
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json() as { contacts: Array<{ contact_id: string }>; contacts_count: number; _links?: { next: { href: string } } };
        assert.ok(body.contacts.length <= 2);
        assert.ok(body.contacts_count >= 5);
        seen.push(...body.contacts.map((c) => c.contact_id));
        url = body._links?.next.href;
        pages += 1;
      }
      assert.ok(pages >= 3);
      assert.equal(new Set(seen).size, seen.length, 'no contact on two pages');
      for (const c of made) assert.ok(seen.includes(c.contact_id));

      const byEmail = (await cc.get(`/v3/contacts?email=${encodeURIComponent(String((made[1]?.email_address as Json).address).toUpperCase())}`)).json() as { contacts: Json[] };
      assert.deepEqual(byEmail.contacts.map((c) => c.contact_id), [made[1]?.contact_id]);
      const onList = (await cc.get(`/v3/contacts?lists=${listId}&include=list_memberships`)).json() as { contacts: Json[] };
      assert.deepEqual(onList.contacts.map((c) => c.contact_id), made.slice(0, 3).map((c) => c.contact_id));
      assert.deepEqual(onList.contacts[0]?.list_memberships, [listId]);
      const future = new Date(clock.now() + 1000).toISOString();
      assert.deepEqual((await cc.get(`/v3/contacts?updated_after=${future}`)).json(), { contacts: [] });
      assert.deepEqual((await cc.get(`/v3/contacts?created_after=${future}`)).json(), { contacts: [] });
      assert.ok(((await cc.get(`/v3/contacts?created_before=${future}`)).json() as { contacts: Json[] }).contacts.length >= 5);
      assert.equal(ctctError(await cc.get('/v3/contacts?segment_id=7'), 400).error_message, 'segment_id is not supported by Lethe');
      ctctError(await cc.get('/v3/contacts?created_after=yesterday'), 400);

      const unsubscribed = await contact({ email_address: { address: 'gone-away@example.com', permission_to_send: 'unsubscribed' } });
      const pending = await contact({ email_address: { address: 'pending@example.com', permission_to_send: 'pending_confirmation' } });
      assert.deepEqual(((await cc.get('/v3/contacts?status=unsubscribed')).json() as { contacts: Json[] }).contacts.map((c) => c.contact_id), [unsubscribed.contact_id]);
      assert.deepEqual(((await cc.get('/v3/contacts?status=pending_confirmation')).json() as { contacts: Json[] }).contacts.map((c) => c.contact_id), [pending.contact_id]);
      ctctError(await cc.get('/v3/contacts?status=active,unsubscribed'), 400);
      ctctError(await cc.get('/v3/contacts?status=sleeping'), 400);
      ctctError(await cc.get('/v3/contacts?include=everything'), 400);
      ctctError(await cc.get('/v3/contacts?cursor=bm90LWEtY3Vyc29y'), 400);
      ctctError(await cc.get('/v3/contacts?lists=00000000-0000-4000-8000-000000000000'), 404);
    });

    it('refuses a body that is not JSON with 415, and an unknown field with 400, writing nothing', async () => {
      const rows = await countRows(t, 'contacts');
      const res = await t.app.inject({ method: 'POST', url: '/v3/contacts', headers: { ...t.auth(), 'content-type': 'text/plain' }, payload: 'email=a@example.com' });
      assert.equal(ctctError(res, 415).error_key, 'contacts.api.unsupported_media_type');
      const xml = await t.app.inject({ method: 'POST', url: '/v3/contacts', headers: { ...t.auth(), 'content-type': 'application/xml' }, payload: '<contact/>' });
      ctctError(xml, 415);
      const tags = await cc.post('/v3/contacts', { email_address: { address: 'tagged@example.com' }, create_source: 'Account', taggings: ['x'] });
      assert.equal(ctctError(tags, 400).error_key, 'contacts.api.validation.error');
      ctctError(await cc.post('/v3/contacts', { email_address: { address: 'not an address' }, create_source: 'Account' }), 400);
      assert.equal(ctctError(await cc.patch('/v3/contacts/00000000-0000-4000-8000-000000000000', {}), 405).error_key, 'method_not_allowed');
      const deep = `{"email_address":{"address":"deep@example.com"},"create_source":"Account","custom_fields":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
      const nested = await t.app.inject({ method: 'POST', url: '/v3/contacts', headers: { ...t.auth(), 'content-type': 'application/json' }, payload: deep });
      assert.equal(ctctError(nested, 400).error_key, 'contacts.api.validation.error');
      assert.equal(ctctError(await cc.get('/v3/contacts/a/b'), 404).error_key, 'contacts.api.not_found');
      assert.equal(await countRows(t, 'contacts'), rows);
    });

    it('PUT replaces fields, custom fields and list memberships; DELETE is idempotent and keeps the data', async () => {
      const [a, b] = [await list(), await list()];
      const c = await contact({ custom_fields: [{ custom_field_id: 'plan', value: 'gold' }], list_memberships: [a], phone_numbers: [{ phone_number: '+1 555 0100', kind: 'mobile' }] });
      const put = await cc.put(`/v3/contacts/${c.contact_id}`, {
        email_address: { address: (c.email_address as Json).address, permission_to_send: 'unsubscribed', opt_out_reason: 'too many' },
        custom_fields: [{ custom_field_id: 'tier', value: '2' }],
        list_memberships: [b],
        update_source: 'Account',
      });
      assert.equal(put.statusCode, 200, put.body);
      const body = put.json() as Json;
      assert.equal(body.first_name, undefined, 'omitted top-level fields are cleared');
      assert.deepEqual(body.custom_fields, [{ custom_field_id: 'tier', value: '2' }]);
      assert.deepEqual(body.list_memberships, [b]);
      assert.deepEqual(body.phone_numbers, [{ phone_number: '+1 555 0100', kind: 'mobile' }], 'sub-resources not sent are kept');
      assert.equal((body.email_address as Json).permission_to_send, 'unsubscribed');
      assert.equal((body.email_address as Json).opt_out_reason, 'too many');

      assert.equal((await cc.delete(`/v3/contacts/${c.contact_id}`)).statusCode, 204);
      assert.equal((await cc.delete(`/v3/contacts/${c.contact_id}`)).statusCode, 204, 'deleting a deleted contact changes nothing');
      const shown = await status(c.contact_id);
      assert.equal(shown.deleted_at, new Date(clock.now()).toISOString().slice(0, 10));
      assert.deepEqual(shown.list_memberships, []);
      ctctError(await cc.put(`/v3/contacts/${c.contact_id}`, { email_address: { address: 'x@example.com' } }), 400);
      ctctError(await cc.put('/v3/contacts/00000000-0000-4000-8000-000000000000', { email_address: { address: 'x@example.com' }, update_source: 'Account' }), 404);
    });

    it('sign_up_form creates (201), updates (200) and revives a deleted contact onto its lists', async () => {
      const l = await list();
      const first = await cc.post('/v3/contacts/sign_up_form', { email_address: 'form@example.com', first_name: 'Form', list_memberships: [l] });
      assert.equal(first.statusCode, 201, first.body);
      const { contact_id: id, action } = first.json() as { contact_id: string; action: string };
      assert.equal(action, 'created');
      assert.equal((await cc.delete(`/v3/contacts/${id}`)).statusCode, 204);
      const again = await cc.post('/v3/contacts/sign_up_form', { email_address: 'FORM@example.com', list_memberships: [l] });
      assert.equal(again.statusCode, 200, again.body);
      assert.deepEqual(again.json(), { contact_id: id, action: 'updated' });
      const shown = await status(id);
      assert.equal(shown.deleted_at, undefined);
      assert.deepEqual(shown.list_memberships, [l]);
      assert.equal(shown.first_name, 'Form', 'fields not sent stay');
      ctctError(await cc.post('/v3/contacts/sign_up_form', { email_address: 'no-lists@example.com', list_memberships: [] }), 400);
    });

    it('contact_delete by list_ids deletes every member; add_list_memberships revives them in bulk; remove_list_memberships takes them off', async () => {
      const [l, other] = [await list(), await list()];
      const members = [await contact({ list_memberships: [l] }), await contact({ list_memberships: [l] })];
      const outsider = await contact();
      const deleted = await activity('contact_delete', { list_ids: [l] });
      assert.equal(deleted.state, 'completed');
      assert.deepEqual(deleted.status, { items_total_count: 2, items_completed_count: 2, error_count: 0, list_count: 1 });
      for (const m of members) assert.match(String((await status(m.contact_id)).deleted_at), /^\d{4}-\d{2}-\d{2}$/);
      assert.equal((await status(outsider.contact_id)).deleted_at, undefined);

      const revived = await activity('add_list_memberships', { source: { contact_ids: members.map((m) => m.contact_id) }, list_ids: [other] });
      assert.equal(revived.state, 'completed');
      assert.equal(revived.percent_done, 100);
      for (const m of members) {
        const shown = await status(m.contact_id);
        assert.equal(shown.deleted_at, undefined);
        assert.deepEqual(shown.list_memberships, [other]);
      }
      const removed = await activity('remove_list_memberships', { source: { list_ids: [other] }, list_ids: [other] });
      assert.equal(removed.state, 'completed');
      for (const m of members) assert.deepEqual((await status(m.contact_id)).list_memberships, []);
      const all = await activity('add_list_memberships', { source: { all_active_contacts: true }, list_ids: [l] });
      assert.equal(all.state, 'completed');
      assert.deepEqual((await status(outsider.contact_id)).list_memberships, [l]);

      const ops = await countRows(t, 'contacts');
      ctctError(await cc.post('/v3/activities/contact_delete', { contact_ids: [members[0]?.contact_id], list_ids: [l] }), 400);
      ctctError(await cc.post('/v3/activities/contact_delete', {}), 400);
      ctctError(await cc.post('/v3/activities/contact_delete', { contact_ids: ['not-a-uuid'] }), 400);
      ctctError(await cc.post('/v3/activities/contact_delete', { contact_ids: Array.from({ length: 501 }, () => members[0]?.contact_id) }), 400);
      ctctError(await cc.post('/v3/activities/add_list_memberships', { source: { contact_ids: [outsider.contact_id], all_active_contacts: true }, list_ids: [l] }), 400);
      ctctError(await cc.post('/v3/activities/add_list_memberships', { source: { contact_ids: [outsider.contact_id] }, list_ids: ['00000000-0000-4000-8000-000000000000'] }), 404);
      assert.equal(await countRows(t, 'contacts'), ops);
      // Unknown ids are counted per item, never fatal.
      const missing = await activity('contact_delete', { contact_ids: ['00000000-0000-4000-8000-000000000000'] });
      assert.equal(missing.state, 'completed');
      assert.deepEqual(missing.activity_errors, ['1 contact(s) were not found']);
    });

    it('DELETE of a list answers 202 with its activity and Location; its contacts stay', async () => {
      const l = await list();
      const member = await contact({ list_memberships: [l] });
      const res = await cc.delete(`/v3/contact_lists/${l}`);
      assert.equal(res.statusCode, 202, res.body);
      const body = res.json() as { activity_id: string; state: string; _links: { self: { href: string } } };
      assert.equal(res.headers.location, `/v3/activities/${body.activity_id}`);
      assert.equal(body._links.self.href, res.headers.location);
      assert.equal((await cc.get(res.headers.location as string)).json().state, 'completed');
      ctctError(await cc.get(`/v3/contact_lists/${l}`), 404);
      const shown = await status(member.contact_id);
      assert.equal(shown.deleted_at, undefined);
      assert.deepEqual(shown.list_memberships, []);
      ctctError(await cc.delete(`/v3/contact_lists/${l}`), 404);
      ctctError(await cc.post('/v3/contact_lists', { name: 'dup' }).then(() => cc.post('/v3/contact_lists', { name: 'dup' })), 409);
    });

    it('counts active contacts by permission', async () => {
      const res = await cc.get('/v3/contacts/counts');
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as Record<string, number>;
      const active = await t.lethe.core.contacts.count({ accountId: t.accountId, keyAccountId: t.accountId, keyId: null, scopes: ['admin'], via: 'cli' }, { status: 'active' });
      assert.equal(body.total, active);
      assert.equal(body.total, (body.explicit ?? 0) + (body.implicit ?? 0) + (body.pending ?? 0) + (body.unsubscribed ?? 0));
      assert.ok((body.unsubscribed ?? 0) >= 0 && (body.new_subscriber ?? 0) <= (body.total ?? 0));
    });

    it('lists activities of the past 10 days, filtered by state', async () => {
      const c = await contact();
      const queued = await cc.post('/v3/activities/contact_delete', { contact_ids: [c.contact_id] });
      const id = (queued.json() as { activity_id: string }).activity_id;
      const initialized = (await cc.get('/v3/activities?state=initialized')).json() as { activities: Json[] };
      assert.deepEqual(initialized.activities.map((a) => a.activity_id), [id]);
      await drainOperations(t, { schedule: false });
      assert.deepEqual((await cc.get('/v3/activities?state=initialized')).json(), { activities: [] });
      const completed = (await cc.get('/v3/activities?state=completed&limit=500')).json() as { activities: Json[] };
      assert.ok(completed.activities.some((a) => a.activity_id === id));
      ctctError(await cc.get('/v3/activities?state=sleeping'), 400);
      clock.advance(11 * 24 * 60 * 60 * 1000);
      assert.deepEqual((await cc.get('/v3/activities')).json(), { activities: [] });
      assert.equal((await cc.get(`/v3/activities/${id}`)).statusCode, 200, 'an older activity is still found by id');
      ctctError(await cc.get('/v3/activities/not-a-uuid'), 404);
    });

    it('accepts an access token Lethe issued as the Bearer token', async () => {
      const key = await t.lethe.core.keys.create(t.accountId, { name: 'oauth', scopes: ['read'] });
      const token = await t.lethe.core.keys.issueAccessToken(key.apiKey.id, key.secret);
      const res = await t.app.inject({ method: 'GET', url: '/v3/contacts', headers: { authorization: `Bearer ${token.token}` } });
      assert.equal(res.statusCode, 200, res.body);
      ctctError(await t.app.inject({ method: 'DELETE', url: `/v3/contacts/${(await contact()).contact_id}`, headers: { authorization: `Bearer ${token.token}` } }), 403);
    });

    it('refuses new activities with 429 while the account has 1,000 unfinished operations', async () => {
      const db = t.lethe.store.handle.db;
      const now = clock.now();
      const rows = Array.from({ length: 1000 }, (_, i) => ({
        account_id: t.accountId,
        uuid: `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        kind: 'operation',
        action: 'soft_delete',
        selector_kind: 'all',
        state: 'queued',
        run_after: now + 24 * 60 * 60 * 1000,
        via: 'native',
        created_at: now,
        updated_at: now,
      }));
      for (let i = 0; i < rows.length; i += 100) await db.insertInto('operations').values(rows.slice(i, i + 100)).execute();
      const c = await contact();
      const before = await countRows(t, 'contacts');
      const refused = await cc.post('/v3/activities/contact_delete', { contact_ids: [c.contact_id] });
      assert.equal(ctctError(refused, 429).error_key, 'too_many_requests');
      ctctError(await cc.post('/v3/activities/add_list_memberships', { source: { all_active_contacts: true }, list_ids: [await list()] }), 429);
      // Held in core, for every surface: the native API refuses too.
      const native = await cc.post('/v1/operations', { action: 'soft_delete', selector: { ids: [1] } });
      assert.equal(native.statusCode, 429, native.body);
      assert.equal(await countRows(t, 'contacts'), before);
      await db.deleteFrom('operations').where('uuid', 'like', '10000000-0000-4000-8000-%').execute();
      assert.equal((await cc.post('/v3/activities/contact_delete', { contact_ids: [c.contact_id] })).statusCode, 201);
    });

    it('logged no address it was sent', () => {
      const logs = t.logs.text();
      assert.ok(logs.includes('/v3/contacts'), 'requests were logged');
      for (const address of ['person1@example.com', 'form@example.com', 'FORM@example.com', 'tagged@example.com']) assert.ok(!logs.includes(address), address);
    });
  });

  describe(`Constant Contact per-key rate limits [${engine}]`, () => {
    let t: TestApp;
    let clock: ManualClock;
    before(async () => {
      clock = new ManualClock(Date.UTC(2026, 5, 1, 0, 0, 0));
      t = await buildTestApp(engine, { clock, config: { ctctRatePerSecond: 3, ctctRatePerDay: 5 } });
    });
    after(async () => t.close());

    it('answers 429 in Constant Contact\'s shape past the per-second and per-day limits of each key, writing nothing', async () => {
      const key = await createKey(t, ['read', 'write', 'delete']);
      const cc = api(t, t.auth(key));
      assert.equal((await cc.get('/v3/contacts')).statusCode, 200);
      assert.equal((await cc.get('/v3/contact_lists')).statusCode, 200);
      assert.equal((await cc.get('/v3/contacts/counts')).statusCode, 200);
      const rows = await countRows(t, 'contacts');
      const refused = await cc.post('/v3/contacts', { email_address: { address: 'late@example.com' }, create_source: 'Account' });
      assert.deepEqual(refused.json(), [{ error_key: 'too_many_requests', error_message: 'Too Many Requests' }]);
      assert.equal(refused.statusCode, 429);
      assert.equal(await countRows(t, 'contacts'), rows);
      // Another key of the same account has its own allowance.
      const other = api(t, t.auth(await createKey(t, ['read'])));
      assert.equal((await other.get('/v3/contacts')).statusCode, 200);
      // The next second: one more, then the day's five are spent (the refused one counted too).
      clock.advance(1000);
      assert.equal((await cc.get('/v3/contacts')).statusCode, 200);
      assert.equal((await cc.get('/v3/contacts')).statusCode, 429, 'the sixth request of the day');
      clock.advance(1000);
      ctctError(await cc.get('/v3/contacts'), 429);
      // A new UTC day starts a new allowance.
      clock.advance(24 * 60 * 60 * 1000);
      assert.equal((await cc.get('/v3/contacts')).statusCode, 200);
    });
  });
}
