import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { api, countRows, createContact, createKey, createSubAccount } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';

/** SendGrid's envelope, with the status asserted; returns the errors. */
function sendgridErrors(res: LightMyRequestResponse, status: number): Array<{ field: string | null; message: string }> {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /application\/json/);
  const body = res.json() as { errors: Array<{ field: string | null; message: string }> };
  assert.ok(Array.isArray(body.errors) && body.errors.length > 0, res.body);
  for (const e of body.errors) {
    assert.equal(typeof e.message, 'string');
    assert.ok(e.field === null || typeof e.field === 'string');
  }
  assertRateHeaders(res);
  return body.errors;
}

function assertRateHeaders(res: LightMyRequestResponse): void {
  for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
    assert.match(String(res.headers[name]), /^\d+$/, `${name} on ${res.statusCode}`);
  }
}

for (const engine of ENGINES) {
  describe(`SendGrid dialect [${engine}]`, () => {
    let t: TestApp;
    let native: Api;
    let sg: Api;
    before(async () => {
      t = await buildTestApp(engine);
      native = api(t);
      sg = api(t);
    });
    after(async () => t.close());

    it('answers 401 in SendGrid\'s shape without a key or with a bad one', async () => {
      const none = await t.app.inject({ method: 'GET', url: '/v3/marketing/contacts/count' });
      assert.deepEqual(sendgridErrors(none, 401), [{ field: null, message: 'authorization required' }]);
      const bad = await t.app.inject({ method: 'GET', url: '/v3/marketing/contacts/count', headers: { authorization: 'Bearer SG.not-a-key' } });
      sendgridErrors(bad, 401);
      const erase = await t.app.inject({ method: 'POST', url: '/v3/recipients/erasejob', payload: { email_addresses: ['a@example.com'] } });
      sendgridErrors(erase, 401);
    });

    it('answers unknown /v3 routes with 404 in SendGrid\'s shape', async () => {
      sendgridErrors(await sg.get('/v3/no/such/route'), 404);
      sendgridErrors(await sg.post('/v3/marketing/nothing', {}), 404);
    });

    it('lists the key\'s scopes in SendGrid\'s names', async () => {
      const admin = await sg.get('/v3/scopes');
      assert.equal(admin.statusCode, 200);
      const all = admin.json().scopes as string[];
      for (const s of ['recipients.erasejob.create', 'recipients.erasejob.read', 'marketing.read', 'marketing.write']) assert.ok(all.includes(s), s);
      const reader = await createKey(t, ['read']);
      const res = await api(t, t.auth(reader)).get('/v3/scopes');
      assert.deepEqual(res.json().scopes, ['marketing.read', 'recipients.erasejob.read']);
      const eraser = await createKey(t, ['erase']);
      assert.ok((await api(t, t.auth(eraser)).get('/v3/scopes')).json().scopes.includes('recipients.erasejob.create'));
    });

    it('refuses a missing scope with 403 in SendGrid\'s shape, writing nothing', async () => {
      const reader = api(t, t.auth(await createKey(t, ['read'])));
      const lists = await countRows(t, 'lists');
      sendgridErrors(await reader.post('/v3/marketing/lists', { name: 'nope' }), 403);
      sendgridErrors(await reader.post('/v3/recipients/erasejob', { email_addresses: ['a@example.com'] }), 403);
      sendgridErrors(await reader.delete('/v3/marketing/contacts?ids=00000000-0000-4000-8000-000000000000'), 403);
      assert.equal(await countRows(t, 'lists'), lists);
      const writer = api(t, t.auth(await createKey(t, ['write'])));
      sendgridErrors(await writer.get('/v3/marketing/contacts/count'), 403);
    });

    it('creates, reads and pages lists with uuids', async () => {
      const created = await sg.post('/v3/marketing/lists', { name: 'Newsletter' });
      assert.equal(created.statusCode, 201, created.body);
      const list = created.json();
      assert.match(list.id, /^[0-9a-f-]{36}$/);
      assert.equal(list.name, 'Newsletter');
      assert.equal(list.contact_count, 0);
      assert.match(list._metadata.self, new RegExp(`/v3/marketing/lists/${list.id}$`));
      sendgridErrors(await sg.post('/v3/marketing/lists', { name: 'Newsletter' }), 400);
      sendgridErrors(await sg.post('/v3/marketing/lists', { name: '' }), 400);

      const nativeList = (await native.get('/v1/lists')).json().data.find((l: { uuid: string }) => l.uuid === list.id);
      const contact = await createContact(native, { email: 'Member@Example.com', first_name: 'Mem', list_ids: [nativeList.id] });
      const one = await sg.get(`/v3/marketing/lists/${list.id}?contact_sample=true`);
      assert.equal(one.statusCode, 200, one.body);
      assert.equal(one.json().contact_count, 1);
      assert.equal(one.json().contact_sample[0].id, contact.uuid);
      assert.deepEqual(one.json().contact_sample[0].list_ids, [list.id]);
      assert.equal((await sg.get(`/v3/marketing/lists/${list.id}/contacts/count`)).json().contact_count, 1);

      await sg.post('/v3/marketing/lists', { name: 'Second' });
      const page1 = await sg.get('/v3/marketing/lists?page_size=1');
      assert.equal(page1.statusCode, 200, page1.body);
      assert.equal(page1.json().result.length, 1);
      const next = new URL(page1.json()._metadata.next as string);
      const page2 = await sg.get(`${next.pathname}${next.search}`);
      assert.equal(page2.json().result[0].name, 'Second');
      sendgridErrors(await sg.get('/v3/marketing/lists/00000000-0000-4000-8000-000000000000'), 404);
      assert.deepEqual(sendgridErrors(await sg.get('/v3/marketing/lists?page_token=forged'), 400).map((e) => e.field), ['page_token']);

      // Memberships only: the contact stays; a comma list may come unencoded.
      const removed = await t.app.inject({ method: 'DELETE', url: `/v3/marketing/lists/${list.id}/contacts?contact_ids=${contact.uuid},00000000-0000-4000-8000-000000000000`, headers: { ...t.auth(), 'content-type': 'application/json' } });
      assert.equal(removed.statusCode, 202, removed.body);
      assert.match(removed.json().job_id, /^[0-9a-f-]{36}$/);
      assert.equal((await sg.get(`/v3/marketing/lists/${list.id}`)).json().contact_count, 0);
      assert.equal((await sg.get(`/v3/marketing/contacts/${contact.uuid}`)).statusCode, 200);
      sendgridErrors(await sg.delete(`/v3/marketing/lists/${list.id}/contacts`), 400);
    });

    it('reads contacts by id, in batches, by email, and counts them', async () => {
      const a = await createContact(native, { email: 'ann@example.com', first_name: 'Ann', attributes: { city: 'Oslo' }, custom_fields: { plan: 'gold' } });
      const b = await createContact(native, { email: 'bob@example.com', last_name: 'Bobson' });
      const one = await sg.get(`/v3/marketing/contacts/${a.uuid}`);
      assert.equal(one.statusCode, 200, one.body);
      const shown = one.json();
      assert.equal(shown.id, a.uuid);
      assert.equal(shown.email, 'ann@example.com');
      assert.equal(shown.first_name, 'Ann');
      assert.equal(shown.city, 'Oslo');
      assert.deepEqual(shown.custom_fields, { plan: 'gold' });
      assert.deepEqual(shown.segment_ids, []);
      assert.match(shown.created_at, /Z$/);
      sendgridErrors(await sg.get('/v3/marketing/contacts/00000000-0000-4000-8000-000000000000'), 404);

      const batch = await sg.post('/v3/marketing/contacts/batch', { ids: [a.uuid, b.uuid, 'nope'] });
      assert.equal(batch.statusCode, 200, batch.body);
      assert.deepEqual(batch.json().result.map((c: { id: string }) => c.id).sort(), [a.uuid, b.uuid].sort());

      const search = await sg.post('/v3/marketing/contacts/search/emails', { emails: ['ANN@example.com', 'nobody@example.com'] });
      assert.equal(search.statusCode, 200, search.body);
      assert.equal(search.json().result['ANN@example.com'].contact.id, a.uuid);
      assert.equal(search.json().result['nobody@example.com'].error, 'contact not found');
      sendgridErrors(await sg.post('/v3/marketing/contacts/search/emails', { emails: ['nobody@example.com'] }), 404);
      const invalid = sendgridErrors(await sg.post('/v3/marketing/contacts/search/emails', { emails: ['bad@', 'ann@example.com', 'also bad'] }), 400);
      assert.equal(invalid.length, 2);

      const count = await sg.get('/v3/marketing/contacts/count');
      assert.equal(count.statusCode, 200);
      assert.equal(count.json().contact_count, (await native.get('/v1/contacts?limit=1000')).json().data.length);
    });

    it('keeps tenants apart and lets a parent act for its own sub-account only', async () => {
      const subId = await createSubAccount(t, 'brand-sg');
      const subContact = await createContact(api(t, { ...t.auth(), 'on-behalf-of': 'brand-sg' }), { email: 'sub@example.com' });
      sendgridErrors(await sg.get(`/v3/marketing/contacts/${subContact.uuid}`), 404);
      const viaName = await api(t, { ...t.auth(), 'on-behalf-of': 'brand-sg' }).get(`/v3/marketing/contacts/${subContact.uuid}`);
      assert.equal(viaName.statusCode, 200, viaName.body);
      const viaId = await api(t, { ...t.auth(), 'on-behalf-of': `account-id ${subId}` }).get(`/v3/marketing/contacts/${subContact.uuid}`);
      assert.equal(viaId.statusCode, 200, viaId.body);
      sendgridErrors(await api(t, { ...t.auth(), 'on-behalf-of': 'somebody-else' }).get('/v3/marketing/contacts/count'), 403);
    });

    it('validates DELETE /v3/marketing/contacts: exactly one of ids and delete_all_contacts, ids as UUIDs, nothing queued', async () => {
      const headers = { ...t.auth(), 'content-type': 'application/json' };
      const before = await t.lethe.store.handle.db.selectFrom('operations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const neither = await t.app.inject({ method: 'DELETE', url: '/v3/marketing/contacts', headers });
      const [error] = sendgridErrors(neither, 400);
      assert.equal(error?.message, "either 'ids' OR 'delete_all_contacts' should be supplied as query param");
      sendgridErrors(await t.app.inject({ method: 'DELETE', url: '/v3/marketing/contacts?ids=a&delete_all_contacts=true', headers }), 400);
      sendgridErrors(await t.app.inject({ method: 'DELETE', url: '/v3/marketing/contacts?delete_all_contacts=yes', headers }), 400);
      sendgridErrors(await t.app.inject({ method: 'DELETE', url: '/v3/marketing/contacts?ids=', headers }), 400);
      const notUuid = sendgridErrors(await t.app.inject({ method: 'DELETE', url: '/v3/marketing/contacts?ids=a,7f3e1a56-3b1c-4c83-9d6e-0a0c2b1f9e11', headers }), 400);
      assert.equal(notUuid[0]?.field, 'ids');
      const after = await t.lethe.store.handle.db.selectFrom('operations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(after.n), Number(before.n), 'nothing queued');
    });

    it('validates the erase job: each bad address listed, too many, too large, nothing queued', async () => {
      const before = await t.lethe.store.handle.db.selectFrom('operations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const bad = sendgridErrors(await sg.post('/v3/recipients/erasejob', { email_addresses: ['good@example.com', 'user1@gml', 'no-at-sign', 'user1@gml'] }), 400);
      assert.deepEqual(bad, [
        { field: 'email_addresses', message: 'Email_address user1@gml is not valid' },
        { field: 'email_addresses', message: 'Email_address no-at-sign is not valid' },
      ]);
      sendgridErrors(await sg.post('/v3/recipients/erasejob', { email_addresses: [] }), 400);
      sendgridErrors(await sg.post('/v3/recipients/erasejob', {}), 400);
      const many = Array.from({ length: 5001 }, (_, i) => `u${i}@example.com`);
      sendgridErrors(await sg.post('/v3/recipients/erasejob', { email_addresses: many }), 400);
      const large = Array.from({ length: 1300 }, (_, i) => `${'x'.repeat(200)}${i}@example.com`);
      assert.ok(JSON.stringify({ email_addresses: large }).length > 256 * 1024);
      sendgridErrors(await sg.post('/v3/recipients/erasejob', { email_addresses: large }), 413);
      const after = await t.lethe.store.handle.db.selectFrom('operations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(after.n), Number(before.n));
    });

    it('sends the rate-limit headers on every response', async () => {
      const res = await sg.get('/v3/marketing/contacts/count');
      assertRateHeaders(res);
      assert.equal(res.headers['x-ratelimit-limit'], '600');
      const next = await sg.get('/v3/marketing/contacts/count');
      assert.equal(Number(next.headers['x-ratelimit-remaining']), Number(res.headers['x-ratelimit-remaining']) - 1);
      assert.ok(Number(res.headers['x-ratelimit-reset']) * 1000 > t.clock.now());
    });

    it('answers an unexpected failure with a plain 500 in SendGrid\'s shape', async () => {
      const contacts = t.lethe.core.contacts;
      const original = contacts.count.bind(contacts);
      contacts.count = async () => {
        throw new Error('database on fire');
      };
      try {
        const errors = sendgridErrors(await sg.get('/v3/marketing/contacts/count'), 500);
        assert.deepEqual(errors, [{ field: null, message: 'internal server error' }]);
      } finally {
        contacts.count = original;
      }
    });

    it('documents every /v3 route in the OpenAPI document under the SendGrid tag', async () => {
      const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { tags?: string[]; summary?: string }>> };
      const expected = [
        'get /v3/scopes',
        'put /v3/marketing/contacts',
        'delete /v3/marketing/contacts',
        'get /v3/marketing/contacts/{id}',
        'post /v3/marketing/contacts/batch',
        'post /v3/marketing/contacts/search/emails',
        'get /v3/marketing/contacts/count',
        'get /v3/marketing/contacts/imports/{id}',
        'post /v3/marketing/lists',
        'get /v3/marketing/lists',
        'get /v3/marketing/lists/{id}',
        'delete /v3/marketing/lists/{id}',
        'delete /v3/marketing/lists/{id}/contacts',
        'post /v3/recipients/erasejob',
        'get /v3/recipients/erasejob/{job_id}',
      ];
      for (const route of expected) {
        const [method = '', path = ''] = route.split(' ');
        const op = doc.paths[path]?.[method];
        assert.ok(op?.summary, `${route} is documented`);
        assert.deepEqual(op.tags, ['SendGrid'], route);
      }
      assert.match(doc.paths['/v3/recipients/erasejob/{job_id}']?.get?.summary ?? '', /Lethe extension/);
    });

    it('deletes a list with its contacts as a job; without delete_contacts only the list goes', async () => {
      const listUuid = (await sg.post('/v3/marketing/lists', { name: 'Doomed' })).json().id as string;
      const keptUuid = (await sg.post('/v3/marketing/lists', { name: 'Only the list' })).json().id as string;
      const ids = new Map(((await native.get('/v1/lists?limit=1000')).json().data as Array<{ id: number; uuid: string }>).map((l) => [l.uuid, l.id]));
      const member = await createContact(native, { email: 'doomed@example.com', list_ids: [ids.get(listUuid)] });
      const other = await createContact(native, { email: 'kept@example.com', list_ids: [ids.get(keptUuid)] });
      const outsider = await createContact(native, { email: 'outsider@example.com' });

      // Deleting the contacts too needs the erase scope.
      const writer = api(t, t.auth(await createKey(t, ['read', 'write'])));
      sendgridErrors(await writer.delete(`/v3/marketing/lists/${listUuid}?delete_contacts=true`), 403);
      assert.equal((await sg.get(`/v3/marketing/lists/${listUuid}`)).statusCode, 200, 'a refused request changes nothing');

      const res = await t.app.inject({ method: 'DELETE', url: `/v3/marketing/lists/${listUuid}?delete_contacts=true`, headers: { ...t.auth(), 'content-type': 'application/json' } });
      assert.equal(res.statusCode, 200, res.body);
      const jobId = res.json().job_id as string;
      sendgridErrors(await sg.get(`/v3/marketing/lists/${listUuid}`), 404);
      await drainOperations(t);
      const job = await sg.get(`/v3/marketing/contacts/imports/${jobId}`);
      assert.equal(job.statusCode, 200, job.body);
      assert.equal(job.json().job_type, 'delete');
      assert.equal(job.json().status, 'completed');
      assert.equal(job.json().results.deleted_count, 1);
      sendgridErrors(await sg.get(`/v3/marketing/contacts/${member.uuid}`), 404);
      assert.equal((await native.get(`/v1/contacts/${member.id}`)).statusCode, 404, 'purged: the row is gone');
      assert.equal((await sg.get(`/v3/marketing/contacts/${outsider.uuid}`)).statusCode, 200);
      // A delete job is no erase job, and the other way round.
      sendgridErrors(await sg.get(`/v3/recipients/erasejob/${jobId}`), 404);

      const plain = await sg.delete(`/v3/marketing/lists/${keptUuid}`);
      assert.equal(plain.statusCode, 204, plain.body);
      sendgridErrors(await sg.get(`/v3/marketing/lists/${keptUuid}`), 404);
      assert.equal((await sg.get(`/v3/marketing/contacts/${other.uuid}`)).statusCode, 200, 'the contacts of a deleted list stay');
      // An empty list has no job: 204.
      const empty = (await sg.post('/v3/marketing/lists', { name: 'Empty' })).json().id as string;
      assert.equal((await sg.delete(`/v3/marketing/lists/${empty}?delete_contacts=true`)).statusCode, 204);
    });

    it('reports created and updated contacts of an upsert job, and keeps jobs of other accounts hidden', async () => {
      const first = await sg.put('/v3/marketing/contacts', { contacts: [{ email: 'up1@example.com', first_name: 'One' }, { email: 'up2@example.com' }] });
      assert.equal(first.statusCode, 202, first.body);
      await drainOperations(t);
      const second = await sg.put('/v3/marketing/contacts', { contacts: [{ email: 'UP1@example.com', last_name: 'Updated' }, { email: 'up3@example.com' }] });
      await drainOperations(t);
      const job = (await sg.get(`/v3/marketing/contacts/imports/${second.json().job_id}`)).json();
      assert.equal(job.status, 'completed');
      assert.deepEqual(job.results, { requested_count: 2, created_count: 1, updated_count: 1, errored_count: 0 });
      assert.match(job.started_at, /Z$/);
      assert.match(job.finished_at, /Z$/);
      const found = (await sg.post('/v3/marketing/contacts/search/emails', { emails: ['up1@example.com'] })).json().result['up1@example.com'].contact;
      assert.equal(found.first_name, 'One');
      assert.equal(found.last_name, 'Updated');

      await createSubAccount(t, 'jobs-elsewhere');
      sendgridErrors(await api(t, { ...t.auth(), 'on-behalf-of': 'jobs-elsewhere' }).get(`/v3/marketing/contacts/imports/${second.json().job_id}`), 404);
      sendgridErrors(await sg.get('/v3/marketing/contacts/imports/not-a-job'), 404);
    });

    it('logs no addresses', () => {
      for (const address of ['ann@example.com', 'user1@gml', 'no-at-sign', 'nobody@example.com', 'doomed@example.com', 'up1@example.com']) assert.ok(!t.logs.text().includes(address), address);
    });
  });
}
