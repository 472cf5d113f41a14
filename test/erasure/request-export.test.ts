import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { api, createContact } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';
import { describeHits, searchRawStorage } from '../helpers/raw-storage.js';

/**
 * An access request's export holds a copy of the person's data: it must go as completely as
 * the person. Distinctive values are found in the raw storage while the export exists, and
 * nowhere once an erasure request for the same person has completed (which deletes that
 * export at once and scrubs its storage), nor in the logs.
 */
for (const engine of ENGINES) {
  describe(`access request exports leave no byte behind [${engine}]`, () => {
    let t: TestApp;
    let c: Api;
    before(async () => {
      t = await buildTestApp(engine);
      c = api(t);
    });
    after(async () => t.close());

    it('an erasure request deletes the person\'s export with them, and the raw storage holds none of it', async () => {
      const tag = randomBytes(6).toString('hex');
      const person = { email: `export.${tag}@example.org`, name: `Wren-${tag}`, subject: `Your order ${tag} shipped`, agent: `ExportAgent/${tag}` };
      const contact = await createContact(c, { email: person.email, first_name: person.name });
      assert.equal((await c.post('/v1/events', { events: [{ contact_id: contact.id, type: 'open', subject: person.subject, user_agent: person.agent }] })).statusCode, 200);

      const access = (await c.post('/v1/requests', { type: 'access', person: { emails: [person.email] } })).json();
      await drainOperations(t);
      const download = await c.get(`/v1/requests/${access.id}/export`);
      assert.equal(download.statusCode, 200, download.body);
      assert.ok(download.body.includes(person.subject), 'the export holds the person');
      const parts = await t.lethe.store.handle.db.selectFrom('privacy_request_parts').select('body').where('request_id', '=', access.id).execute();
      assert.ok(parts.some((p) => p.body.includes(person.agent)), 'stored in its parts');
      assert.ok((await searchRawStorage(t.lethe.store.handle, Object.values(person))).length > 0, 'the search can find the values');

      const erasure = (await c.post('/v1/requests', { type: 'erasure', person: { emails: [person.email] } })).json();
      await drainOperations(t);
      for (let attempt = 0; attempt < 5 && (await t.lethe.store.operations.nextScrubOwedAt()) !== undefined; attempt++) {
        t.clock.advance(60_000);
        await drainOperations(t, { schedule: false });
      }
      assert.equal((await c.get(`/v1/requests/${erasure.id}`)).json().state, 'completed');
      const gone = (await c.get(`/v1/requests/${access.id}`)).json();
      assert.ok(gone.export.deleted_at, 'the export went with the person');
      assert.equal((await c.get(`/v1/requests/${access.id}/export`)).statusCode, 409);
      assert.equal((await t.lethe.store.handle.db.selectFrom('privacy_request_parts').select('seq').where('request_id', '=', access.id).execute()).length, 0);

      const hits = await searchRawStorage(t.lethe.store.handle, Object.values(person));
      assert.deepEqual(hits, [], describeHits(hits));
      const logs = t.logs.text();
      for (const value of Object.values(person)) assert.ok(!logs.includes(value), 'nothing in the logs');
    });
  });
}
