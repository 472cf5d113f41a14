import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Actor } from '../../src/core/actor.js';
import type { OperationAction, Selector } from '../../src/core/operations/operation.js';
import { api, createContact } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';
import { describeHits, searchRawStorage } from '../helpers/raw-storage.js';

/** One person's distinctive data, unique to a test; short values, so none is compressed. */
function personOf() {
  const tag = randomBytes(6).toString('hex');
  const hex = (n: number) => tag.slice(n, n + 4);
  return {
    email: `proof.${tag}@example.org`,
    firstName: `Zoë-${tag}`,
    lastName: `Quillfeather-${tag}`,
    custom: `loves-${tag}-lilies`,
    subject: `Your parcel ${tag} is on its way`,
    ip: `2001:db8:${hex(0)}:${hex(4)}:${hex(8)}::7`,
    userAgent: `ProofAgent/${tag} (X11)`,
    url: `https://shop.example/track/${tag}`,
  };
}
type Person = ReturnType<typeof personOf>;

const valuesOf = (p: Person): string[] => Object.values(p);

/**
 * The proof of complete erasure: distinctive values written through the API are
 * found in the raw database bytes (so the search can fail), erased or purged through the
 * real engine (operations run by the worker, and the single-contact erase), and then
 * found nowhere: not in the SQLite file or WAL, not in any PostgreSQL page of a table, an
 * index or TOAST; not in the operation's targets, the logs or the audit.
 */
