import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { mailjetApi, mailjetKey } from '../helpers/mailjet.js';
import { drainOperations } from '../helpers/operations.js';

type Policy = 'allow' | 'warn' | 'block';

/** A sub-account with this re-import policy, and an admin client acting for it. */
async function tenant(t: TestApp, name: string, policy?: Policy): Promise<{ client: Api; headers: Record<string, string> }> {
  const res = await api(t).post('/v1/subaccounts', { name, ...(policy ? { settings: { reimport_policy: policy } } : {}) });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().settings.reimport_policy, policy ?? 'allow');
  const headers = { ...t.auth(), 'on-behalf-of': name };
  return { client: api(t, headers), headers };
}

/** Creates the contact and erases it through an erase operation by email. */
async function eraseByOperation(t: TestApp, client: Api, email: string): Promise<number> {
  const created = await client.post('/v1/contacts', { email, first_name: 'Gone' });
  assert.equal(created.statusCode, 201, created.body);
  const op = await client.post('/v1/operations', { action: 'erase', selector: { emails: [email] } });
  assert.equal(op.statusCode, 202, op.body);
  await drainOperations(t);
  assert.equal((await client.get(`/v1/operations/${op.json().id}`)).json().state, 'completed');
  return op.json().id as number;
}

async function importCsv(t: TestApp, client: Api, headers: Record<string, string>, csv: string) {
  const res = await t.app.inject({ method: 'POST', url: '/v1/imports', headers: { ...headers, 'content-type': 'text/csv' }, payload: csv });
  assert.equal(res.statusCode, 202, res.body);
  await drainOperations(t);
  const id = res.json().id as number;
  return {
    view: (await client.get(`/v1/imports/${id}`)).json() as Record<string, unknown>,
    errors: (await client.get(`/v1/imports/${id}/errors`)).json().data as Array<Record<string, unknown>>,
    warnings: (await client.get(`/v1/imports/${id}/warnings`)).json().data as Array<Record<string, unknown>>,
  };
}

