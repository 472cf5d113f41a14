import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { api, countRows, createContact, markErased, markSoftDeleted } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';

for (const engine of ENGINES) {
  describe(`lists and memberships [${engine}]`, () => {
    let t: TestApp;
    let c: Api;
    before(async () => {
      t = await buildTestApp(engine);
      c = api(t);
    });
    after(async () => t.close());

    const createList = async (name: string, description?: string) => {
      const res = await c.post('/v1/lists', { name, ...(description !== undefined ? { description } : {}) });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: number; uuid: string; name: string; description: string | null };
    };

    it('creates, reads, renames and lists lists; names are unique per account', async () => {
      const list = await createList('Newsletter', 'weekly');
      assert.match(list.uuid, /^[0-9a-f-]{36}$/);
      assert.equal(list.description, 'weekly');
      assert.deepEqual((await c.get(`/v1/lists/${list.id}`)).json(), list);
      const dup = await c.post('/v1/lists', { name: 'Newsletter' });
      assert.equal(dup.statusCode, 409);
      assert.equal(dup.json().field, 'name');

      const other = await createList('Offers');
      const renamed = await c.patch(`/v1/lists/${other.id}`, { name: 'Deals', description: null });
      assert.equal(renamed.statusCode, 200);
      assert.equal(renamed.json().name, 'Deals');
      assert.equal(renamed.json().description, null);
      const clash = await c.patch(`/v1/lists/${other.id}`, { name: 'Newsletter' });
      assert.equal(clash.statusCode, 409);
      assert.equal((await c.get(`/v1/lists/${other.id}`)).json().name, 'Deals');
      assert.equal((await c.patch(`/v1/lists/${other.id}`, { name: 'Deals' })).statusCode, 200, 'keeping its own name is fine');

      for (let i = 0; i < 3; i++) await createList(`extra-${i}`);
      const first = (await c.get('/v1/lists?limit=2')).json();
      assert.deepEqual(first.data.map((l: { name: string }) => l.name), ['Newsletter', 'Deals']);
      const rest = (await c.get(`/v1/lists?limit=10&cursor=${first.next_cursor}`)).json();
      assert.deepEqual(rest.data.map((l: { name: string }) => l.name), ['extra-0', 'extra-1', 'extra-2']);
      assert.equal(rest.next_cursor, null);
    });

    it('refuses bad lists with 400 and writes nothing', async () => {
      const before = await countRows(t, 'lists');
      for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(256) }, { name: 'ok', colour: 'red' }, { name: 5 }, { name: 'ok', description: 'x'.repeat(1001) }]) {
        const res = await c.post('/v1/lists', body);
        assert.equal(res.statusCode, 400, JSON.stringify(body).slice(0, 80));
      }
      assert.equal(await countRows(t, 'lists'), before);
      assert.equal((await c.get('/v1/lists/999999')).statusCode, 404);
      assert.equal((await c.patch('/v1/lists/999999', { name: 'x' })).statusCode, 404);
      assert.equal((await c.delete('/v1/lists/999999')).statusCode, 404);
    });

    it('adds members idempotently and reports unknown, deleted and erased contacts per item', async () => {
      const list = await createList('members-add');
      const a = await createContact(c, { email: 'm.a@example.com' });
      const b = await createContact(c, { email: 'm.b@example.com' });
      const gone = await createContact(c, { email: 'm.gone@example.com' });
      const erased = await createContact(c, { email: 'm.erased@example.com' });
      await markSoftDeleted(t, gone.id);
      await markErased(t, erased.id);

      const res = await c.post(`/v1/lists/${list.id}/members`, { contact_ids: [a.id, 987654, b.id, gone.id, erased.id, a.id] });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.added, 2);
      assert.equal(body.unchanged, 0);
      assert.deepEqual(body.errors, [
        { index: 1, contact_id: 987654, message: 'contact not found' },
        { index: 3, contact_id: gone.id, message: 'contact is deleted' },
        { index: 4, contact_id: erased.id, message: 'contact is erased' },
      ]);
      const again = (await c.post(`/v1/lists/${list.id}/members`, { contact_ids: [a.id, b.id] })).json();
      assert.deepEqual(again, { added: 0, unchanged: 2, errors: [] });
      assert.deepEqual((await c.get(`/v1/contacts/${a.id}`)).json().list_ids, [list.id]);

      const members = (await c.get(`/v1/lists/${list.id}/members?limit=1`)).json();
      assert.deepEqual(members.data.map((m: { id: number }) => m.id), [a.id]);
      const next = (await c.get(`/v1/lists/${list.id}/members?limit=1&cursor=${members.next_cursor}`)).json();
      assert.deepEqual(next.data.map((m: { id: number }) => m.id), [b.id]);
      assert.equal(next.next_cursor, null);
    });

    it('removes memberships only, and deleting a list keeps its contacts', async () => {
      const list = await createList('members-remove');
      const keep = await createList('members-keep');
      const a = await createContact(c, { email: 'r.a@example.com', list_ids: [list.id, keep.id] });
      const b = await createContact(c, { email: 'r.b@example.com', list_ids: [list.id] });
      const removed = (await c.delete(`/v1/lists/${list.id}/members`, { contact_ids: [a.id, 424242] })).json();
      assert.deepEqual(removed, { removed: 1, not_members: 1 });
      assert.deepEqual((await c.get(`/v1/contacts/${a.id}`)).json().list_ids, [keep.id]);
      assert.equal((await c.get(`/v1/contacts/${a.id}`)).json().status, 'active');

      const del = await c.delete(`/v1/lists/${list.id}`);
      assert.equal(del.statusCode, 204);
      assert.equal((await c.get(`/v1/lists/${list.id}`)).statusCode, 404);
      assert.equal((await c.get(`/v1/lists/${list.id}/members`)).statusCode, 404);
      const bAfter = (await c.get(`/v1/contacts/${b.id}`)).json();
      assert.equal(bAfter.status, 'active', 'the contact stays');
      assert.deepEqual(bAfter.list_ids, []);
      assert.deepEqual((await c.get(`/v1/contacts/${a.id}`)).json().list_ids, [keep.id], 'other lists are untouched');
    });

    it('refuses member requests that are empty, too large or malformed, writing nothing', async () => {
      const list = await createList('members-bad');
      const before = await countRows(t, 'list_memberships');
      const tooMany = Array.from({ length: 10_001 }, (_, i) => i + 1);
      for (const body of [{ contact_ids: [] }, { contact_ids: tooMany }, { contact_ids: ['1'] }, { contact_ids: [0] }, { ids: [1] }]) {
        for (const method of ['POST', 'DELETE'] as const) {
          const res = await c.request(method, `/v1/lists/${list.id}/members`, body);
          assert.equal(res.statusCode, 400, `${method} ${JSON.stringify(body).slice(0, 40)}`);
        }
      }
      assert.equal((await c.post('/v1/lists/999999/members', { contact_ids: [1] })).statusCode, 404);
      assert.equal(await countRows(t, 'list_memberships'), before);
    });

    it('takes 10,000 members in one request', async () => {
      const list = await createList('members-many');
      const results = await t.lethe.core.contacts.upsertMany(t.accountId, Array.from({ length: 10_000 }, (_, i) => ({ email: `bulk${i}@example.com` })), { source: 'test' });
      const ids = results.map((r) => (r.outcome === 'invalid' ? 0 : r.contactId));
      const res = await c.post(`/v1/lists/${list.id}/members`, { contact_ids: ids });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { added: 10_000, unchanged: 0, errors: [] });
      const removed = await c.delete(`/v1/lists/${list.id}/members`, { contact_ids: ids });
      assert.deepEqual(removed.json(), { removed: 10_000, not_members: 0 });
    });
  });
}