for (const engine of ENGINES) {
  describe(`proof of erasure in raw storage [${engine}]`, () => {
    let t: TestApp;
    let actor: Actor;
    const everyone: Person[] = [];

    before(async () => {
      t = await buildTestApp(engine);
      actor = { accountId: t.accountId, keyAccountId: t.accountId, keyId: null, scopes: ['admin'], via: 'native' };
      // Neighbours that stay: the erased values share pages with live data.
      for (let i = 0; i < 30; i++) await createContact(api(t), { email: `neighbour${i}@keep.example`, first_name: 'Neighbour' });
    });
    after(async () => t.close());

    /** Writes a person through the API: the contact with its custom field, and events. */
    async function write(person: Person): Promise<number> {
      everyone.push(person);
      const contact = await createContact(api(t), { email: person.email, first_name: person.firstName, last_name: person.lastName, custom_fields: { flower: person.custom } });
      const res = await api(t).post('/v1/events', {
        events: [
          { contact_id: contact.id, type: 'delivered', subject: person.subject, occurred_at: '2025-06-01T10:00:00Z' },
          { contact_id: contact.id, type: 'open', subject: person.subject, ip: person.ip, user_agent: person.userAgent, occurred_at: '2025-06-01T11:00:00Z' },
          { contact_id: contact.id, type: 'click', subject: person.subject, ip: person.ip, user_agent: person.userAgent, url: person.url, occurred_at: '2025-06-01T12:00:00Z' },
        ],
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { accepted: number }).accepted, 3);
      return contact.id;
    }

    async function assertAllFound(person: Person): Promise<void> {
      const found = new Set((await searchRawStorage(t.lethe.store.handle, valuesOf(person))).map((h) => h.value));
      assert.deepEqual(valuesOf(person).filter((v) => !found.has(v)), [], 'each value is in the raw storage before erasure, else the search proves nothing');
    }

    async function assertNoneFound(values: readonly string[]): Promise<void> {
      const hits = await searchRawStorage(t.lethe.store.handle, values);
      assert.deepEqual(hits, [], `erased values still in raw storage:\n${describeHits(hits)}`);
    }

    async function run(action: OperationAction, selector: Selector) {
      const created = await t.lethe.core.operations.create(actor, { action, selector });
      await drainOperations(t);
      const op = await t.lethe.core.operations.get(actor, created.id);
      assert.equal(op.state, 'completed', JSON.stringify(op.error));
      return op;
    }

    it('an erase by email (asked in other case) leaves no byte of the person, nor of the request', async () => {
      const person = personOf();
      const id = await write(person);
      await assertAllFound(person);
      const asked = person.email.toUpperCase();
      const op = await run('erase', { kind: 'emails', values: [asked] });
      assert.equal(op.counts.succeeded, 1);
      const contact = await t.lethe.store.handle.db.selectFrom('contacts').select(['status', 'email', 'email_norm']).where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(contact.status, 'erased');
      assert.equal(contact.email, null);
      assert.match(contact.email_norm ?? '', /^\\x[0-9a-f]{40}@domain\.invalid$/);
      const targets = await t.lethe.core.operations.targets(actor, op.id, {});
      assert.deepEqual(targets.items.map((x) => [x.outcome, x.value ?? null, typeof x.valueHash]), [['done', null, 'string']]);
      await assertNoneFound([...valuesOf(person), asked]);
    });

    it('a purge by id leaves no byte of the person', async () => {
      const person = personOf();
      const id = await write(person);
      await assertAllFound(person);
      const op = await run('purge', { kind: 'ids', values: [id] });
      assert.equal(op.counts.succeeded, 1);
      assert.equal(await t.lethe.store.handle.db.selectFrom('contacts').select('id').where('id', '=', id).executeTakeFirst(), undefined);
      await assertNoneFound(valuesOf(person));
    });

    it('an erase of all contacts of a list leaves no byte of its members', async () => {
      const people = [personOf(), personOf()];
      const list = await api(t).post('/v1/lists', { name: `proof-${randomBytes(3).toString('hex')}` });
      assert.equal(list.statusCode, 201, list.body);
      const listId = (list.json() as { id: number }).id;
      for (const person of people) {
        const id = await write(person);
        const res = await api(t).post(`/v1/lists/${listId}/members`, { contact_ids: [id] });
        assert.equal((res.json() as { added: number }).added, 1, res.body);
      }
      for (const person of people) await assertAllFound(person);
      await run('erase', { kind: 'list', listId });
      await assertNoneFound(people.flatMap(valuesOf));
    });

    it('the single-contact erase (Mailjet GDPR delete) leaves no byte of the person', async () => {
      const person = personOf();
      const id = await write(person);
      await assertAllFound(person);
      const erased = await t.lethe.core.lifecycle.eraseContact(actor, id);
      assert.equal(erased.email, null);
      // The scrub is the worker's, after the request: durable, retried, coalesced.
      await drainOperations(t, { schedule: false });
      await assertNoneFound(valuesOf(person));
    });

    it('a person imported in bulk, then erased: no byte left, staged import rows included', async () => {
      const person = personOf();
      everyone.push(person);
      const csv = `email,first_name,last_name,opt_in_ip,custom.flower\n${person.email},${person.firstName},${person.lastName},${person.ip},${person.custom}\n`;
      const imported = await t.lethe.core.imports.create(actor, { format: 'csv', csv });
      // Queued, not yet run: the staged row holds the values.
      const staged = new Set((await searchRawStorage(t.lethe.store.handle, [person.email, person.custom])).map((h) => h.value));
      assert.deepEqual([...staged].sort(), [person.custom, person.email].sort(), 'the staged import row is found');
      await drainOperations(t);
      assert.equal((await t.lethe.core.operations.get(actor, imported.id)).counts.succeeded, 1);
      await run('erase', { kind: 'emails', values: [person.email] });
      await assertNoneFound([person.email, person.firstName, person.lastName, person.ip, person.custom]);
    });

    it('an import leaves no byte of its staged rows once it completes, nor once it is canceled', async () => {
      const tag = randomBytes(4).toString('hex');
      // Rows that fail validation reach no contact: their values were only ever staged.
      const bad = [`Rejectedname${tag}`, `Rejectedflower${tag}`, `rejected-address-${tag}`];
      const completed = await t.lethe.core.imports.create(actor, { format: 'csv', csv: `email,first_name,custom.flower\n${bad[2]},${bad[0]},${bad[1]}\n` });
      const staged = new Set((await searchRawStorage(t.lethe.store.handle, bad)).map((h) => h.value));
      assert.deepEqual([...staged].sort(), [...bad].sort(), 'the staged row is found');
      await drainOperations(t, { schedule: false });
      const done = await t.lethe.core.operations.get(actor, completed.id);
      assert.equal(done.state, 'completed');
      assert.equal(done.counts.invalid, 1);
      assert.ok(done.scrubbedAt !== null);
      await assertNoneFound(bad);

      const never = [`Canceledname${tag}`, `canceled-${tag}@example.com`];
      const canceled = await t.lethe.core.imports.create(actor, { format: 'csv', csv: `email,first_name\n${never[1]},${never[0]}\n` });
      assert.equal((await searchRawStorage(t.lethe.store.handle, never)).length > 0, true, 'the staged row is found');
      await t.lethe.core.operations.cancel(actor, canceled.id);
      await drainOperations(t, { schedule: false });
      assert.equal((await t.lethe.core.operations.get(actor, canceled.id)).state, 'canceled');
      await assertNoneFound(never);
    });

    it('an erase through /v1/operations across sub-accounts: no byte left in any; the receipt is anchored in the audit', async () => {
      const person = personOf();
      await write(person);
      const sub = await api(t).post('/v1/subaccounts', { name: `brand-${randomBytes(3).toString('hex')}` });
      assert.equal(sub.statusCode, 201, sub.body);
      const subName = (sub.json() as { name: string }).name;
      const inSub = await createContact(api(t, { ...t.auth(), 'on-behalf-of': subName }), { email: person.email, first_name: person.firstName });
      assert.ok(inSub.id);
      await assertAllFound(person);
      const res = await api(t).post('/v1/operations', { action: 'erase', selector: { emails: [person.email] }, accounts: 'all' });
      assert.equal(res.statusCode, 202, res.body);
      const { id } = res.json() as { id: number };
      await drainOperations(t);
      await assertNoneFound(valuesOf(person));

      const receipt = await api(t).get(`/v1/operations/${id}/receipt`);
      assert.equal(receipt.statusCode, 200, receipt.body);
      const body = receipt.json() as { anchor: { seq: number; hash: string }; parts: Array<{ anchor: { account_id: number; seq: number; hash: string } | null }> };
      assert.ok(!valuesOf(person).some((v) => receipt.body.toLowerCase().includes(v.toLowerCase())), 'the receipt holds no personal data');
      const audit = (await api(t).get('/v1/audit?limit=1000')).json() as { data: Array<{ seq: number; hash: string }> };
      assert.equal(audit.data.find((e) => e.seq === body.anchor.seq)?.hash, body.anchor.hash, 'the receipt names a link of the chain');
      assert.equal(body.parts.length, 2);
      for (const part of body.parts) {
        assert.ok(part.anchor);
        const chain = await t.lethe.core.audit.list(part.anchor.account_id, { afterSeq: part.anchor.seq - 1, limit: 1 });
        assert.equal(chain[0]?.hash, part.anchor.hash);
      }
      assert.equal((await t.lethe.core.audit.verify()).ok, true);
    });

    it('a soft delete keeps the data (it is restorable), and the erase after it removes it', async () => {
      const person = personOf();
      const id = await write(person);
      await run('soft_delete', { kind: 'ids', values: [id] });
      await assertAllFound(person);
      const restored = await run('restore', { kind: 'ids', values: [id] });
      assert.equal(restored.counts.succeeded, 1);
      await run('soft_delete', { kind: 'ids', values: [id] });
      await run('erase', { kind: 'ids', values: [id] });
      await assertNoneFound(valuesOf(person));
    });

    it('no value of anyone erased ever reached the logs or the audit', async () => {
      assert.ok(everyone.length >= 5);
      const values = everyone.flatMap(valuesOf);
      const logs = t.logs.text();
      assert.ok(logs.length > 0, 'the requests were logged');
      const inLogs = values.filter((v) => logs.includes(v) || logs.toLowerCase().includes(v.toLowerCase()));
      assert.deepEqual(inLogs, []);
      const audit = await sql<Record<string, unknown>>`select * from audit_log`.execute(t.lethe.store.handle.db);
      const actions = audit.rows.map((r) => String(r.action));
      assert.ok(actions.includes('operation.completed'), `operations are audited: ${actions.join(', ')}`);
      const text = JSON.stringify(audit.rows).toLowerCase();
      assert.deepEqual(values.filter((v) => text.includes(v.toLowerCase())), []);
      assert.equal((await t.lethe.core.audit.verify(t.accountId)).ok, true);
    });
  });
}
