import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import mailjetModule from 'node-mailjet';
import { DAY_MS, ManualClock } from '../../src/core/clock.js';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { drainOperations } from '../helpers/operations.js';
import { searchRawStorage } from '../helpers/raw-storage.js';
import { mailjetKey } from '../helpers/mailjet.js';

// node-mailjet is CommonJS: its module.exports is the client class itself, typed as `default`.
const Mailjet = ((mailjetModule as unknown as { default?: unknown }).default ?? mailjetModule) as typeof mailjetModule.default;
type MailjetClient = InstanceType<typeof Mailjet>;

/** The client parses with json-bigint (objects without prototype): plain JSON values, to compare. */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** What node-mailjet rejects with on a non-2xx answer. */
interface ClientError {
  statusCode: number | null;
  ErrorMessage?: unknown;
  response?: { data?: unknown } | null;
}

async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise;
  } catch (error) {
    return error as ClientError;
  }
  assert.fail('the request was expected to fail');
}

interface Body {
  Count: number;
  Data: Array<Record<string, unknown>>;
  Total: number;
  [key: string]: unknown;
}

/**
 * Mailjet's official Node client against a real listening Lethe: only the host changes
 * (and the protocol, a static `https://` on the client's Request class, becomes `http://`).
 */
for (const engine of ENGINES) {
  describe(`Mailjet's official Node client against Lethe [${engine}]`, () => {
    let t: TestApp;
    let clock: ManualClock;
    let mailjet: MailjetClient;
    let host: string;
    let apiKey: string;
    const protocol = Mailjet.Request.protocol;

    before(async () => {
      clock = new ManualClock(Date.UTC(2026, 4, 1, 8, 0, 0));
      t = await buildTestApp(engine, { clock });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      host = `127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      (Mailjet.Request as unknown as { protocol: string }).protocol = 'http://';
      const key = await mailjetKey(t);
      apiKey = key.apiKey;
      mailjet = new Mailjet({ apiKey: key.apiKey, apiSecret: key.apiSecret, config: { host } });
    });
    after(async () => {
      (Mailjet.Request as unknown as { protocol: string }).protocol = protocol;
      await t.close();
    });

    it('creates, finds, lists, GDPR-deletes, reads back anonymized, and finds it gone after retention', async () => {
      const email = 'client.flow@example.com';
      const created = await mailjet.post('contact').request<Body>({ Email: email, Name: 'Client Flow', IsExcludedFromCampaigns: false });
      assert.equal(created.response.status, 201);
      const contact = plain(created.body.Data[0] as Record<string, unknown>);
      const id = contact.ID as number;
      assert.ok(Number.isInteger(id));
      assert.equal(contact.Email, email);

      const byEmail = await mailjet.get('contact').id(email).request<Body>();
      assert.equal(byEmail.response.status, 200);
      assert.deepEqual(plain(byEmail.body), { Count: 1, Data: [contact], Total: 1 });
      const byId = await mailjet.get('contact').id(id).request<Body>();
      assert.deepEqual(plain(byId.body), { Count: 1, Data: [contact], Total: 1 });

      const list = await mailjet.post('contactslist').request<Body>({ Name: 'client-list' });
      assert.equal(list.response.status, 201);
      const listId = (list.body.Data[0] as { ID: number }).ID;
      const managed = await mailjet.post('contact').id(id).action('managecontactslists').request<Body>({ ContactsLists: [{ ListID: listId, Action: 'addforce' }] });
      assert.equal(managed.response.status, 201);
      const lists = await mailjet.get('contact').id(id).action('getcontactslists').request<Body>();
      assert.deepEqual(lists.body.Data.map((l: Record<string, unknown>) => [l.ListID, l.IsUnsub]), [[listId, false]]);
      const members = await mailjet.get('contact').request<Body>({}, { ContactsList: listId });
      assert.deepEqual(members.body.Data.map((c: Record<string, unknown>) => c.ID), [id]);

      // The GDPR delete, as Mailjet documents it for this client: v4, plural `contacts`.
      clock.advance(60_000);
      const deleted = await mailjet.delete('contacts', { version: 'v4' }).id(id).request();
      assert.equal(deleted.response.status, 200);

      const anonymized = plain((await mailjet.get('contact').id(id).request<Body>()).body.Data[0] as Record<string, unknown>);
      const placeholder = `\\x${t.lethe.core.deps.hasher.hash('erased-email', email).slice(0, 40)}@domain.invalid`;
      assert.match(placeholder, /^\\x[0-9a-f]{40}@domain\.invalid$/);
      assert.deepEqual(anonymized, {
        ...contact,
        Email: placeholder,
        Name: 'Anonymized',
        LastUpdateAt: new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      });
      const hits = await searchRawStorage(t.lethe.store.handle, [email, 'Client Flow']);
      assert.deepEqual(hits, [], 'no byte of the address or the name is left in the database files');
      const gone = await rejection(mailjet.get('contact').id(email).request());
      assert.equal(gone.statusCode, 404);

      clock.advance(30 * DAY_MS + 1000);
      await drainOperations(t);
      const purged = await rejection(mailjet.get('contact').id(id).request());
      assert.equal(purged.statusCode, 404);
      assert.equal(purged.ErrorMessage, 'Object not found');
    });

    it('gets Mailjet\'s errors: duplicate email, refused v3 delete, bad credentials, unknown id', async () => {
      await mailjet.post('contact').request({ Email: 'dup.client@example.com' });
      const duplicate = await rejection(mailjet.post('contact').request({ Email: 'dup.client@example.com' }));
      assert.equal(duplicate.statusCode, 400);
      assert.equal(duplicate.ErrorMessage, 'MJ18 A Contact resource with value "dup.client@example.com" for Email already exists.');

      const found = (await mailjet.get('contact').id('dup.client@example.com').request<Body>()).body.Data[0] as { ID: number };
      const v3Delete = await rejection(mailjet.delete('contact').id(found.ID).request());
      assert.equal(v3Delete.statusCode, 401);
      assert.equal(v3Delete.ErrorMessage, 'Operation not allowed');

      const unknown = await rejection(mailjet.delete('contacts', { version: 'v4' }).id(987654).request());
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.ErrorMessage, 'Object not found');

      const stranger = new Mailjet({ apiKey, apiSecret: 'not-the-secret', config: { host } });
      const denied = await rejection(stranger.get('contact').request());
      assert.equal(denied.statusCode, 401);
      assert.match(String(denied.ErrorMessage), /^API key authentication\/authorization failure/);
    });
  });
}
