import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DAY_MS, ManualClock } from '../../src/core/clock.js';
import type { Actor } from '../../src/core/actor.js';
import { sha256Hex } from '../../src/core/crypto.js';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { api } from '../helpers/api.js';
import { drainOperations } from '../helpers/operations.js';
import { searchRawStorage } from '../helpers/raw-storage.js';
import { mailjetApi, mailjetKey } from '../helpers/mailjet.js';
import type { MailjetApi } from '../helpers/mailjet.js';

const T0 = Date.UTC(2026, 2, 10, 9, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Distinctive values: finding one anywhere after the delete can only mean it survived. */
const PERSON = {
  email: 'Gwendolyn.Orbisonne@erase-check.example',
  name: 'Gwendolyn Orbisonne',
  phone: '+44 20 7946 0321',
  custom: 'CustomMarker-77Q3',
  attribute: '17 Orbisonne Crescent',
  subject: 'Orbisonne renewal notice 4471',
  ip: '203.0.113.219',
  url: 'https://click.example/orbisonne-7f3a',
  userAgent: 'OrbisonneMail/3.1',
};

for (const engine of ENGINES) {
  describe(`Mailjet v4 GDPR delete [${engine}]`, () => {
    let t: TestApp;
    let clock: ManualClock;
    let mj: MailjetApi;
    let id: number;
    let listId: number;
    let created: Record<string, unknown>;
    let deletedAt: number;
    let keyId: string;

    before(async () => {
      clock = new ManualClock(T0);
      t = await buildTestApp(engine, { clock });
      const key = await mailjetKey(t);
      keyId = key.apiKey;
      mj = mailjetApi(t, key.headers);
      const res = await mj.post('/v3/REST/contact', { Email: PERSON.email, Name: PERSON.name, IsExcludedFromCampaigns: true });
      assert.equal(res.statusCode, 201, res.body);
      created = res.json().Data[0];
      id = created.ID as number;
      listId = (await mj.post('/v3/REST/contactslist', { Name: 'gdpr-list' })).json().Data[0].ID;
      assert.equal((await mj.post(`/v3/REST/contact/${id}/managecontactslists`, { ContactsLists: [{ ListID: listId, Action: 'addforce' }] })).statusCode, 201);
      // Properties and tracking history, through Lethe's own API.
      const native = api(t);
      const patched = await native.patch(`/v1/contacts/${id}`, { phone: PERSON.phone, custom_fields: { note: PERSON.custom }, attributes: { address_line_1: PERSON.attribute } });
      assert.equal(patched.statusCode, 200, patched.body);
      const events = await native.post('/v1/events', {
        events: [
          { contact_id: id, type: 'delivered', subject: PERSON.subject, occurred_at: new Date(T0 - 60_000).toISOString() },
          { contact_id: id, type: 'click', subject: PERSON.subject, ip: PERSON.ip, url: PERSON.url, user_agent: PERSON.userAgent, occurred_at: new Date(T0 - 30_000).toISOString() },
        ],
      });
      assert.ok(events.statusCode < 300, events.body);
    });
    after(async () => t.close());

    it('answers 200 and anonymizes the contact at once, exactly as Mailjet documents', async () => {
      clock.advance(3_600_000);
      deletedAt = clock.now();
      const res = await mj.delete(`/v4/contacts/${id}`);
      assert.equal(res.statusCode, 200, res.body);

      const read = await mj.get(`/v3/REST/contact/${id}`);
      assert.equal(read.statusCode, 200, read.body);
      const body = read.json() as { Count: number; Data: Array<Record<string, unknown>>; Total: number };
      assert.equal(body.Count, 1);
      assert.equal(body.Total, 1);
      const anonymized = body.Data[0] as Record<string, unknown>;
      const email = anonymized.Email as string;
      // `\x` + 40 hex + `@domain.invalid`: in JSON the backslash is escaped.
      assert.match(email, /^\\x[0-9a-f]{40}@domain\.invalid$/);
      assert.ok(read.body.includes('"Email":"\\\\x'), 'JSON-escaped as Mailjet writes it');
      // Derived with the server's keyed hash of the address, never a plain hash of it.
      const hex = email.slice(2, 42);
      const normalized = PERSON.email.toLowerCase();
      assert.equal(hex, t.lethe.core.deps.hasher.hash('erased-email', normalized).slice(0, 40));
      for (const plain of [sha256Hex(normalized), sha256Hex(PERSON.email), createHash('sha1').update(normalized).digest('hex'), createHash('md5').update(normalized).digest('hex')]) {
        assert.ok(!plain.startsWith(hex.slice(0, 16)), 'not a plain hash of the address');
      }
      assert.deepEqual(anonymized, {
        ...created,
        Email: email,
        Name: 'Anonymized',
        LastUpdateAt: iso(deletedAt),
        ID: id,
        // Kept, as Mailjet keeps the record's general settings.
        IsExcludedFromCampaigns: true,
        CreatedAt: iso(T0),
        // The tracking history is erased with the contact.
        DeliveredCount: 0,
        LastActivityAt: '',
      });
      assert.deepEqual(Object.keys(anonymized).sort(), Object.keys(created).sort());
    });

    it('is audited as a Mailjet erase by the key that asked, without the address; a second delete changes nothing', async () => {
      const entries = (await api(t).get('/v1/audit?limit=1000')).json().data as Array<Record<string, unknown>>;
      const erased = entries.filter((e) => e.action === 'contact.erased' && e.subject_id === String(id));
      assert.equal(erased.length, 1);
      assert.equal(erased[0]?.via, 'mailjet');
      assert.equal(erased[0]?.actor_key_id, keyId);
      const text = JSON.stringify(entries);
      for (const value of [PERSON.email, PERSON.email.toLowerCase(), PERSON.name]) assert.ok(!text.includes(value));

      const before = (await mj.get(`/v3/REST/contact/${id}`)).json();
      clock.advance(60_000);
      assert.equal((await mj.delete(`/v4/contacts/${id}`)).statusCode, 200, 'already anonymized: still 200');
      assert.deepEqual((await mj.get(`/v3/REST/contact/${id}`)).json(), before, 'and unchanged');
      const again = ((await api(t).get('/v1/audit?limit=1000')).json().data as Array<Record<string, unknown>>).filter((e) => e.action === 'contact.erased' && e.subject_id === String(id));
      assert.equal(again.length, 1, 'nothing new to audit');
    });

    it('erased its properties, lists and tracking details: they answer nowhere', async () => {
      const native = (await api(t).get(`/v1/contacts/${id}`)).json();
      assert.equal(native.status, 'erased');
      assert.equal(native.email, null);
      assert.equal(native.phone, null);
      assert.deepEqual(native.custom_fields, {});
      assert.deepEqual(native.attributes, {});
      assert.deepEqual(native.list_ids, []);
      const events = (await api(t).get(`/v1/contacts/${id}/events`)).json();
      for (const e of events.data as Array<Record<string, unknown>>) {
        for (const field of ['subject', 'ip', 'url', 'user_agent']) assert.ok(e[field] === null || e[field] === undefined, `event ${field} erased`);
      }
      assert.deepEqual((await mj.get(`/v3/REST/contact/${id}/getcontactslists`)).json(), { Count: 0, Data: [], Total: 0 });
      assert.deepEqual((await mj.get(`/v3/REST/contact?ContactsList=${listId}&countOnly=1`)).json(), { Count: 0, Data: [], Total: 0 });
      const byEmail = await mj.get(`/v3/REST/contact/${encodeURIComponent(PERSON.email)}`);
      assert.equal(byEmail.statusCode, 404, 'the address names nobody any more');
    });

    it('leaves none of the original values in the raw database files', async () => {
      const values = [PERSON.email, PERSON.email.toLowerCase(), PERSON.name, 'Gwendolyn', 'Orbisonne', PERSON.phone, PERSON.custom, PERSON.attribute, PERSON.subject, PERSON.ip, PERSON.url, PERSON.userAgent];
      // The request left the scrub to the worker, as a completed erase operation of size 1.
      const actor: Actor = { accountId: t.accountId, keyAccountId: t.accountId, keyId: null, scopes: ['admin'], via: 'native' };
      const ops = (await t.lethe.core.operations.list(actor, { action: 'erase' })).items;
      assert.equal(ops.length, 1, 'one operation: the second delete recorded nothing');
      const op = ops[0]!;
      assert.deepEqual(
        { kind: op.kind, selectorKind: op.selectorKind, selectorSize: op.selectorSize, state: op.state, via: op.via, requestedByKeyId: op.requestedByKeyId, succeeded: op.counts.succeeded, scrubbedAt: op.scrubbedAt },
        { kind: 'operation', selectorKind: 'ids', selectorSize: 1, state: 'completed', via: 'mailjet', requestedByKeyId: keyId, succeeded: 1, scrubbedAt: null },
      );
      await drainOperations(t, { schedule: false });
      assert.ok((await t.lethe.core.operations.get(actor, op.id)).scrubbedAt !== null, 'scrubbed by the worker');
      const hits = await searchRawStorage(t.lethe.store.handle, values);
      assert.deepEqual(hits, [], `found: ${JSON.stringify(hits.slice(0, 5))}`);
      // The search does find what is still there: the list's name.
      assert.ok((await searchRawStorage(t.lethe.store.handle, ['gdpr-list'])).length > 0, 'the raw search sees live data');
    });

    it('erases a soft-deleted contact too: its personal data is still there', async () => {
      const email = 'soft.deleted.person@erase-check.example';
      const c = (await mj.post('/v3/REST/contact', { Email: email, Name: 'Softly Deletedperson' })).json().Data[0];
      const actor: Actor = { accountId: t.accountId, keyAccountId: t.accountId, keyId: null, scopes: ['admin'], via: 'native' };
      await t.lethe.core.operations.create(actor, { action: 'soft_delete', selector: { kind: 'ids', values: [c.ID] } });
      await drainOperations(t, { schedule: false });
      assert.equal((await api(t).get(`/v1/contacts/${c.ID}`)).json().status, 'deleted');
      assert.equal((await mj.get(`/v3/REST/contact/${c.ID}`)).statusCode, 404, 'hidden from Mailjet clients');
      const res = await mj.delete(`/v4/contacts/${c.ID}`);
      assert.equal(res.statusCode, 200, res.body);
      const native = (await api(t).get(`/v1/contacts/${c.ID}`)).json();
      assert.equal(native.status, 'erased');
      assert.equal(native.email, null);
      assert.equal(native.first_name ?? null, null);
      await drainOperations(t, { schedule: false });
      assert.deepEqual(await searchRawStorage(t.lethe.store.handle, [email, 'Deletedperson']), []);
      assert.equal((await mj.delete(`/v4/contacts/999999999`)).statusCode, 404, 'an unknown contact is still 404');
    });

    it('cannot be changed, re-listed or restored', async () => {
      assert.equal((await mj.put(`/v3/REST/contact/${id}`, { Name: 'Back again' })).statusCode, 400);
      assert.equal((await mj.post(`/v3/REST/contact/${id}/managecontactslists`, { ContactsLists: [{ ListID: listId, Action: 'addforce' }] })).statusCode, 400);
      const actor: Actor = { accountId: t.accountId, keyAccountId: t.accountId, keyId: null, scopes: ['admin'], via: 'native' };
      await t.lethe.core.operations.create(actor, { action: 'restore', selector: { kind: 'ids', values: [id] } });
      await drainOperations(t, { schedule: false });
      const read = (await mj.get(`/v3/REST/contact/${id}`)).json().Data[0];
      assert.equal(read.Name, 'Anonymized');
      assert.match(read.Email, /^\\x[0-9a-f]{40}@domain\.invalid$/);
    });

    it('lets the same email be added again, as a new contact', async () => {
      const again = await mj.post('/v3/REST/contact', { Email: PERSON.email, Name: 'Returning' });
      assert.equal(again.statusCode, 201, again.body);
      const fresh = again.json().Data[0];
      assert.notEqual(fresh.ID, id);
      assert.equal((await mj.get(`/v3/REST/contact/${encodeURIComponent(PERSON.email)}`)).json().Data[0].ID, fresh.ID);
      assert.equal((await mj.get(`/v3/REST/contact/${id}`)).json().Data[0].Name, 'Anonymized', 'the old record stays anonymized');
      // Erase the newcomer too, through the path Mailjet's Node client builds.
      assert.equal((await mj.delete(`/v4/REST/contacts/${fresh.ID}`, {})).statusCode, 200);
      assert.equal((await mj.get(`/v3/REST/contact/${fresh.ID}`)).json().Data[0].Name, 'Anonymized');
    });

    it('keeps the ID until retention ends, then the contact is purged (404)', async () => {
      clock.set(deletedAt + 29 * DAY_MS);
      await drainOperations(t);
      assert.equal((await mj.get(`/v3/REST/contact/${id}`)).statusCode, 200, 'still kept within the 30 days');
      clock.set(deletedAt + 30 * DAY_MS + 1000);
      await drainOperations(t);
      const gone = await mj.get(`/v3/REST/contact/${id}`);
      assert.equal(gone.statusCode, 404);
      assert.deepEqual(gone.json(), { ErrorInfo: '', ErrorMessage: 'Object not found', StatusCode: 404 });
      assert.equal((await mj.delete(`/v4/contacts/${id}`)).statusCode, 404);
    });

    it('follows the account\'s retention: 0 days purges at once', async () => {
      const set = await api(t).post('/v1/subaccounts', { name: 'no-retention', settings: { retention_days: 0 } });
      assert.equal(set.statusCode, 201, set.body);
      const subMj = mailjetApi(t, (await mailjetKey(t, ['read', 'write', 'erase'], { 'on-behalf-of': 'no-retention' })).headers);
      const c = (await subMj.post('/v3/REST/contact', { Email: 'short.lived@example.com' })).json().Data[0];
      assert.equal((await subMj.delete(`/v4/contacts/${c.ID}`)).statusCode, 200);
      await drainOperations(t);
      assert.equal((await subMj.get(`/v3/REST/contact/${c.ID}`)).statusCode, 404);
    });

    it('logged none of the person\'s values', () => {
      const logs = t.logs.text();
      assert.ok(logs.includes('/v4/contacts/:id'), 'the deletes were logged, by route');
      for (const value of [PERSON.email, PERSON.email.toLowerCase(), PERSON.name, PERSON.phone, PERSON.custom, PERSON.subject, PERSON.ip, PERSON.url]) assert.ok(!logs.includes(value), value);
    });
  });
}
