import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { api, countRows, createSubAccount } from '../helpers/api.js';
import { basicHeader, mailjetApi, mailjetKey } from '../helpers/mailjet.js';
import type { MailjetApi } from '../helpers/mailjet.js';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const AUTH_FAILURE =
  'API key authentication/authorization failure. You may be unauthorized to access the API or your API key may be expired. Visit API keys management section to check your keys.';

interface MjContact {
  ID: number;
  Email: string;
  Name: string;
  IsExcludedFromCampaigns: boolean;
  CreatedAt: string;
  LastUpdateAt: string;
  [key: string]: unknown;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Asserts Mailjet's error body, exactly. */
function assertMailjetError(res: { statusCode: number; body: string }, status: number, message?: string | RegExp): Record<string, unknown> {
  assert.equal(res.statusCode, status, res.body);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  assert.equal(body.StatusCode, status);
  assert.equal(body.ErrorInfo, '');
  assert.ok(typeof body.ErrorMessage === 'string' || typeof body.ErrorMessage === 'object', res.body);
  const keys = Object.keys(body).sort();
  const expected = status === 401 && body.ErrorMessage === AUTH_FAILURE || status === 500 ? ['ErrorIdentifier', 'ErrorInfo', 'ErrorMessage', 'StatusCode'] : ['ErrorInfo', 'ErrorMessage', 'StatusCode'];
  assert.deepEqual(keys, expected, res.body);
  assert.ok(!/at .*\.(ts|js):\d+|stack|sqlite|postgres|SQL/i.test(res.body), `no stack or driver message: ${res.body}`);
  if (typeof message === 'string') assert.equal(body.ErrorMessage, message);
  else if (message) assert.match(String(body.ErrorMessage), message);
  return body;
}

for (const engine of ENGINES) {
  describe(`Mailjet dialect: contacts, lists, errors [${engine}]`, () => {
    let t: TestApp;
    let mj: MailjetApi;
    let clock: ManualClock;
    /** Basic auth of a read/write/erase key of the default account. */
    let headers: Record<string, string>;

    const createContact = async (body: Record<string, unknown>): Promise<MjContact> => {
      const res = await mj.post('/v3/REST/contact', body);
      assert.equal(res.statusCode, 201, res.body);
      const json = res.json() as { Count: number; Data: MjContact[]; Total: number };
      assert.equal(json.Count, 1);
      assert.equal(json.Total, 1);
      return json.Data[0] as MjContact;
    };
    const createList = async (name: string): Promise<{ ID: number; Name: string }> => {
      const res = await mj.post('/v3/REST/contactslist', { Name: name });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().Data[0];
    };
    const data = (res: { statusCode: number; body: string }) => {
      assert.equal(res.statusCode, 200, res.body);
      return JSON.parse(res.body) as { Count: number; Data: MjContact[]; Total: number };
    };

    before(async () => {
      clock = new ManualClock(T0);
      t = await buildTestApp(engine, { clock });
      headers = (await mailjetKey(t)).headers;
      mj = mailjetApi(t, headers);
    });
    after(async () => t.close());

    it('creates a contact (201) in Mailjet\'s shape and reads it back by ID and by email', async () => {
      const created = await createContact({ Email: 'Ada.Lovelace@Example.com', Name: 'Ada Lovelace', IsExcludedFromCampaigns: false });
      assert.ok(Number.isInteger(created.ID) && created.ID > 0);
      const expected = {
        CreatedAt: iso(T0),
        DeliveredCount: 0,
        Email: 'Ada.Lovelace@Example.com',
        ExclusionFromCampaignsUpdatedAt: '',
        ID: created.ID,
        IsExcludedFromCampaigns: false,
        IsOptInPending: false,
        IsSpamComplaining: false,
        LastActivityAt: '',
        LastUpdateAt: '',
        Name: 'Ada Lovelace',
        UnsubscribedAt: '',
        UnsubscribedBy: '',
      };
      assert.deepEqual(created, expected);
      assert.deepEqual(data(await mj.get(`/v3/REST/contact/${created.ID}`)), { Count: 1, Data: [expected], Total: 1 });
      assert.deepEqual(data(await mj.get('/v3/REST/contact/ada.lovelace@example.com')), { Count: 1, Data: [expected], Total: 1 });
      assert.deepEqual(data(await mj.get(`/v3/REST/contact/${encodeURIComponent('Ada.Lovelace@Example.com')}`)).Data, [expected]);
    });

    it('shows message activity: DeliveredCount, LastActivityAt, IsSpamComplaining', async () => {
      const c = await createContact({ Email: 'active.reader@example.com' });
      const native = api(t);
      const events = await native.post('/v1/events', {
        events: [
          { contact_id: c.ID, type: 'delivered', occurred_at: new Date(T0 - 3_000_000).toISOString() },
          { contact_id: c.ID, type: 'delivered', occurred_at: new Date(T0 - 2_000_000).toISOString() },
          { contact_id: c.ID, type: 'open', occurred_at: new Date(T0 - 1_000_000).toISOString() },
        ],
      });
      assert.ok(events.statusCode < 300, events.body);
      const read = data(await mj.get(`/v3/REST/contact/${c.ID}`)).Data[0] as MjContact;
      assert.equal(read.DeliveredCount, 2);
      assert.equal(read.LastActivityAt, iso(T0 - 1_000_000));
      assert.equal(read.IsSpamComplaining, false);
    });

    it('refuses a duplicate email (any case) with 400 "MJ18 … already exists" and writes nothing', async () => {
      await createContact({ Email: 'twice@example.com', Name: 'First' });
      const rows = await countRows(t, 'contacts');
      for (const email of ['twice@example.com', 'TWICE@example.com']) {
        const res = await mj.post('/v3/REST/contact', { Email: email, Name: 'Second' });
        assertMailjetError(res, 400, `MJ18 A Contact resource with value "${email}" for Email already exists.`);
      }
      assert.equal(await countRows(t, 'contacts'), rows);
      assert.equal(data(await mj.get('/v3/REST/contact/twice@example.com')).Data[0]?.Name, 'First');
    });

    it('refuses bad contacts with 400 in Mailjet\'s shape and writes nothing', async () => {
      const rows = await countRows(t, 'contacts');
      const cases: Array<[unknown, RegExp]> = [
        [{}, /Email/],
        [{ Name: 'No email' }, /Email/],
        [{ Email: 'not-an-address' }, /^Email is not a valid email address$/],
        [{ Email: 'x@example.com', Colour: 'red' }, /Colour/],
        [{ Email: 'x@example.com', Name: 5 }, /Name/],
        [{ Email: 'x@example.com', IsExcludedFromCampaigns: 'yes' }, /IsExcludedFromCampaigns/],
        [{ Email: 'x'.repeat(250) + '@example.com' }, /Email/],
      ];
      for (const [body, message] of cases) assertMailjetError(await mj.post('/v3/REST/contact', body), 400, message);
      const malformed = await t.app.inject({ method: 'POST', url: '/v3/REST/contact', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"Email":' });
      assertMailjetError(malformed, 400);
      assert.equal(await countRows(t, 'contacts'), rows);
    });

    it('PUT changes only the properties given, by ID or by email', async () => {
      const c = await createContact({ Email: 'put.me@example.com', Name: 'Old Name', IsExcludedFromCampaigns: true });
      clock.advance(60_000);
      const renamed = data(await mj.put(`/v3/REST/contact/${c.ID}`, { Name: 'New Name' })).Data[0] as MjContact;
      assert.equal(renamed.Name, 'New Name');
      assert.equal(renamed.IsExcludedFromCampaigns, true, 'not given, so unchanged');
      assert.equal(renamed.Email, 'put.me@example.com');
      assert.equal(renamed.LastUpdateAt, iso(T0 + 60_000));
      assert.equal(renamed.CreatedAt, c.CreatedAt);

      clock.advance(60_000);
      const included = data(await mj.put('/v3/REST/contact/put.me@example.com', { IsExcludedFromCampaigns: false })).Data[0] as MjContact;
      assert.equal(included.IsExcludedFromCampaigns, false);
      assert.equal(included.Name, 'New Name', 'not given, so unchanged');
      assert.equal(included.LastUpdateAt, iso(T0 + 120_000));

      const same = data(await mj.put(`/v3/REST/contact/${c.ID}`, {})).Data[0];
      assert.deepEqual(same, included, 'nothing given, nothing changes');
      assert.deepEqual(data(await mj.get(`/v3/REST/contact/${c.ID}`)).Data[0], included);

      assertMailjetError(await mj.put(`/v3/REST/contact/${c.ID}`, { Email: 'other@example.com' }), 400, /Email/);
      assertMailjetError(await mj.put(`/v3/REST/contact/${c.ID}`, { Name: ['x'] }), 400, /Name/);
      assertMailjetError(await mj.put('/v3/REST/contact/987654', { Name: 'x' }), 404, 'Object not found');
      assertMailjetError(await mj.put('/v3/REST/contact/nobody@example.com', { Name: 'x' }), 404, 'Object not found');
      assert.deepEqual(data(await mj.get(`/v3/REST/contact/${c.ID}`)).Data[0], included, 'refused changes wrote nothing');
    });

    it('answers 404 in Mailjet\'s shape for unknown contacts, by ID or email', async () => {
      for (const ref of ['987654', 'nobody@example.com', 'not-an-email', '0']) {
        assertMailjetError(await mj.get(`/v3/REST/contact/${encodeURIComponent(ref)}`), 404, 'Object not found');
      }
    });

    describe('listing', () => {
      let all: MjContact[];
      before(async () => {
        // Fresh account: a sub-account with its own key, so earlier tests' contacts do not count.
        await createSubAccount(t, 'listing');
        mj = mailjetApi(t, (await mailjetKey(t, ['read', 'write'], { 'on-behalf-of': 'listing' })).headers);
        const names = ['delta', 'alpha', 'echo', 'charlie', 'bravo'];
        for (let i = 0; i < 25; i++) {
          clock.advance(1000);
          await createContact({ Email: `${names[i % 5]}${String(i).padStart(2, '0')}@example.com`, Name: `${names[(i * 3) % 5]} ${i}`, IsExcludedFromCampaigns: i % 4 === 0 });
        }
        all = data(await mj.get('/v3/REST/contact?Limit=1000')).Data;
      });

      it('pages with Limit (10 by default, at most 1000, 0 meaning 1000) and Offset; Count and Total are the page\'s', async () => {
        assert.equal(all.length, 25);
        assert.deepEqual(all.map((c) => c.ID), [...all.map((c) => c.ID)].sort((a, b) => a - b), 'ID order by default');
        const first = data(await mj.get('/v3/REST/contact'));
        assert.equal(first.Count, 10);
        assert.equal(first.Total, 10);
        assert.deepEqual(first.Data, all.slice(0, 10));
        assert.deepEqual(data(await mj.get('/v3/REST/contact?Limit=10&Offset=10')).Data, all.slice(10, 20));
        const last = data(await mj.get('/v3/REST/contact?Limit=10&Offset=20'));
        assert.deepEqual(last.Data, all.slice(20));
        assert.equal(last.Count, 5);
        assert.equal(data(await mj.get('/v3/REST/contact?Limit=0')).Count, 25);
        assert.equal(data(await mj.get('/v3/REST/contact?limit=3&offset=24')).Count, 1, 'parameter names are case-insensitive');
        assert.deepEqual(data(await mj.get('/v3/REST/contact?Offset=100')).Data, []);
        for (const query of ['Limit=1001', 'Limit=-1', 'Limit=ten', 'Offset=-5', 'Offset=1.5']) {
          assertMailjetError(await mj.get(`/v3/REST/contact?${query}`), 400, /Limit|Offset/);
        }
      });

      it('sorts by ID, Email, Name, CreatedAt, LastUpdateAt and IsExcludedFromCampaigns, ascending or DESC', async () => {
        const ids = (res: { statusCode: number; body: string }) => data(res).Data.map((c) => c.ID);
        const byEmail = [...all].sort((a, b) => (a.Email < b.Email ? -1 : 1));
        assert.deepEqual(ids(await mj.get('/v3/REST/contact?Limit=1000&Sort=Email')), byEmail.map((c) => c.ID));
        assert.deepEqual(ids(await mj.get('/v3/REST/contact?Limit=1000&Sort=Email+DESC')), [...byEmail].reverse().map((c) => c.ID));
        assert.deepEqual(ids(await mj.get('/v3/REST/contact?Limit=1000&Sort=email%20desc')), [...byEmail].reverse().map((c) => c.ID));
        const byName = [...all].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : a.ID - b.ID));
        assert.deepEqual(ids(await mj.get('/v3/REST/contact?Limit=1000&Sort=Name')), byName.map((c) => c.ID));
        assert.deepEqual(ids(await mj.get('/v3/REST/contact?Limit=5&Offset=5&Sort=Name')), byName.slice(5, 10).map((c) => c.ID), 'sort, then offset');
        assert.deepEqual(ids(await mj.get('/v3/REST/contact?Limit=1000&Sort=ID+DESC')), [...all].reverse().map((c) => c.ID));
        assert.deepEqual(ids(await mj.get('/v3/REST/contact?Limit=1000&Sort=CreatedAt+DESC')), [...all].reverse().map((c) => c.ID));
        const excludedFirst = [...all].sort((a, b) => Number(b.IsExcludedFromCampaigns) - Number(a.IsExcludedFromCampaigns) || b.ID - a.ID);
        assert.deepEqual(ids(await mj.get('/v3/REST/contact?Limit=1000&Sort=IsExcludedFromCampaigns+DESC')), excludedFirst.map((c) => c.ID));

        // LastUpdateAt follows changes.
        const touched = all[3] as MjContact;
        clock.advance(60_000);
        assert.equal((await mj.put(`/v3/REST/contact/${touched.ID}`, { Name: 'touched' })).statusCode, 200);
        const newestFirst = ids(await mj.get('/v3/REST/contact?Limit=1&Sort=LastUpdateAt+DESC'));
        assert.deepEqual(newestFirst, [touched.ID]);

        for (const sort of ['Bogus', 'Email+SIDEWAYS', 'Email+DESC+ASC', 'DeliveredCount']) {
          assertMailjetError(await mj.get(`/v3/REST/contact?Sort=${sort}`), 400, /Sort/);
        }
      });

      it('countOnly answers Count and Total of every matching contact, without Data', async () => {
        assert.deepEqual(data(await mj.get('/v3/REST/contact?countOnly=1')), { Count: 25, Data: [], Total: 25 });
        assert.deepEqual(data(await mj.get('/v3/REST/contact?countOnly=true&Limit=2')), { Count: 25, Data: [], Total: 25 });
        assert.equal(data(await mj.get('/v3/REST/contact?countOnly=0')).Count, 10);
        const excluded = all.filter((c) => c.IsExcludedFromCampaigns).length;
        assert.deepEqual(data(await mj.get('/v3/REST/contact?countOnly=1&IsExcludedFromCampaigns=true')), { Count: excluded, Data: [], Total: excluded });
        assertMailjetError(await mj.get('/v3/REST/contact?countOnly=maybe'), 400, /countOnly/);
      });

      it('filters by ContactsList (and IsExcludedFromCampaigns); unknown filters are refused', async () => {
        const list = await createList('filter-list');
        const members = [all[2], all[7], all[11]] as MjContact[];
        for (const m of members) {
          const res = await mj.post(`/v3/REST/contact/${m.ID}/managecontactslists`, { ContactsLists: [{ ListID: list.ID, Action: 'addnoforce' }] });
          assert.equal(res.statusCode, 201, res.body);
        }
        const onList = data(await mj.get(`/v3/REST/contact?ContactsList=${list.ID}`));
        assert.deepEqual(onList.Data.map((c) => c.ID), members.map((m) => m.ID));
        assert.deepEqual(data(await mj.get(`/v3/REST/contact?ContactsList=${list.ID}&countOnly=1`)), { Count: 3, Data: [], Total: 3 });
        assert.deepEqual(data(await mj.get(`/v3/REST/contact?ContactsList=${list.ID}&Sort=ID+DESC&Limit=1&Offset=1`)).Data.map((c) => c.ID), [members[1]?.ID]);
        const excluded = data(await mj.get('/v3/REST/contact?IsExcludedFromCampaigns=true&Limit=1000')).Data;
        assert.deepEqual(excluded.map((c) => c.ID), all.filter((c) => c.IsExcludedFromCampaigns).map((c) => c.ID));

        assertMailjetError(await mj.get('/v3/REST/contact?ContactsList=987654'), 404, 'Object not found');
        assertMailjetError(await mj.get('/v3/REST/contact?ContactsList=abc'), 400, /ContactsList/);
        assertMailjetError(await mj.get('/v3/REST/contact?Campaign=5'), 400, /campaign/i);
      });

      after(() => {
        mj = mailjetApi(t, headers);
      });
    });

    it('creates and lists contact lists; a taken Name answers 400 "MJ18 … already exists"', async () => {
      const list = await createList('Newsletter');
      assert.deepEqual(Object.keys(list).sort(), ['Address', 'CreatedAt', 'ID', 'IsDeleted', 'Name', 'SubscriberCount']);
      assert.equal(list.Name, 'Newsletter');
      assert.ok(Number.isInteger(list.ID));
      assert.deepEqual(data(await mj.get(`/v3/REST/contactslist/${list.ID}`)).Data, [list]);
      const rows = await countRows(t, 'lists');
      assertMailjetError(await mj.post('/v3/REST/contactslist', { Name: 'Newsletter' }), 400, 'MJ18 A ContactsList resource with value "Newsletter" for Name already exists.');
      assertMailjetError(await mj.post('/v3/REST/contactslist', {}), 400, /Name/);
      assertMailjetError(await mj.post('/v3/REST/contactslist', { Name: '' }), 400, /Name/);
      assert.equal(await countRows(t, 'lists'), rows);

      await createList('Alerts');
      const lists = data(await mj.get('/v3/REST/contactslist?Limit=1000')).Data as unknown as Array<{ ID: number; Name: string }>;
      assert.ok(lists.length >= 2);
      const byNameDesc = data(await mj.get('/v3/REST/contactslist?Limit=1000&Sort=Name+DESC')).Data as unknown as Array<{ Name: string }>;
      assert.deepEqual(byNameDesc.map((l) => l.Name), lists.map((l) => l.Name).sort().reverse());
      assert.deepEqual(data(await mj.get('/v3/REST/contactslist?Limit=1&Offset=1')).Data, [lists[1]]);
      assert.deepEqual(data(await mj.get('/v3/REST/contactslist?countOnly=1')), { Count: lists.length, Data: [], Total: lists.length });
      assertMailjetError(await mj.get('/v3/REST/contactslist/987654'), 404, 'Object not found');
      assertMailjetError(await mj.get('/v3/REST/contactslist/abc'), 404, 'Object not found');
    });

    it('managecontactslists: addforce, addnoforce, unsub and remove, read back with getcontactslists', async () => {
      const c = await createContact({ Email: 'lists.member@example.com', Name: 'Member' });
      const a = await createList('managed-a');
      const b = await createList('managed-b');
      const manage = (ref: string | number, ContactsLists: unknown[]) => mj.post(`/v3/REST/contact/${ref}/managecontactslists`, { ContactsLists });
      const lists = async () => data(await mj.get(`/v3/REST/contact/${c.ID}/getcontactslists`)).Data as unknown as Array<Record<string, unknown>>;
      const subscribers = async (id: number) => (data(await mj.get(`/v3/REST/contactslist/${id}`)).Data[0] as unknown as { SubscriberCount: number }).SubscriberCount;

      const added = await manage(c.ID, [{ ListID: a.ID, Action: 'addforce' }, { ListID: b.ID, Action: 'addnoforce' }]);
      assert.equal(added.statusCode, 201, added.body);
      assert.deepEqual(added.json(), { Count: 1, Data: [{ ContactsLists: [{ ListID: a.ID, Action: 'addforce' }, { ListID: b.ID, Action: 'addnoforce' }] }], Total: 1 });
      assert.deepEqual(await lists(), [
        { IsActive: true, IsUnsub: false, ListID: a.ID, SubscribedAt: iso(clock.now()) },
        { IsActive: true, IsUnsub: false, ListID: b.ID, SubscribedAt: iso(clock.now()) },
      ]);
      assert.equal(await subscribers(a.ID), 1);

      // unsub keeps the membership, unsubscribed; addnoforce keeps that; addforce subscribes again.
      assert.equal((await manage('lists.member@example.com', [{ ListID: a.ID, Action: 'unsub' }])).statusCode, 201);
      assert.deepEqual((await lists()).map((l) => [l.ListID, l.IsActive, l.IsUnsub]), [[a.ID, false, true], [b.ID, true, false]]);
      assert.equal(await subscribers(a.ID), 0);
      assert.equal((await manage(c.ID, [{ ListID: a.ID, Action: 'addnoforce' }])).statusCode, 201);
      assert.deepEqual((await lists()).map((l) => [l.ListID, l.IsUnsub]), [[a.ID, true], [b.ID, false]], 'addnoforce keeps the unsubscribe');
      assert.equal((await manage(c.ID, [{ ListID: a.ID, Action: 'addforce' }])).statusCode, 201);
      assert.deepEqual((await lists()).map((l) => [l.ListID, l.IsUnsub]), [[a.ID, false], [b.ID, false]], 'addforce subscribes again');

      assert.equal((await manage(c.ID, [{ ListID: b.ID, Action: 'remove' }])).statusCode, 201);
      assert.deepEqual((await lists()).map((l) => l.ListID), [a.ID]);
      assert.equal((await manage(c.ID, [{ ListID: b.ID, Action: 'remove' }])).statusCode, 201, 'removing a non-member is fine');

      // All or nothing: one bad item, nothing written, each bad item named.
      const memberships = await countRows(t, 'list_memberships');
      const refused = await manage(c.ID, [{ ListID: b.ID, Action: 'addforce' }, { ListID: 987654, Action: 'addforce' }, { ListID: a.ID, Action: 'explode' }, { Action: 'remove' }]);
      const body = assertMailjetError(refused, 400);
      assert.deepEqual(body.ErrorMessage, {
        ContactsLists: [
          { ListID: 987654, Action: 'addforce', Error: 'listID missing or not valid' },
          { ListID: a.ID, Action: 'explode', Error: 'action missing or not valid' },
          { ListID: null, Action: 'remove', Error: 'listID missing or not valid' },
        ],
      });
      assert.equal(await countRows(t, 'list_memberships'), memberships);
      assert.deepEqual((await lists()).map((l) => l.ListID), [a.ID]);

      assertMailjetError(await manage(c.ID, []), 400);
      assertMailjetError(await mj.post(`/v3/REST/contact/${c.ID}/managecontactslists`, { Lists: [] }), 400);
      assertMailjetError(await manage(987654, [{ ListID: a.ID, Action: 'addforce' }]), 404, 'Object not found');
      assertMailjetError(await mj.get('/v3/REST/contact/987654/getcontactslists'), 404, 'Object not found');
      assert.deepEqual(data(await mj.get('/v3/REST/contact/lists.member@example.com/getcontactslists')).Data.length, 1, 'by email too');
    });

    it('authenticates with Basic key id and secret; failures answer Mailjet\'s 401', async () => {
      const key = await mailjetKey(t, ['read']);
      assert.equal((await mailjetApi(t, key.headers).get('/v3/REST/contact')).statusCode, 200);
      const failures: Array<Record<string, string>> = [
        {},
        basicHeader(key.apiKey, 'wrong-secret'),
        basicHeader('unknown-id', key.apiSecret),
        { authorization: `Bearer lethe_${key.apiKey}_${key.apiSecret}` },
        { authorization: 'Basic !!!' },
      ];
      for (const headers of failures) {
        const body = assertMailjetError(await mailjetApi(t, headers).get('/v3/REST/contact'), 401, AUTH_FAILURE);
        assert.match(String(body.ErrorIdentifier), /^[0-9a-f-]{36}$/);
        assertMailjetError(await mailjetApi(t, headers).request('DELETE', '/v4/contacts/1'), 401, AUTH_FAILURE);
        assertMailjetError(await mailjetApi(t, headers).get('/v3/REST/no-such-resource'), 401, AUTH_FAILURE);
      }
      // A key without the scope a route needs: refused, nothing written.
      const rows = await countRows(t, 'contacts');
      assertMailjetError(await mailjetApi(t, key.headers).post('/v3/REST/contact', { Email: 'reader@example.com' }), 403, /scope/);
      assertMailjetError(await mailjetApi(t, key.headers).request('DELETE', '/v4/contacts/1'), 403, /scope/);
      assert.equal(await countRows(t, 'contacts'), rows);
    });

    it('answers every other path under /v3 and /v4 in Mailjet\'s shape: 404, 405, and 401 for the v3 DELETE', async () => {
      const c = await createContact({ Email: 'keep.me@example.com' });
      for (const url of ['/v3/REST/no-such-resource', '/v3/REST/contact/1/unknown-action', '/v3/REST', '/v4/nothing', '/v4/contacts']) {
        assertMailjetError(await mj.get(url), 404, 'Object not found');
      }
      assertMailjetError(await mj.request('PATCH', `/v3/REST/contact/${c.ID}`, { Name: 'x' }), 405);
      assertMailjetError(await mj.delete('/v3/REST/contactslist'), 405);
      assertMailjetError(await mj.get(`/v4/contacts/${c.ID}`), 405);
      assertMailjetError(await mj.delete(`/v3/REST/contact/${c.ID}`), 401, 'Operation not allowed');
      assertMailjetError(await mj.delete(`/v3/REST/contact/${c.ID}`, {}), 401, 'Operation not allowed');
      assert.equal(data(await mj.get(`/v3/REST/contact/${c.ID}`)).Data[0]?.Email, 'keep.me@example.com', 'still there');
      assertMailjetError(await mj.delete('/v4/contacts/987654'), 404, 'Object not found');
      assertMailjetError(await mj.delete('/v4/REST/contacts/987654', {}), 404, 'Object not found');
      assertMailjetError(await mj.delete('/v4/contacts/abc'), 404, 'Object not found');
    });

    it('tolerates a JSON body and Content-Type on GET and DELETE, as the official client sends', async () => {
      const c = await createContact({ Email: 'tolerant@example.com' });
      const get = await t.app.inject({ method: 'GET', url: `/v3/REST/contact/${c.ID}`, headers: { ...headers, 'content-type': 'application/json' }, payload: '{}' });
      assert.equal(get.statusCode, 200, get.body);
      const list = await t.app.inject({ method: 'GET', url: '/v3/REST/contact?Limit=1', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"Limit":5}' });
      assert.equal(list.statusCode, 200, list.body);
      const emptyBodyDelete = await t.app.inject({ method: 'DELETE', url: `/v3/REST/contact/${c.ID}`, headers: { ...headers, 'content-type': 'application/json' } });
      assertMailjetError(emptyBodyDelete, 401, 'Operation not allowed');
    });

    it('keeps each sub-account\'s contacts and lists to its own keys', async () => {
      await createSubAccount(t, 'mj-sub');
      const subKey = await mailjetKey(t, ['read', 'write', 'erase'], { 'on-behalf-of': 'mj-sub' });
      const sub = mailjetApi(t, subKey.headers);
      const parentContact = await createContact({ Email: 'same.person@example.com', Name: 'Parent side' });
      const subCreated = await sub.post('/v3/REST/contact', { Email: 'same.person@example.com', Name: 'Sub side' });
      assert.equal(subCreated.statusCode, 201, 'the same email may live in each account');
      const subContact = subCreated.json().Data[0] as MjContact;
      assert.notEqual(subContact.ID, parentContact.ID);

      for (const url of [`/v3/REST/contact/${parentContact.ID}`, `/v3/REST/contact/${parentContact.ID}/getcontactslists`]) {
        const res = await sub.get(url);
        assertMailjetError(res, 404, 'Object not found');
        assert.ok(!res.body.includes('Parent side'));
      }
      assert.deepEqual(data(await sub.get('/v3/REST/contact/same.person@example.com')).Data.map((c) => c.Name), ['Sub side']);
      assert.deepEqual(data(await sub.get('/v3/REST/contact?Limit=1000')).Data.map((c) => c.ID), [subContact.ID]);
      assertMailjetError(await sub.put(`/v3/REST/contact/${parentContact.ID}`, { Name: 'hijack' }), 404);
      assertMailjetError(await sub.delete(`/v4/contacts/${parentContact.ID}`), 404, 'Object not found');
      assertMailjetError(await mj.get(`/v3/REST/contact/${subContact.ID}`), 404, 'Object not found');
      assert.equal(data(await mj.get(`/v3/REST/contact/${parentContact.ID}`)).Data[0]?.Name, 'Parent side');
    });

    it('logs no personal data from Mailjet requests', () => {
      const logs = t.logs.text();
      assert.ok(logs.includes('/v3/REST/contact'), 'requests were logged');
      for (const value of ['Ada.Lovelace', 'ada.lovelace', 'Ada Lovelace', 'twice@example.com', 'TWICE@example.com', 'not-an-address', 'put.me@example.com', 'New Name', 'lists.member@example.com', 'same.person@example.com', 'Parent side']) {
        assert.ok(!logs.includes(value), `logs hold "${value}"`);
      }
    });

    it('answers an unexpected failure with a plain 500 in Mailjet\'s shape, never a stack or driver message', async () => {
      // Break the store under the app: the driver's error must not reach the client.
      await t.lethe.store.handle.db.schema.dropTable('list_memberships').execute();
      const res = await mj.get('/v3/REST/contactslist');
      const body = assertMailjetError(res, 500, 'Internal Server Error');
      assert.match(String(body.ErrorIdentifier), /^[0-9a-f-]{36}$/);
      assert.ok(!res.body.includes('list_memberships'));
    });
  });
}
