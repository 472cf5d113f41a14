import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { api, countRows, createContact } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';

const tooManyFields = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}`, i]));

/** Bodies a create must refuse with 400, and why. */
const BAD_CONTACTS: Array<[string, Record<string, unknown>]> = [
  ['an unknown field', { email: 'v@example.com', colour: 'red' }],
  ['a name of the wrong type', { email: 'v@example.com', first_name: 42 }],
  ['a boolean as text', { email: 'v@example.com', excluded_from_campaigns: 'yes' }],
  ['custom fields as an array', { email: 'v@example.com', custom_fields: [1, 2] }],
  ['a custom field holding an object', { email: 'v@example.com', custom_fields: { nested: { a: 1 } } }],
  ['an invalid email', { email: 'not an address' }],
  ['an email without a domain', { email: 'someone@' }],
  ['an oversized first name', { email: 'v@example.com', first_name: 'x'.repeat(256) }],
  ['too many custom fields', { email: 'v@example.com', custom_fields: tooManyFields }],
  ['an oversized custom value', { email: 'v@example.com', custom_fields: { note: 'x'.repeat(2001) } }],
  ['a badly named attribute', { email: 'v@example.com', attributes: { City: 'Oslo' } }],
  ['an attribute that is not text', { email: 'v@example.com', attributes: { city: 7 } }],
  ['an invalid opt-in IP', { email: 'v@example.com', opt_in_ip: '999.1.1.1' }],
  ['an opt-in time that is no time', { email: 'v@example.com', opt_in_at: 'last tuesday' }],
  ['no email and no external key', { first_name: 'Nobody' }],
  ['a blank external key', { email: 'v@example.com', external_key: '   ' }],
  ['too many lists', { email: 'v@example.com', list_ids: Array.from({ length: 101 }, (_, i) => i + 1) }],
  ['a list id of the wrong type', { email: 'v@example.com', list_ids: ['1'] }],
];

for (const engine of ENGINES) {
  describe(`contact validation [${engine}]`, () => {
    let t: TestApp;
    let c: Api;
    before(async () => {
      t = await buildTestApp(engine);
      c = api(t);
    });
    after(async () => t.close());

    it('answers 400 problem details for bad contacts, and writes nothing', async () => {
      for (const [why, body] of BAD_CONTACTS) {
        for (const method of ['POST', 'PUT'] as const) {
          if (method === 'PUT' && !('email' in body)) continue;
          const res = await c.request(method, '/v1/contacts', body);
          assert.equal(res.statusCode, 400, `${method} with ${why}: ${res.body}`);
          assert.match(String(res.headers['content-type']), /application\/problem\+json/);
          assert.equal(res.json().code, 'VALIDATION_FAILED', why);
        }
      }
      assert.equal(await countRows(t, 'contacts'), 0, 'nothing written');
    });

    it('names the field at fault', async () => {
      const res = await c.post('/v1/contacts', { email: 'v@example.com', custom_fields: { note: 'x'.repeat(2001) } });
      assert.match(res.json().field, /custom_fields/);
      const email = await c.post('/v1/contacts', { email: 'nope' });
      assert.equal(email.json().field, 'email');
      const unknown = await c.post('/v1/contacts', { email: 'v@example.com', colour: 'red' });
      assert.match(unknown.json().detail, /unknown field "colour"/);
    });

    it('refuses an upsert without an email, and unknown lists, writing nothing', async () => {
      const noEmail = await c.put('/v1/contacts', { external_key: 'k' });
      assert.equal(noEmail.statusCode, 400);
      const unknownList = await c.post('/v1/contacts', { email: 'w@example.com', list_ids: [424242] });
      assert.equal(unknownList.statusCode, 404);
      assert.equal(unknownList.json().field, 'list_ids');
      const unknownListUpsert = await c.put('/v1/contacts', { email: 'w@example.com', list_ids: [424242] });
      assert.equal(unknownListUpsert.statusCode, 404);
      assert.equal(await countRows(t, 'contacts'), 0);
    });

    it('refuses bad patches without changing the contact', async () => {
      const contact = await createContact(c, { email: 'keep@example.com', first_name: 'Keep' });
      for (const body of [{ first_name: 7 }, { email: 'bad' }, { nickname: 'x' }, { custom_fields: tooManyFields }, { unsubscribed_at: '2025-13-45' }]) {
        const res = await c.patch(`/v1/contacts/${contact.id}`, body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
      }
      const now = (await c.get(`/v1/contacts/${contact.id}`)).json();
      assert.deepEqual(now, contact);
    });

    it('refuses a patch that would take a contact past the custom field limit', async () => {
      const half = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`a${i}`, i]));
      const other = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`b${i}`, i]));
      const contact = await createContact(c, { email: 'many@example.com', custom_fields: half });
      const res = await c.patch(`/v1/contacts/${contact.id}`, { custom_fields: other });
      assert.equal(res.statusCode, 400);
      assert.equal(Object.keys((await c.get(`/v1/contacts/${contact.id}`)).json().custom_fields).length, 60);
    });

    it('refuses a body that is not JSON', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/contacts', headers: { ...t.auth(), 'content-type': 'application/json' }, payload: '{"email":' });
      assert.equal(res.statusCode, 400);
    });
  });
}
