import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, countRows, createContact } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { mailjetApi, mailjetKey } from '../helpers/mailjet.js';
import type { MailjetApi } from '../helpers/mailjet.js';
import { drainOperations } from '../helpers/operations.js';
import { MAILJET, NATIVE, SENDGRID } from '../conformance/surfaces.js';

// Issue 19 item 3: on PostgreSQL, `%00` in a path parameter and `\u0000` in a text field
// answered 500, and one such row made a whole import or SendGrid upsert job fail. Control
// characters are refused with a 400 in each surface's shape; in bulk rows a bad row is an
// invalid row and the rest are written.
const NUL = '\u0000';

for (const engine of ENGINES) {
  describe(`control characters (${engine})`, () => {
    let t: TestApp;
    let client: Api;
    let mj: MailjetApi;
    let contact: { id: number; uuid: string };
    const sg = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
      t.app.inject({ method, url, headers: t.auth(), ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });

    before(async () => {
      t = await buildTestApp(engine);
      client = api(t);
      mj = mailjetApi(t, (await mailjetKey(t)).headers);
      contact = await createContact(client, { email: 'ann@example.com', external_key: 'ann' });
    });
    after(() => t.close());

    it('refuses them in path parameters and queries, in each surface shape', async () => {
      for (const url of ['/v1/contacts/by-external-key/%00', '/v1/contacts/by-uuid/%00', '/v1/contacts/by-external-key/a%01b', '/v1/lists?name=%00', '/v1/operations/%00']) {
        NATIVE.assertError(await client.get(url), 400);
      }
      for (const url of ['/v3/marketing/contacts/%00', '/v3/marketing/lists/%00', '/v3/recipients/erasejob/%00']) SENDGRID.assertError(await sg('GET', url), 400);
      SENDGRID.assertError(await sg('DELETE', '/v3/marketing/contacts?ids=%00'), 400);
      for (const url of ['/v3/REST/contact/%00', '/v3/REST/contact/a%00@example.com', '/v3/REST/contactslist/%00']) MAILJET.assertError(await mj.get(url), 400);
      MAILJET.assertError(await mj.delete('/v4/contacts/%00'), 400);
    });

    it('refuses them in text fields, in each surface shape, and writes nothing', async () => {
      const contacts = await countRows(t, 'contacts');
      const lists = await countRows(t, 'lists');
      const native: Array<[string, string, unknown]> = [
        ['POST', '/v1/contacts', { email: 'b@example.com', first_name: `a${NUL}b` }],
        ['POST', '/v1/contacts', { email: 'b@example.com', custom_fields: { plan: `x${NUL}` } }],
        ['POST', '/v1/contacts', { email: 'b@example.com', custom_fields: { [`p${NUL}`]: 'x' } }],
        ['POST', '/v1/contacts', { email: 'b@example.com', attributes: { city: `x${NUL}` } }],
        ['PUT', '/v1/contacts', { email: 'b@example.com', last_name: 'a\u001bb' }],
        ['PATCH', `/v1/contacts/${contact.id}`, { phone: `1${NUL}` }],
        ['POST', '/v1/lists', { name: `l${NUL}` }],
        ['POST', '/v1/keys', { name: `k${NUL}`, scopes: ['read'] }],
        ['POST', '/v1/events', { events: [{ email: 'ann@example.com', type: 'open', subject: `s${NUL}` }] }],
        ['POST', '/v1/contacts/lookup', { emails: [`ann${NUL}@example.com`] }],
        ['POST', '/v1/operations', { action: 'erase', label: `x${NUL}`, selector: { ids: [contact.id] } }],
      ];
      for (const [method, url, body] of native) NATIVE.assertError(await client.request(method as 'POST', url, body), 400);
      SENDGRID.assertError(await sg('POST', '/v3/marketing/lists', { name: `l${NUL}` }), 400);
      SENDGRID.assertError(await sg('POST', '/v3/marketing/contacts/search/emails', { emails: [`ann${NUL}@example.com`] }), 400);
      SENDGRID.assertError(await sg('POST', '/v3/recipients/erasejob', { email_addresses: [`ann${NUL}@example.com`] }), 400);
      SENDGRID.assertError(await sg('PUT', '/v3/marketing/contacts', { list_ids: [NUL], contacts: [{ email: 'c@example.com' }] }), 400);
      MAILJET.assertError(await mj.post('/v3/REST/contact', { Email: 'c@example.com', Name: `n${NUL}` }), 400);
      MAILJET.assertError(await mj.put(`/v3/REST/contact/${contact.id}`, { Name: `n${NUL}` }), 400);
      MAILJET.assertError(await mj.post('/v3/REST/contactslist', { Name: `l${NUL}` }), 400);
      assert.equal(await countRows(t, 'contacts'), contacts);
      assert.equal(await countRows(t, 'lists'), lists);
      // Tab and line breaks stay allowed in free text.
      const ok = await client.post('/v1/contacts', { email: 'free@example.com', unsubscribe_reason: 'line one\r\nline\ttwo', custom_fields: { note: 'a\nb' } });
      assert.equal(ok.statusCode, 201, ok.body);
    });

    it('counts an external key with a control character as an invalid target of an operation', async () => {
      const res = await client.post('/v1/operations', { action: 'soft_delete', selector: { external_keys: [`a${NUL}b`, 'ann'] } });
      assert.equal(res.statusCode, 202, res.body);
      await drainOperations(t, { schedule: false });
      const op = (await client.get(`/v1/operations/${(res.json() as { id: number }).id}`)).json() as { state: string; counts: Record<string, number> };
      assert.equal(op.state, 'completed');
      assert.equal(op.counts.invalid, 1);
      assert.equal(op.counts.succeeded, 1);
      await client.post('/v1/operations', { action: 'restore', selector: { external_keys: ['ann'] } });
      await drainOperations(t, { schedule: false });
    });

    it('makes a bad row of an import an invalid row; the rest are created (JSON and CSV)', async () => {
      const json = await client.post('/v1/imports', {
        contacts: [
          { email: 'i1@example.com', first_name: `x${NUL}` },
          { email: 'i2@example.com', custom_fields: { plan: `g${NUL}` } },
          { email: 'i3@example.com', first_name: 'Ok' },
        ],
      });
      assert.equal(json.statusCode, 202, json.body);
      const csv = await t.app.inject({ method: 'POST', url: '/v1/imports', headers: { ...t.auth(), 'content-type': 'text/csv' }, payload: `email,first_name,custom.plan\ni4@example.com,a${NUL}b,\ni5@example.com,Ok,gold\ni6@example.com,,x${NUL}\n` });
      assert.equal(csv.statusCode, 202, csv.body);
      await drainOperations(t, { schedule: false });
      for (const [res, created, invalid] of [[json, 1, 2], [csv, 1, 2]] as const) {
        const id = (res.json() as { id: number }).id;
        const status = (await client.get(`/v1/imports/${id}`)).json() as { state: string; created: number; invalid: number };
        assert.equal(status.state, 'completed', JSON.stringify(status));
        assert.equal(status.created, created);
        assert.equal(status.invalid, invalid);
        const errors = (await client.get(`/v1/imports/${id}/errors`)).json() as { data: Array<{ row: number; field: string; message: string }> };
        assert.equal(errors.data.length, invalid);
        for (const e of errors.data) assert.match(e.message, /control characters/);
      }
    });

    it('makes a bad row of a SendGrid upsert an errored row; the rest are created', async () => {
      const res = await sg('PUT', '/v3/marketing/contacts', {
        contacts: [
          { email: 'u1@example.com', first_name: `x${NUL}` },
          { email: 'u2@example.com', city: `c${NUL}` },
          { email: 'u3@example.com', first_name: 'Ok' },
        ],
      });
      assert.equal(res.statusCode, 202, res.body);
      await drainOperations(t, { schedule: false });
      const job = (await sg('GET', `/v3/marketing/contacts/imports/${(res.json() as { job_id: string }).job_id}`)).json() as { status: string; results: Record<string, number> };
      assert.equal(job.status, 'errored', JSON.stringify(job));
      assert.equal(job.results.errored_count, 2);
      const found = (await sg('POST', '/v3/marketing/contacts/search/emails', { emails: ['u3@example.com'] })).json() as { result: Record<string, unknown> };
      assert.ok(found.result['u3@example.com'], JSON.stringify(found));
    });
  });
}
