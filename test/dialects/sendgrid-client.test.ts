import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client } from '@sendgrid/client';
import { api, createKey, createSubAccount } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';
import { searchRawStorage } from '../helpers/raw-storage.js';

type SgClient = InstanceType<typeof Client>;
interface SgError {
  code: number;
  response: { headers: Record<string, string>; body: { errors: Array<{ field: string | null; message: string }> } };
}

/** SendGrid's official client, pointed at Lethe. The base URL is set after the key: setApiKey resets it. */
function clientFor(baseUrl: string, key: string, onBehalfOf?: string): SgClient {
  const client = new Client();
  const warn = console.warn;
  console.warn = () => undefined; // "API key does not start with SG." — Lethe's keys do not.
  try {
    client.setApiKey(key);
  } finally {
    console.warn = warn;
  }
  client.setDefaultRequest('baseUrl', baseUrl);
  if (onBehalfOf) client.setImpersonateSubuser(onBehalfOf);
  return client;
}

/** The client's rejection for a failed request, with its status and SendGrid envelope asserted. */
async function failure(promise: Promise<unknown>, status: number): Promise<SgError['response']['body']['errors']> {
  try {
    await promise;
  } catch (error) {
    const e = error as SgError;
    assert.equal(e.code, status, JSON.stringify(e.response?.body));
    assert.ok(Array.isArray(e.response.body.errors) && e.response.body.errors.length > 0);
    for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) assert.match(String(e.response.headers[name]), /^\d+$/, name);
    return e.response.body.errors;
  }
  assert.fail(`expected ${status}`);
}

/**
 * Waits until the operation's storage scrub has run. On a busy PostgreSQL server the scrub
 * may have to wait for older transactions and be postponed (CONFLICT): the worker retries
 * it later, here by moving the test clock past the retry time.
 */
async function scrubbed(t: TestApp, uuid: string): Promise<void> {
  const actor = { accountId: t.accountId, keyAccountId: t.accountId, keyId: null, scopes: ['admin'] as const, via: 'native' as const };
  for (let attempt = 0; attempt < 5; attempt++) {
    if ((await t.lethe.core.operations.get(actor, uuid)).scrubbedAt !== null) return;
    t.clock.advance(60_000);
    await drainOperations(t);
  }
  assert.fail('the storage scrub after the erase job never ran');
}

async function listen(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
}

