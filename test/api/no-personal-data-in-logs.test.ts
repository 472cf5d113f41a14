import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { api, markErased } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';

/** Values distinctive enough that finding one in the logs can only mean it leaked. */
const PERSONAL = {
  email: 'quillon.zedbrook@leakcheck-domain.example',
  otherEmail: 'orla.vantreese@leakcheck-domain.example',
  badEmail: 'malformed-quillon@@leakcheck',
  firstName: 'Quillonia',
  lastName: 'Zedbrookshire',
  phone: '+1 555 0199 7731',
  ip: '198.51.100.77',
  optInIp: '2001:db8::7731',
  subject: 'Your Zanzibar invoice 8841',
  url: 'https://tracker.example/click/uniq-7733-path',
  userAgent: 'LeakcheckMailer/9.9',
  customValue: 'CustomValueMarker5521',
  attribute: '221B Quillon Street',
  externalKey: 'ExternalKeyMarker-90210',
  category: 'category-marker-3141',
};

for (const engine of ENGINES) {
  describe(`no personal data in logs [${engine}]`, () => {
    let t: TestApp;
    let c: Api;
    before(async () => {
      t = await buildTestApp(engine);
      c = api(t);
    });
    after(async () => t.close());

    it('logs requests, successful and failing, without any personal value', async () => {
      const list = (await c.post('/v1/lists', { name: 'leakcheck' })).json();
      const full = {
        email: PERSONAL.email,
        external_key: PERSONAL.externalKey,
        first_name: PERSONAL.firstName,
        last_name: PERSONAL.lastName,
        phone: PERSONAL.phone,
        custom_fields: { note: PERSONAL.customValue },
        attributes: { address_line_1: PERSONAL.attribute },
        opt_in_ip: PERSONAL.optInIp,
        list_ids: [list.id],
      };
      const created = await c.post('/v1/contacts', full);
      assert.equal(created.statusCode, 201);
      const id = created.json().id as number;

      // Failing requests: each carries the values into a path that reports an error.
      const failing: Array<[string, Promise<{ statusCode: number }>]> = [
        ['duplicate', c.post('/v1/contacts', full)],
        ['duplicate key', c.post('/v1/contacts', { email: PERSONAL.otherEmail, external_key: PERSONAL.externalKey })],
        ['invalid email', c.post('/v1/contacts', { email: PERSONAL.badEmail, first_name: PERSONAL.firstName })],
        ['invalid upsert', c.put('/v1/contacts', { email: PERSONAL.badEmail, custom_fields: { note: PERSONAL.customValue } })],
        ['bad ip', c.post('/v1/contacts', { email: PERSONAL.otherEmail, opt_in_ip: PERSONAL.subject })],
        ['unknown field', c.post('/v1/contacts', { email: PERSONAL.otherEmail, [PERSONAL.lastName]: PERSONAL.firstName })],
        ['unknown id', c.patch('/v1/contacts/987654', { first_name: PERSONAL.firstName })],
        ['key in url', c.get(`/v1/contacts/by-external-key/${encodeURIComponent(PERSONAL.email)}`)],
        ['malformed json', t.app.inject({ method: 'POST', url: '/v1/contacts', headers: { ...t.auth(), 'content-type': 'application/json' }, payload: `{"email":"${PERSONAL.email}"` })],
        ['bad events', c.post('/v1/events', { events: [{ email: PERSONAL.email, type: 'open', subject: 'x'.repeat(2000) + PERSONAL.subject }] })],
      ];
      for (const [why, request] of failing) {
        const res = await request;
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${why}: ${res.statusCode}`);
      }

      // Successful reads and writes that carry every value.
      assert.equal((await c.put('/v1/contacts', { ...full, list_ids: undefined })).statusCode, 200);
      assert.equal((await c.patch(`/v1/contacts/${id}`, { last_name: PERSONAL.lastName, phone: PERSONAL.phone })).statusCode, 200);
      assert.equal((await c.post('/v1/contacts/lookup', { emails: [PERSONAL.email, PERSONAL.otherEmail] })).statusCode, 200);
      assert.equal((await c.post('/v1/contacts/lookup', { emails: [PERSONAL.email, PERSONAL.badEmail] })).json().invalid, 1, 'a bad address is answered per item');
      assert.equal((await c.get(`/v1/contacts/by-external-key/${PERSONAL.externalKey}`)).statusCode, 200);
      const events = await c.post('/v1/events', {
        events: [
          { email: PERSONAL.email, type: 'click', subject: PERSONAL.subject, ip: PERSONAL.ip, url: PERSONAL.url, user_agent: PERSONAL.userAgent, categories: [PERSONAL.category] },
          { email: PERSONAL.otherEmail, type: 'open', subject: PERSONAL.subject, ip: PERSONAL.ip },
          { contact_id: id, type: 'open', ip: PERSONAL.subject },
        ],
      });
      assert.equal(events.json().accepted, 1);
      assert.equal(events.json().errors.length, 2);
      assert.equal((await c.get(`/v1/contacts/${id}/events`)).statusCode, 200);
      assert.equal((await c.get('/v1/contacts?status=all')).statusCode, 200);
      await markErased(t, id);
      assert.equal((await c.patch(`/v1/contacts/${id}`, { first_name: PERSONAL.firstName })).statusCode, 409);

      const logs = t.logs.text();
      assert.match(logs, /"route":"\/v1\/contacts\/by-external-key\/:key"/, 'request lines are logged, with the route pattern');
      assert.ok(logs.split('\n').filter((line) => line.includes('"msg":"request"')).length >= 20);
      for (const [name, value] of Object.entries(PERSONAL)) {
        for (const form of new Set([value, value.toLowerCase(), encodeURIComponent(value)])) {
          assert.ok(!logs.includes(form), `the logs hold personal data (${name})`);
        }
      }
    });
  });
}