for (const engine of ENGINES) {
  describe(`re-import guard [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(async () => t.close());

    it('keeps a keyed hash of each erased address, never the address, listed with its operation and counted', async () => {
      const { client } = await tenant(t, 'guard-list');
      const opId = await eraseByOperation(t, client, 'Listed.Person@Example.com');
      const one = await client.post('/v1/contacts', { email: 'single@example.com' });
      const single = await client.post(`/v1/contacts/${one.json().id}/erase`, {});
      assert.equal(single.statusCode, 200, single.body);
      const page = await client.get('/v1/erased-addresses?limit=1');
      assert.equal(page.statusCode, 200, page.body);
      const body = page.json() as { data: Array<{ address_hash: string; operation_id: number; erased_at: string }>; count: number; next_cursor: string | null };
      assert.equal(body.count, 2);
      assert.equal(body.data.length, 1);
      assert.ok(body.next_cursor);
      const rest = (await client.get(`/v1/erased-addresses?cursor=${body.next_cursor}`)).json() as typeof body;
      const all = [...body.data, ...rest.data];
      assert.equal(all.length, 2);
      assert.equal(rest.next_cursor, null);
      for (const entry of all) assert.match(entry.address_hash, /^[0-9a-f]{64}$/);
      assert.ok(all.some((e) => e.operation_id === opId), 'the erasing operation is named');
      assert.ok(all.every((e) => typeof e.operation_id === 'number'), 'the single-contact erase names its operation of size 1');
      const rows = await t.lethe.store.handle.db.selectFrom('erased_addresses').selectAll().execute();
      assert.ok(!JSON.stringify(rows).toLowerCase().includes('listed.person'), 'no address in the suppressions');
      // Another account sees none of them.
      const other = await tenant(t, 'guard-list-other');
      assert.equal((await other.client.get('/v1/erased-addresses')).json().count, 0);
      // Reading suppressions is an admin's.
      const reader = await api(t).post('/v1/keys', { name: 'r', scopes: ['read'] });
      assert.equal((await api(t, t.auth(reader.json().key)).get('/v1/erased-addresses')).statusCode, 403);
    });

    it('allow (the default): an erased address comes back as today, with no report', async () => {
      const { client, headers } = await tenant(t, 'guard-allow');
      await eraseByOperation(t, client, 'back@example.com');
      const created = await client.post('/v1/contacts', { email: 'back@example.com' });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().once_erased, undefined);
      const { view, errors, warnings } = await importCsv(t, client, headers, 'email,first_name\nback@example.com,Again\nnew@example.com,New\n');
      assert.deepEqual([view.created, view.updated, view.invalid], [1, 1, 0]);
      assert.deepEqual([errors.length, warnings.length], [0, 0]);
    });

    it('block: a CSV import imports the other rows and reports the erased one without its address', async () => {
      const { client, headers } = await tenant(t, 'guard-block', 'block');
      await eraseByOperation(t, client, 'Erased@Example.com');
      const { view, errors } = await importCsv(t, client, headers, 'email,first_name\nfirst@example.com,A\nERASED@example.com,B\nthird@example.com,C\n');
      assert.equal(view.state, 'completed');
      assert.deepEqual([view.created, view.invalid], [2, 1]);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]?.row, 2);
      assert.equal(errors[0]?.field, 'email');
      assert.equal(errors[0]?.reason, 'once_erased');
      assert.match(String(errors[0]?.message), /erased/);
      assert.ok(!JSON.stringify(errors).toLowerCase().includes('erased@example.com'));
      const lookup = (await client.get('/v1/contacts?limit=100')).json().data as Array<{ email: string }>;
      assert.deepEqual(lookup.map((c) => c.email).sort(), ['first@example.com', 'third@example.com']);

      // /v1 create, upsert and patch are refused in problem details.
      const create = await client.post('/v1/contacts', { email: 'erased@example.com' });
      assert.equal(create.statusCode, 409, create.body);
      assert.equal(create.headers['content-type'], 'application/problem+json; charset=utf-8');
      const upsert = await client.put('/v1/contacts', { email: 'erased@example.com' });
      assert.equal(upsert.statusCode, 409, upsert.body);
      const someone = lookup[0] as unknown as { id: number };
      const all = (await client.get('/v1/contacts?limit=100')).json().data as Array<{ id: number }>;
      const patch = await client.patch(`/v1/contacts/${all[0]?.id ?? someone.id}`, { email: 'erased@example.com' });
      assert.equal(patch.statusCode, 409, patch.body);
    });

    it('block: SendGrid\'s upsert job reports the row as errored and imports the others; Mailjet\'s create answers its 400', async () => {
      const { client, headers } = await tenant(t, 'guard-vendors', 'block');
      await eraseByOperation(t, client, 'vendor@example.com');
      const sg = await t.app.inject({ method: 'PUT', url: '/v3/marketing/contacts', headers: { ...headers, 'content-type': 'application/json' }, payload: { contacts: [{ email: 'vendor@example.com' }, { email: 'fresh@example.com' }] } });
      assert.equal(sg.statusCode, 202, sg.body);
      await drainOperations(t);
      const job = (await t.app.inject({ method: 'GET', url: `/v3/marketing/contacts/imports/${sg.json().job_id}`, headers })).json();
      assert.equal(job.status, 'errored');
      assert.equal(job.results.errored_count, 1);
      assert.equal(job.results.created_count ?? job.results.requested_count - 1, 1);

      const key = await mailjetKey(t, ['read', 'write', 'erase'], { 'on-behalf-of': 'guard-vendors' });
      const mj = mailjetApi(t, key.headers);
      const refused = await mj.post('/v3/REST/contact', { Email: 'vendor@example.com' });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.equal(refused.json().StatusCode, 400);
      assert.match(refused.json().ErrorMessage, /erased/);
      assert.ok(!refused.body.includes('vendor@example.com'), 'the address is not echoed');
      assert.equal((await mj.post('/v3/REST/contact', { Email: 'other@example.com' })).statusCode, 201);
    });

    it('warn: the address comes back and the write reports it as once erased', async () => {
      const { client, headers } = await tenant(t, 'guard-warn', 'warn');
      await eraseByOperation(t, client, 'warned@example.com');
      const { view, errors, warnings } = await importCsv(t, client, headers, 'email\nok@example.com\nwarned@example.com\n');
      assert.deepEqual([view.created, view.invalid, errors.length], [2, 0, 0]);
      assert.deepEqual(warnings.map((w) => [w.row, w.reason]), [[2, 'once_erased']]);
      assert.ok(!JSON.stringify(warnings).includes('warned@example.com'));
      await eraseByOperation(t, client, 'twice@example.com');
      const created = await client.post('/v1/contacts', { email: 'twice@example.com' });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().once_erased, true);
    });

    it('an admin lifts one suppression with a reason, audited without the address; the address may then come back', async () => {
      const { client } = await tenant(t, 'guard-lift', 'block');
      await eraseByOperation(t, client, 'consent@example.com');
      assert.equal((await client.post('/v1/contacts', { email: 'consent@example.com' })).statusCode, 409);
      const noReason = await client.post('/v1/erased-addresses/lift', { email: 'consent@example.com', reason: ' ' });
      assert.equal(noReason.statusCode, 400, noReason.body);
      const leaky = await client.post('/v1/erased-addresses/lift', { email: 'consent@example.com', reason: 'consent@example.com asked' });
      assert.equal(leaky.statusCode, 400, leaky.body);
      const unknown = await client.post('/v1/erased-addresses/lift', { email: 'never@example.com', reason: 'consented again' });
      assert.equal(unknown.statusCode, 404, unknown.body);
      const lifted = await client.post('/v1/erased-addresses/lift', { email: 'CONSENT@example.com', reason: 'consented again, ticket 42' });
      assert.equal(lifted.statusCode, 200, lifted.body);
      assert.match(lifted.json().address_hash, /^[0-9a-f]{64}$/);
      assert.equal((await client.get('/v1/erased-addresses')).json().count, 0);
      const audit = (await client.get('/v1/audit?limit=1000')).json().data as Array<{ action: string; data: Record<string, unknown> }>;
      const entry = audit.find((e) => e.action === 'erased_address.lifted');
      assert.ok(entry, 'audited');
      assert.equal(entry.data.reason, 'consented again, ticket 42');
      assert.equal(entry.data.address_hash, lifted.json().address_hash);
      assert.ok(!JSON.stringify(audit).includes('consent@example.com'));
      assert.equal((await client.post('/v1/contacts', { email: 'consent@example.com' })).statusCode, 201, 'lifted: it comes back');
    });

    it('the policy is a validated, audited setting', async () => {
      const { client } = await tenant(t, 'guard-settings');
      const bad = await client.patch('/v1/account/settings', { reimport_policy: 'sometimes' });
      assert.equal(bad.statusCode, 400, bad.body);
      const ok = await client.patch('/v1/account/settings', { reimport_policy: 'block' });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().settings.reimport_policy, 'block');
      const audit = (await client.get('/v1/audit?limit=1000')).json().data as Array<{ action: string; data: Record<string, unknown> }>;
      const entry = audit.filter((e) => e.action === 'settings.updated').at(-1);
      assert.deepEqual([entry?.data.reimport_policy, entry?.data.previous_reimport_policy], ['block', 'allow']);
    });
  });
}