for (const engine of ENGINES) {
  describe(`SendGrid's official client against Lethe [${engine}]`, () => {
    let t: TestApp;
    let baseUrl: string;
    let sg: SgClient;
    before(async () => {
      t = await buildTestApp(engine);
      baseUrl = await listen(t);
      sg = clientFor(baseUrl, t.adminKey);
    });
    after(async () => t.close());

    const jobStatus = async (client: SgClient, jobId: string) => {
      const [res, body] = await client.request({ method: 'GET', url: `/v3/marketing/contacts/imports/${jobId}` });
      assert.equal(res.statusCode, 200);
      return body as { id: string; status: string; job_type: string; results: Record<string, number> };
    };

    const upsert = async (client: SgClient, body: Record<string, unknown>): Promise<string> => {
      const [res, answer] = await client.request({ method: 'PUT', url: '/v3/marketing/contacts', body });
      assert.equal(res.statusCode, 202, JSON.stringify(answer));
      return (answer as { job_id: string }).job_id;
    };

    const idsByEmail = async (client: SgClient, emails: string[]): Promise<Record<string, string>> => {
      const [res, body] = await client.request({ method: 'POST', url: '/v3/marketing/contacts/search/emails', body: { emails } });
      assert.equal(res.statusCode, 200);
      const result = (body as { result: Record<string, { contact?: { id: string } }> }).result;
      return Object.fromEntries(Object.entries(result).flatMap(([email, r]) => (r.contact ? [[email, r.contact.id]] : [])));
    };

    it('upserts contacts, finds them, deletes by ids, erases by emails, and leaves no trace', async () => {
      const [listRes, list] = await sg.request({ method: 'POST', url: '/v3/marketing/lists', body: { name: 'Customers' } });
      assert.equal(listRes.statusCode, 201);
      const listId = (list as { id: string }).id;

      const jobId = await upsert(sg, {
        list_ids: [listId],
        contacts: [
          { email: 'alice.flow@example.com', first_name: 'Alicia', last_name: 'Quixotic', city: 'Zanzibarville', custom_fields: { w1: 'espresso-lover' } },
          { email: 'bob.flow@example.com', first_name: 'Bob' },
          { email: 'carol.flow@example.com', first_name: 'Carol' },
          { email: 'not-an-email', first_name: 'Broken' },
        ],
      });
      assert.equal((await jobStatus(sg, jobId)).status, 'pending');
      await drainOperations(t);
      const done = await jobStatus(sg, jobId);
      assert.equal(done.id, jobId);
      assert.equal(done.job_type, 'upsert');
      assert.equal(done.status, 'errored');
      assert.equal(done.results.requested_count, 4);
      assert.equal(done.results.created_count, 3);
      assert.equal(done.results.errored_count, 1);
      // Where the errored rows are listed: Lethe's own import errors (row, field, reason).
      const errorsUrl = new URL(String(done.results.errors_url));
      const rowErrors = await api(t).get(errorsUrl.pathname);
      assert.equal(rowErrors.statusCode, 200, rowErrors.body);
      assert.deepEqual(rowErrors.json().data.map((e: { row: number; field: string }) => [e.row, e.field]), [[4, 'email']]);

      const ids = await idsByEmail(sg, ['alice.flow@example.com', 'bob.flow@example.com', 'carol.flow@example.com']);
      assert.equal(Object.keys(ids).length, 3);
      const alice = ids['alice.flow@example.com'] as string;
      const [, aliceBody] = await sg.request({ method: 'GET', url: `/v3/marketing/contacts/${alice}` });
      assert.equal((aliceBody as { city: string }).city, 'Zanzibarville');
      assert.deepEqual((aliceBody as { list_ids: string[] }).list_ids, [listId]);

      // Message history with personal data, for the erasure to remove.
      const events = await api(t).post('/v1/events', {
        events: [{ email: 'alice.flow@example.com', type: 'open', subject: 'Your Zanzibarville itinerary', ip: '203.0.113.77', categories: ['quixotic-trips'], occurred_at: new Date(t.clock.now()).toISOString() }],
      });
      assert.equal(events.statusCode, 200, events.body);
      assert.equal(events.json().accepted, 1);

      // Delete by ids: a comma list in the query, as the client sends it.
      const [delRes, del] = await sg.request({ method: 'DELETE', url: '/v3/marketing/contacts', qs: { ids: `${ids['bob.flow@example.com']},${ids['carol.flow@example.com']}` } });
      assert.equal(delRes.statusCode, 202);
      const deleteJob = (del as { job_id: string }).job_id;
      assert.equal((await jobStatus(sg, deleteJob)).status, 'pending');
      await drainOperations(t);
      const deleted = await jobStatus(sg, deleteJob);
      assert.equal(deleted.status, 'completed');
      assert.equal(deleted.job_type, 'delete');
      assert.equal(deleted.results.deleted_count, 2);
      await failure(sg.request({ method: 'GET', url: `/v3/marketing/contacts/${ids['bob.flow@example.com']}` }), 404);

      // The search sees the values while they are stored (so that finding none later means something).
      const seen = await searchRawStorage(t.lethe.store.handle, ['Zanzibarville', '203.0.113.77']);
      assert.ok(seen.some((h) => h.value === 'Zanzibarville') && seen.some((h) => h.value === '203.0.113.77'), JSON.stringify(seen));

      // The erase job: the matching contact's data and history, for this account only.
      const [eraseRes, erase] = await sg.request({ method: 'POST', url: '/v3/recipients/erasejob', body: { email_addresses: ['alice.flow@example.com', 'ALICE.flow@example.com', 'nobody.flow@example.com'] } });
      assert.equal(eraseRes.statusCode, 202);
      const eraseJob = (erase as { job_id: string }).job_id;
      await drainOperations(t);
      await scrubbed(t, eraseJob);
      const [, eraseStatus] = await sg.request({ method: 'GET', url: `/v3/recipients/erasejob/${eraseJob}` });
      assert.equal((eraseStatus as { status: string }).status, 'completed');
      assert.equal((eraseStatus as { erased_count: number }).erased_count, 1);
      assert.equal((eraseStatus as { not_found_count: number }).not_found_count, 1);
      await failure(sg.request({ method: 'GET', url: `/v3/marketing/contacts/${alice}` }), 404);
      await failure(sg.request({ method: 'POST', url: '/v3/marketing/contacts/search/emails', body: { emails: ['alice.flow@example.com'] } }), 404);

      const hits = await searchRawStorage(t.lethe.store.handle, ['alice.flow@example.com', 'Alicia', 'Quixotic', 'Zanzibarville', 'espresso-lover', '203.0.113.77', 'quixotic-trips', 'bob.flow@example.com', 'carol.flow@example.com']);
      assert.deepEqual(hits, []);
      for (const value of ['alice.flow@example.com', 'bob.flow@example.com', 'Zanzibarville', 'not-an-email']) assert.ok(!t.logs.text().includes(value), `the logs hold no ${value}`);
    });

    it('deletes all contacts', async () => {
      const jobId = await upsert(sg, { contacts: [{ email: 'all1@example.com' }, { email: 'all2@example.com' }] });
      await drainOperations(t);
      assert.equal((await jobStatus(sg, jobId)).status, 'completed');
      const [, before] = await sg.request({ method: 'GET', url: '/v3/marketing/contacts/count' });
      assert.ok((before as { contact_count: number }).contact_count >= 2);
      const [res, body] = await sg.request({ method: 'DELETE', url: '/v3/marketing/contacts', qs: { delete_all_contacts: 'true' } });
      assert.equal(res.statusCode, 202);
      await drainOperations(t);
      assert.equal((await jobStatus(sg, (body as { job_id: string }).job_id)).status, 'completed');
      const [, afterCount] = await sg.request({ method: 'GET', url: '/v3/marketing/contacts/count' });
      assert.equal((afterCount as { contact_count: number }).contact_count, 0);
    });

    it('acts on behalf of its own sub-account only, and nothing cascades', async () => {
      await createSubAccount(t, 'brand-client');
      const sub = clientFor(baseUrl, t.adminKey, 'brand-client');
      await upsert(sub, { contacts: [{ email: 'shared.flow@example.com', first_name: 'Sub' }] });
      await upsert(sg, { contacts: [{ email: 'shared.flow@example.com', first_name: 'Parent' }] });
      await drainOperations(t);
      const subId = (await idsByEmail(sub, ['shared.flow@example.com']))['shared.flow@example.com'];
      const parentId = (await idsByEmail(sg, ['shared.flow@example.com']))['shared.flow@example.com'];
      assert.ok(subId && parentId && subId !== parentId);
      await failure(sg.request({ method: 'GET', url: `/v3/marketing/contacts/${subId}` }), 404);

      const [res] = await sub.request({ method: 'POST', url: '/v3/recipients/erasejob', body: { email_addresses: ['shared.flow@example.com'] } });
      assert.equal(res.statusCode, 202);
      await drainOperations(t);
      await failure(sub.request({ method: 'GET', url: `/v3/marketing/contacts/${subId}` }), 404);
      const [parentRes, parentBody] = await sg.request({ method: 'GET', url: `/v3/marketing/contacts/${parentId}` });
      assert.equal(parentRes.statusCode, 200);
      assert.equal((parentBody as { first_name: string }).first_name, 'Parent');

      // A parent's erase job does not reach into its sub-accounts either.
      await upsert(sub, { contacts: [{ email: 'sub.only@example.com' }] });
      await drainOperations(t);
      await sg.request({ method: 'POST', url: '/v3/recipients/erasejob', body: { email_addresses: ['sub.only@example.com'] } });
      await drainOperations(t);
      assert.ok((await idsByEmail(sub, ['sub.only@example.com']))['sub.only@example.com']);

      await failure(clientFor(baseUrl, t.adminKey, 'not-my-subaccount').request({ method: 'GET', url: '/v3/marketing/contacts/count' }), 403);
    });

    it('answers every error case in SendGrid\'s shape', async () => {
      await failure(clientFor(baseUrl, 'SG.wrong-key').request({ method: 'GET', url: '/v3/marketing/contacts/count' }), 401);
      const reader = clientFor(baseUrl, await createKey(t, ['read']));
      await failure(reader.request({ method: 'POST', url: '/v3/recipients/erasejob', body: { email_addresses: ['a@example.com'] } }), 403);
      await failure(reader.request({ method: 'DELETE', url: '/v3/marketing/contacts', qs: { delete_all_contacts: 'true' } }), 403);

      const invalid = await failure(sg.request({ method: 'POST', url: '/v3/recipients/erasejob', body: { email_addresses: ['ok@example.com', 'user1@gml', 'not an address'] } }), 400);
      assert.deepEqual(invalid.map((e) => e.message), ['Email_address user1@gml is not valid', 'Email_address not an address is not valid']);
      await failure(sg.request({ method: 'POST', url: '/v3/recipients/erasejob', body: { email_addresses: Array.from({ length: 5001 }, (_, i) => `many${i}@example.com`) } }), 400);
      await failure(sg.request({ method: 'POST', url: '/v3/recipients/erasejob', body: { email_addresses: Array.from({ length: 1300 }, (_, i) => `${'y'.repeat(200)}${i}@example.com`) } }), 413);

      const before = (await sg.request({ method: 'GET', url: '/v3/marketing/contacts/count' }))[1] as { contact_count: number };
      const noIdentifier = await failure(sg.request({ method: 'PUT', url: '/v3/marketing/contacts', body: { contacts: [{ email: 'fine@example.com' }, { first_name: 'Nobody' }] } }), 400);
      assert.deepEqual(noIdentifier.map((e) => e.field), ['contacts[1]']);
      // Identifiers Lethe does not match by (phone_number_id, anonymous_id), or external_id in a request matched by email: refused now.
      const unmatched = await failure(sg.request({ method: 'PUT', url: '/v3/marketing/contacts', body: { contacts: [{ email: 'fine@example.com' }, { external_id: 'crm-1' }, { phone_number_id: 'p-1' }] } }), 400);
      assert.deepEqual(unmatched.map((e) => e.field), ['contacts[1]', 'contacts[2]']);
      const anonymousOnly = await failure(sg.request({ method: 'PUT', url: '/v3/marketing/contacts', body: { contacts: [{ anonymous_id: 'anon-1' }] } }), 400);
      assert.deepEqual(anonymousOnly.map((e) => e.field), ['contacts[0]']);
      await failure(sg.request({ method: 'PUT', url: '/v3/marketing/contacts', body: { list_ids: ['00000000-0000-4000-8000-000000000000'], contacts: [{ email: 'fine@example.com' }] } }), 400);
      await drainOperations(t);
      assert.deepEqual((await sg.request({ method: 'GET', url: '/v3/marketing/contacts/count' }))[1], before);

      const neither = await failure(sg.request({ method: 'DELETE', url: '/v3/marketing/contacts' }), 400);
      assert.equal(neither[0]?.message, "either 'ids' OR 'delete_all_contacts' should be supplied as query param");
      await failure(sg.request({ method: 'DELETE', url: '/v3/marketing/contacts', qs: { ids: 'a', delete_all_contacts: 'true' } }), 400);
      await failure(sg.request({ method: 'GET', url: '/v3/marketing/no-such-thing' }), 404);
    });
  });
}

