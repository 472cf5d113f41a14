import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { api, countRows, createContact, markErased, markSoftDeleted } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';

for (const engine of ENGINES) {
  describe(`contacts [${engine}]`, () => {
    let t: TestApp;
    let c: Api;
    before(async () => {
      t = await buildTestApp(engine);
      c = api(t);
    });
    after(async () => t.close());

    it('creates a contact and reads it by id, uuid and external key', async () => {
      const list = (await c.post('/v1/lists', { name: 'welcome' })).json();
      const created = await createContact(c, {
        email: 'Ada.Lovelace@Example.org',
        external_key: 'crm-1',
        first_name: 'Ada',
        last_name: 'Lovelace',
        phone: '+44 20 7946 0000',
        custom_fields: { plan: 'pro', seats: 3, vip: true },
        attributes: { city: 'London', country: 'GB' },
        opt_in_status: 'explicit',
        opt_in_at: '2025-03-01T10:00:00Z',
        opt_in_ip: '2001:db8::1',
        excluded_from_campaigns: true,
        list_ids: [list.id],
      });
      assert.equal(created.email, 'Ada.Lovelace@Example.org', 'stored as given');
      assert.deepEqual(created.custom_fields, { plan: 'pro', seats: 3, vip: true });
      assert.deepEqual(created.attributes, { city: 'London', country: 'GB' });
      assert.equal(created.opt_in_at, '2025-03-01T10:00:00.000Z');
      assert.equal(created.excluded_from_campaigns, true);
      assert.equal(created.status, 'active');
      assert.equal(created.create_source, 'native');
      assert.deepEqual(created.list_ids, [list.id]);
      assert.match(created.uuid, /^[0-9a-f-]{36}$/);

      for (const url of [`/v1/contacts/${created.id}`, `/v1/contacts/by-uuid/${created.uuid}`, '/v1/contacts/by-external-key/crm-1']) {
        const res = await c.get(url);
        assert.equal(res.statusCode, 200, url);
        assert.deepEqual(res.json(), created, url);
      }
      for (const url of ['/v1/contacts/999999', '/v1/contacts/by-uuid/00000000-0000-0000-0000-000000000000', '/v1/contacts/by-external-key/nope']) {
        const res = await c.get(url);
        assert.equal(res.statusCode, 404, url);
        assert.equal(res.json().code, 'NOT_FOUND');
      }
    });

    it('refuses a duplicate email (any case) or external key with 409, writing nothing', async () => {
      await createContact(c, { email: 'dup@example.com', external_key: 'dup-key' });
      const before = await countRows(t, 'contacts');
      const email = await c.post('/v1/contacts', { email: 'DUP@example.COM' });
      assert.equal(email.statusCode, 409);
      assert.equal(email.json().code, 'ALREADY_EXISTS');
      assert.equal(email.json().field, 'email');
      const key = await c.post('/v1/contacts', { email: 'other@example.com', external_key: 'dup-key' });
      assert.equal(key.statusCode, 409);
      assert.equal(key.json().field, 'external_key');
      assert.equal(await countRows(t, 'contacts'), before);
    });

    it('upserts by email: creates (201), then changes only the given fields (200)', async () => {
      const first = await c.put('/v1/contacts', { email: 'grace@example.com', first_name: 'Grace', custom_fields: { a: 1, b: 'two' }, attributes: { city: 'Arlington' } });
      assert.equal(first.statusCode, 201, first.body);
      const again = await c.put('/v1/contacts', { email: 'Grace@Example.com', last_name: 'Hopper', custom_fields: { a: null, c: false } });
      assert.equal(again.statusCode, 200, again.body);
      const body = again.json();
      assert.equal(body.id, first.json().id);
      assert.equal(body.first_name, 'Grace', 'an omitted field stays');
      assert.equal(body.last_name, 'Hopper');
      assert.deepEqual(body.custom_fields, { b: 'two', c: false }, 'custom fields merge; null removes a field');
      assert.deepEqual(body.attributes, { city: 'Arlington' });
      assert.equal(body.email, 'Grace@Example.com');
    });

    it('brings a soft-deleted contact back on upsert, and refuses to create its address anew', async () => {
      const contact = await createContact(c, { email: 'lin@example.com', first_name: 'Lin' });
      await markSoftDeleted(t, contact.id);
      const deleted = (await c.get(`/v1/contacts/${contact.id}`)).json();
      assert.equal(deleted.status, 'deleted');
      assert.equal(deleted.purge_at, null, 'no restore window set: kept until restored');
      const create = await c.post('/v1/contacts', { email: 'lin@example.com' });
      assert.equal(create.statusCode, 409, 'a soft-deleted contact still holds its address');
      const res = await c.put('/v1/contacts', { email: 'lin@example.com', last_name: 'Lee' });
      assert.equal(res.statusCode, 200, res.body);
      const back = res.json();
      assert.equal(back.id, contact.id);
      assert.equal(back.status, 'active');
      assert.equal(back.deleted_at, null);
      assert.equal(back.purge_at, null);
      assert.equal(back.first_name, 'Lin', 'its data was kept');
    });

    it('shows an erased contact\'s shell, refuses to change it, and gives its address to a fresh contact', async () => {
      const contact = await createContact(c, { email: 'erin@example.com', first_name: 'Erin' });
      await markErased(t, contact.id);
      const shell = await c.get(`/v1/contacts/${contact.id}`);
      assert.equal(shell.statusCode, 200);
      assert.equal(shell.json().status, 'erased');
      assert.equal(shell.json().email, null);
      const patch = await c.patch(`/v1/contacts/${contact.id}`, { first_name: 'Back' });
      assert.equal(patch.statusCode, 409);
      assert.equal(patch.json().code, 'CONFLICT');
      assert.equal((await c.get(`/v1/contacts/${contact.id}`)).json().first_name, null, 'nothing written');

      const fresh = await c.put('/v1/contacts', { email: 'erin@example.com' });
      assert.equal(fresh.statusCode, 201, fresh.body);
      assert.notEqual(fresh.json().id, contact.id);
      assert.equal(fresh.json().first_name, null, 'nothing of the erased contact comes back');
      const lookup = (await c.post('/v1/contacts/lookup', { emails: ['erin@example.com'] })).json();
      assert.deepEqual(lookup.data.map((x: { id: number }) => x.id), [fresh.json().id]);
    });

    it('patches only the given fields, and null clears one', async () => {
      const contact = await createContact(c, { email: 'pat@example.com', first_name: 'Pat', phone: '123', custom_fields: { x: 'y' }, opt_in_at: '2025-01-01T00:00:00Z' });
      t.clock.advance(1000);
      const res = await c.patch(`/v1/contacts/${contact.id}`, { phone: null, last_name: 'Doe', opt_in_at: null, attributes: { postal_code: '12345' } });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.first_name, 'Pat');
      assert.equal(body.phone, null);
      assert.equal(body.last_name, 'Doe');
      assert.equal(body.opt_in_at, null);
      assert.deepEqual(body.custom_fields, { x: 'y' });
      assert.deepEqual(body.attributes, { postal_code: '12345' });
      assert.ok(Date.parse(body.updated_at) > Date.parse(contact.created_at as string));
      assert.equal((await c.patch(`/v1/contacts/${contact.id}`, { custom_fields: null })).json().custom_fields.x, undefined);
    });

    it('refuses a patch to a taken email, to no identity, to an unknown id, or with nothing to change', async () => {
      await createContact(c, { email: 'taken@example.com' });
      const contact = await createContact(c, { email: 'mine@example.com' });
      const taken = await c.patch(`/v1/contacts/${contact.id}`, { email: 'TAKEN@example.com' });
      assert.equal(taken.statusCode, 409);
      assert.equal(taken.json().field, 'email');
      const none = await c.patch(`/v1/contacts/${contact.id}`, { email: null });
      assert.equal(none.statusCode, 400);
      assert.equal((await c.get(`/v1/contacts/${contact.id}`)).json().email, 'mine@example.com');
      assert.equal((await c.patch('/v1/contacts/987654', { first_name: 'x' })).statusCode, 404);
      assert.equal((await c.patch(`/v1/contacts/${contact.id}`, {})).statusCode, 400);
      assert.equal((await c.get('/v1/contacts/abc')).statusCode, 400);
    });

    it('looks contacts up by email in the body, case-insensitively, and counts the misses', async () => {
      const a = await createContact(c, { email: 'look.a@example.com' });
      const b = await createContact(c, { email: 'look.b@example.com' });
      const res = await c.post('/v1/contacts/lookup', { emails: ['LOOK.A@example.com', 'look.b@example.com', 'look.a@example.com', 'missing@example.com'] });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(body.data.map((x: { id: number }) => x.id).sort(), [a.id, b.id].sort());
      assert.equal(body.not_found, 1);
      assert.deepEqual(
        body.results.map((r: { index: number; outcome: string; contact_id: number | null }) => [r.index, r.outcome, r.contact_id]),
        [[0, 'found', a.id], [1, 'found', b.id], [2, 'found', a.id], [3, 'not_found', null]],
      );
      const mixed = await c.post('/v1/contacts/lookup', { emails: ['  look.a@example.com ', 'not-an-address', 'nobody@example.com'] });
      assert.equal(mixed.statusCode, 200, 'one bad address does not fail the others');
      assert.deepEqual(
        mixed.json().results.map((r: { email: string; outcome: string }) => [r.email, r.outcome]),
        [['look.a@example.com', 'found'], ['not-an-address', 'invalid'], ['nobody@example.com', 'not_found']],
      );
      assert.deepEqual([mixed.json().invalid, mixed.json().not_found, mixed.json().data.length], [1, 1, 1]);
      const tooMany = await c.post('/v1/contacts/lookup', { emails: Array.from({ length: 1001 }, (_, i) => `u${i}@example.com`) });
      assert.equal(tooMany.statusCode, 400);
      assert.equal((await c.post('/v1/contacts/lookup', { emails: [] })).statusCode, 400);
    });

    it('accepts a contact with an external key and no email', async () => {
      const contact = await createContact(c, { external_key: 'mc-0001', first_name: 'Keyed' });
      assert.equal(contact.email, null);
      assert.equal((await c.get('/v1/contacts/by-external-key/mc-0001')).json().id, contact.id);
      const nobody = await c.post('/v1/contacts', { first_name: 'Nobody' });
      assert.equal(nobody.statusCode, 400);
      assert.equal(nobody.json().field, 'email');
    });
  });
}
