import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY_MS } from '../../src/core/clock.js';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { api, createContact, createKey, createSubAccount } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { drainOperations } from '../helpers/operations.js';

interface ExportDoc {
  request: { id: number; type: string };
  accounts: Array<{ id: number; name: string }>;
  contacts: Array<{ account_id: number; email: string; first_name: string; custom_fields: Record<string, unknown> }>;
  lists: Array<{ account_id: number; list_name: string }>;
  events: Array<{ account_id: number; subject: string }>;
  audit: Array<{ action: string }>;
  operations: Array<{ operation_id: number }>;
}

for (const engine of ENGINES) {
  describe(`privacy requests [${engine}]`, () => {
    let t: TestApp;
    let parent: Api;
    let brandB: Api;
    let brandC: Api;
    let bId: number;
    let cId: number;

    before(async () => {
      t = await buildTestApp(engine);
      parent = api(t);
      bId = await createSubAccount(t, 'brand-b');
      cId = await createSubAccount(t, 'brand-c');
      brandB = api(t, { ...t.auth(), 'on-behalf-of': 'brand-b' });
      brandC = api(t, { ...t.auth(), 'on-behalf-of': 'brand-c' });
    });
    after(async () => t.close());

    it('answers an access request across a parent and two sub-accounts with one export holding all three, then an erasure, after which access finds nothing', async () => {
      const list = (await brandB.post('/v1/lists', { name: 'brand-b-news' })).json() as { id: number };
      await createContact(parent, { email: 'Dana@Example.com', first_name: 'DanaParent', custom_fields: { plan: 'gold' } });
      const inB = await createContact(brandB, { email: 'dana@example.com', first_name: 'DanaB', list_ids: [list.id] });
      await createContact(brandC, { email: 'dana@example.com', first_name: 'DanaC' });
      await createContact(brandC, { email: 'someone-else@example.com', first_name: 'Other' });
      const events = await brandB.post('/v1/events', { events: [{ contact_id: inB.id, type: 'open', subject: 'Spring sale for Dana', ip: '203.0.113.9' }] });
      assert.equal(events.statusCode, 200, events.body);

      const created = await parent.post('/v1/requests', { type: 'access', person: { emails: ['dana@example.com'] }, accounts: 'all', reference: 'TICKET-7' });
      assert.equal(created.statusCode, 201, created.body);
      const req = created.json();
      assert.equal(req.state, 'received');
      assert.equal(req.type, 'access');
      assert.equal(req.person.kind, 'emails');
      assert.equal(req.person.count, 1);
      assert.equal(Date.parse(req.due_at) - Date.parse(req.received_at), 30 * DAY_MS);
      assert.equal(req.export.json, null, 'nothing to download yet');
      assert.equal((await parent.get(`/v1/requests/${req.id}/export`)).statusCode, 409);

      await drainOperations(t);
      const done = (await parent.get(`/v1/requests/${req.id}`)).json();
      assert.equal(done.state, 'completed', JSON.stringify(done));
      assert.ok(done.export.json && done.export.zip && done.export.expires_at);

      const res = await parent.get(`/v1/requests/${req.id}/export`);
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /application\/json/);
      const doc = JSON.parse(res.body) as ExportDoc;
      assert.deepEqual(doc.contacts.map((c) => c.account_id).sort((a, b) => a - b), [t.accountId, bId, cId].sort((a, b) => a - b), 'one contact per account');
      assert.deepEqual(doc.contacts.map((c) => c.first_name).sort(), ['DanaB', 'DanaC', 'DanaParent']);
      assert.ok(!res.body.includes('someone-else'), 'nobody else');
      assert.equal(doc.contacts.find((c) => c.account_id === t.accountId)?.custom_fields.plan, 'gold');
      assert.deepEqual(doc.lists.map((l) => [l.account_id, l.list_name]), [[bId, 'brand-b-news']]);
      assert.deepEqual(doc.events.map((e) => [e.account_id, e.subject]), [[bId, 'Spring sale for Dana']]);
      assert.deepEqual(doc.accounts.map((a) => a.name).sort(), ['brand-b', 'brand-c', 'default']);

      const zip = await parent.get(`/v1/requests/${req.id}/export.zip`);
      assert.equal(zip.statusCode, 200);
      assert.equal(zip.rawPayload.subarray(0, 4).toString('hex'), '504b0304', 'a zip');
      assert.ok(zip.rawPayload.includes(Buffer.from('events.csv')));

      // The erasure of the same person, everywhere.
      const erasure = await parent.post('/v1/requests', { type: 'erasure', person: { emails: ['DANA@example.com'] }, accounts: 'all', note: 'Dana wrote in by post' });
      assert.equal(erasure.statusCode, 201, erasure.body);
      const er = erasure.json();
      assert.equal(er.operation.action, 'erase');
      assert.equal(er.operation.children.length, 3);
      await drainOperations(t);
      const erased = (await parent.get(`/v1/requests/${er.id}`)).json();
      assert.equal(erased.state, 'completed', JSON.stringify(erased));
      assert.equal(erased.note, null, 'the note is forgotten with the person');
      assert.equal(erased.receipt, `/v1/operations/${er.operation.id}/receipt`);
      assert.equal((await parent.get(erased.receipt)).statusCode, 200);
      for (const part of erased.operation.children) assert.equal(part.state, 'completed');

      const again = (await parent.post('/v1/requests', { type: 'access', person: { emails: ['dana@example.com'] }, accounts: 'all' })).json();
      await drainOperations(t);
      const empty = JSON.parse((await parent.get(`/v1/requests/${again.id}/export`)).body) as ExportDoc;
      assert.deepEqual(empty.contacts, []);
      assert.deepEqual(empty.events, []);
      assert.deepEqual(empty.lists, []);

      // Nothing of the person in what a request keeps, nor in the audit.
      const rows = await t.lethe.store.handle.db.selectFrom('privacy_requests').selectAll().execute();
      assert.ok(!JSON.stringify(rows).toLowerCase().includes('dana@'), 'only keyed hashes of the identifiers');
      const audit = (await parent.get('/v1/audit?limit=1000')).json() as { data: Array<{ action: string; data: unknown }> };
      assert.ok(audit.data.some((e) => e.action === 'request.completed'));
      assert.ok(!JSON.stringify(audit.data).toLowerCase().includes('dana'));
    });

    it('expires an export: the parts are deleted and scrubbed, the download refused', async () => {
      await createContact(parent, { email: 'erin@example.com', first_name: 'Erin' });
      const req = (await parent.post('/v1/requests', { type: 'access', person: { emails: ['erin@example.com'] } })).json();
      await drainOperations(t);
      assert.equal((await parent.get(`/v1/requests/${req.id}/export`)).statusCode, 200);
      const parts = () => t.lethe.store.handle.db.selectFrom('privacy_request_parts').select('seq').where('request_id', '=', req.id).execute();
      assert.ok((await parts()).length > 0);
      t.clock.advanceDays(8);
      assert.ok((await t.lethe.core.requests.expireExports()) >= 1);
      await drainOperations(t);
      assert.equal((await parts()).length, 0);
      assert.equal((await parent.get(`/v1/requests/${req.id}/export`)).statusCode, 409);
      const shown = (await parent.get(`/v1/requests/${req.id}`)).json();
      assert.ok(shown.export.deleted_at);
      assert.equal(shown.export.json, null);
      const deletion = (await parent.get('/v1/operations?kind=request.access&limit=5')).json().data.find((o: { action: string }) => o.action === 'delete_export');
      assert.ok(deletion, 'the deletion is an operation');
      const stored = await t.lethe.store.operations.findById(null, deletion.id);
      assert.ok(stored?.scrubbedAt, 'and its storage was scrubbed');
    });

    it('shows a past-due request as overdue, extends it once with a reason (audited) and rejects another (audited)', async () => {
      const key = await createKey(t, ['erase']);
      const eraser = api(t, t.auth(key));
      const scrape = async () => {
        const text = (await parent.get('/metrics')).body;
        const value = (name: string) => Number(/^(\S+) (\S+)$/m.exec(text.split('\n').find((l) => l.startsWith(`${name} `)) ?? '')?.[2]);
        return { open: value('lethe_privacy_requests_open'), soon: value('lethe_privacy_requests_due_soon'), overdue: value('lethe_privacy_requests_overdue') };
      };
      const before = await scrape();
      assert.ok(Number.isFinite(before.overdue), 'the gauges are exported');
      const received = new Date(t.clock.now() - 40 * DAY_MS).toISOString();
      const late = (await eraser.post('/v1/requests', { type: 'erasure', person: { emails: ['late@example.com'] }, received_at: received, reference: 'T-9' })).json();
      assert.equal(late.overdue, true);
      const withLate = await scrape();
      assert.deepEqual(withLate, { open: before.open + 1, soon: before.soon + 1, overdue: before.overdue + 1 }, 'open, due soon and overdue in /metrics');
      const overdue = (await eraser.get('/v1/requests?overdue=true')).json();
      assert.ok(overdue.data.some((r: { id: number }) => r.id === late.id));

      const tooLate = await eraser.post(`/v1/requests/${late.id}/extend`, { reason: 'complex', due_at: new Date(Date.parse(received) + 91 * DAY_MS).toISOString() });
      assert.equal(tooLate.statusCode, 400, tooLate.body);
      assert.equal(tooLate.json().field, 'due_at');
      const extended = await eraser.post(`/v1/requests/${late.id}/extend`, { reason: 'many requests this month' });
      assert.equal(extended.statusCode, 200, extended.body);
      assert.equal(Date.parse(extended.json().due_at) - Date.parse(received), 90 * DAY_MS);
      assert.equal(extended.json().extension.reason, 'many requests this month');
      assert.equal(extended.json().overdue, false);
      assert.equal((await eraser.post(`/v1/requests/${late.id}/extend`, { reason: 'again' })).statusCode, 409, 'once only');
      const extendedFigures = await scrape();
      assert.equal(extendedFigures.overdue, before.overdue, 'no longer overdue once extended');
      assert.equal(extendedFigures.open, before.open + 1);

      const other = (await eraser.post('/v1/requests', { type: 'erasure', person: { emails: ['reject@example.com'] } })).json();
      const rejected = await eraser.post(`/v1/requests/${other.id}/reject`, { reason: 'identity not verified' });
      assert.equal(rejected.statusCode, 200, rejected.body);
      assert.equal(rejected.json().state, 'rejected');
      assert.equal(rejected.json().rejection.reason, 'identity not verified');
      assert.ok(['canceled', 'completed'].includes(rejected.json().operation.state));
      assert.equal((await eraser.post(`/v1/requests/${other.id}/reject`, { reason: 'again' })).statusCode, 409);

      const audit = (await parent.get('/v1/audit?limit=1000')).json() as { data: Array<{ action: string; subject_id: string; data: Record<string, unknown> }> };
      const ext = audit.data.find((e) => e.action === 'request.extended' && e.subject_id === String(late.id));
      assert.ok(ext);
      assert.equal(ext.data.due_at, Date.parse(received) + 90 * DAY_MS);
      assert.ok(audit.data.find((e) => e.action === 'request.rejected' && e.subject_id === String(other.id)));

      // The clock moves past the extended deadline too.
      t.clock.advanceDays(60);
      assert.equal((await eraser.get(`/v1/requests/${late.id}`)).json().overdue, true);
      assert.ok((await scrape()).overdue >= before.overdue + 1);
    });

    it('refuses bad input with a problem naming the field, and writes nothing', async () => {
      const before = (await parent.get('/v1/requests?limit=1000')).json().data.length;
      const bad: Array<[unknown, string]> = [
        [{ type: 'forget', person: { emails: ['a@example.com'] } }, 'type'],
        [{ type: 'access', person: { emails: ['not an address'] } }, 'person.emails'],
        [{ type: 'access', person: {} }, 'person'],
        [{ type: 'access', person: { emails: ['a@example.com'], ids: [1] } }, 'person'],
        [{ type: 'erasure', person: { ids: [1] }, accounts: 'all' }, 'accounts'],
        [{ type: 'access', person: { emails: ['a@example.com'] }, received_at: '2999-01-01T00:00:00Z' }, 'received_at'],
        [{ type: 'access', person: { emails: ['a@example.com'] }, reference: 'x'.repeat(101) }, 'reference'],
      ];
      for (const [body, field] of bad) {
        const res = await parent.post('/v1/requests', body);
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
        assert.match(String(res.headers['content-type']), /problem\+json/);
        assert.ok(String(res.json().field ?? '').startsWith(field), `${JSON.stringify(body)} names ${field}: ${res.body}`);
      }
      assert.equal((await parent.get('/v1/requests?limit=1000')).json().data.length, before);
      assert.equal((await parent.get('/v1/requests?state=nope')).statusCode, 400);
      assert.equal((await parent.get('/v1/requests/999999')).statusCode, 404);
    });

    it('keeps tenants apart: a parent acts for its sub-account, the sub-account sees only its own, another tenant nothing', async () => {
      await createContact(brandC, { email: 'tenant@example.com', first_name: 'InC' });
      const inC = await brandC.post('/v1/requests', { type: 'access', person: { emails: ['tenant@example.com'] }, reference: 'C-1' });
      assert.equal(inC.statusCode, 201, inC.body);
      const req = inC.json();
      assert.equal(req.account_id, cId, 'made on behalf of the sub-account, in it');
      const cAdmin = api(t, t.auth(await createKey(t, ['admin'], { 'on-behalf-of': 'brand-c' })));
      assert.equal((await cAdmin.get(`/v1/requests/${req.id}`)).statusCode, 200, 'the sub-account\'s own key sees it');
      assert.equal((await parent.get(`/v1/requests/${req.id}`)).statusCode, 404, 'not the parent acting for itself');
      const parentOwn = (await parent.post('/v1/requests', { type: 'access', person: { emails: ['tenant@example.com'] } })).json();
      assert.equal((await cAdmin.get(`/v1/requests/${parentOwn.id}`)).statusCode, 404, 'a sub-account never sees its parent\'s');
      assert.equal((await cAdmin.post('/v1/requests', { type: 'access', person: { emails: ['tenant@example.com'] }, accounts: 'all' })).statusCode, 403, 'only a parent asks across accounts');
      const other = await t.lethe.core.accounts.createTopLevel('acme');
      const otherKey = (await t.lethe.core.keys.create(other.id, { scopes: ['admin'] })).key;
      const otherAdmin = api(t, t.auth(otherKey));
      for (const url of [`/v1/requests/${req.id}`, `/v1/requests/${parentOwn.id}`, `/v1/requests/${parentOwn.id}/export`]) assert.equal((await otherAdmin.get(url)).statusCode, 404, url);
      assert.equal((await otherAdmin.post(`/v1/requests/${parentOwn.id}/reject`, { reason: 'not mine' })).statusCode, 404);
      assert.deepEqual((await otherAdmin.get('/v1/requests')).json().data, []);
      const otherC = await t.app.inject({ method: 'GET', url: `/v1/requests/${req.id}`, headers: { ...t.auth(otherKey), 'on-behalf-of': 'brand-c' } });
      assert.equal(otherC.statusCode, 403, 'on-behalf-of names only one\'s own sub-accounts');
    });

    it('holds to scopes: erasure needs erase, access read; a read key sees no erasure requests; sub-accounts see none of the parent', async () => {
      const reader = api(t, t.auth(await createKey(t, ['read'])));
      const eraser = api(t, t.auth(await createKey(t, ['erase'])));
      assert.equal((await reader.post('/v1/requests', { type: 'erasure', person: { emails: ['x@example.com'] } })).statusCode, 403);
      assert.equal((await eraser.post('/v1/requests', { type: 'access', person: { emails: ['x@example.com'] } })).statusCode, 403);
      const er = (await eraser.post('/v1/requests', { type: 'erasure', person: { emails: ['x@example.com'] } })).json();
      const ac = (await reader.post('/v1/requests', { type: 'access', person: { emails: ['x@example.com'] } })).json();
      assert.equal((await reader.get(`/v1/requests/${er.id}`)).statusCode, 403);
      const seen = (await reader.get('/v1/requests?limit=1000')).json().data as Array<{ type: string }>;
      assert.ok(seen.length > 0 && seen.every((r) => r.type === 'access'));
      const all = (await parent.get('/v1/requests?limit=1000')).json().data as Array<{ id: number }>;
      assert.ok(all.some((r) => r.id === er.id) && all.some((r) => r.id === ac.id), 'an admin sees every request');
      assert.equal((await brandB.get(`/v1/requests/${er.id}`)).statusCode, 404);
      await drainOperations(t);
      // The export: the key that asked, or an admin; not another read key.
      const otherReader = api(t, t.auth(await createKey(t, ['read'])));
      assert.equal((await otherReader.get(`/v1/requests/${ac.id}/export`)).statusCode, 403);
      assert.equal((await reader.get(`/v1/requests/${ac.id}/export`)).statusCode, 200);
    });
  });
}