for (const engine of ENGINES) {
  describe(`SendGrid's official client meets the erase-job limit [${engine}]`, () => {
    let t: TestApp;
    let sg: SgClient;
    before(async () => {
      t = await buildTestApp(engine, { config: { eraseJobRateLimit: 2 } });
      t.clock.set(Math.floor(t.clock.now() / 60_000) * 60_000 + 1_000);
      sg = clientFor(await listen(t), t.adminKey);
    });
    after(async () => t.close());

    it('sees the headers count down, then 429 with SendGrid\'s body, then a new window', async () => {
      const erase = () => sg.request({ method: 'POST', url: '/v3/recipients/erasejob', body: { email_addresses: ['limit@example.com'] } });
      for (const remaining of ['1', '0']) {
        const [res] = await erase();
        assert.equal(res.statusCode, 202);
        assert.equal(res.headers['x-ratelimit-limit'], '2');
        assert.equal(res.headers['x-ratelimit-remaining'], remaining);
      }
      const errors = await failure(erase(), 429);
      assert.deepEqual(errors, [{ field: null, message: 'too many requests' }]);
      t.clock.advance(60_000);
      const [res] = await erase();
      assert.equal(res.statusCode, 202);
      assert.equal(res.headers['x-ratelimit-remaining'], '1');
    });
  });
}
