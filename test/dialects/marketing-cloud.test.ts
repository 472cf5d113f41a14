import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, createContact, createKey, createSubAccount } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { assertGatewayError, assertResultError, mcAuth, requestToken } from '../helpers/marketing-cloud.js';
import { drainOperations } from '../helpers/operations.js';

const DAY = 86_400_000;
const DELETE = '/contacts/v1/contacts/actions/delete';

interface Status {
  operation: { status: string; operationID: number; expectedListCount: number; successCount: number; notFoundCount: number; invalidCount: number; mID: number; listKey: string | null };
  backgroundOperationsSummary?: Array<{ backgroundOperationStatusID: string }>;
  numberofRestorableDays: number;
}

for (const engine of ENGINES) {
  describe(`Marketing Cloud Contact Delete [${engine}]`, () => {
    let t: TestApp;
    let v1: Api;
    let n = 0;
    before(async () => {
      t = await buildTestApp(engine);
      v1 = api(t);
    });
    after(async () => t.close());

    const contact = (client: Api = v1, extra: Record<string, unknown> = {}) => createContact(client, { email: `mc${(n += 1)}@example.com`, external_key: `key-${n}`, ...extra });
    const statusOf = async (mc: Api, id: number): Promise<Status> => {
      const res = await mc.get(`/contacts/v1/contacts/actions/delete/status?operationID=${id}`);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const contactStatus = async (id: number): Promise<string | undefined> =>
      (await t.lethe.store.handle.db.selectFrom('contacts').select('status').where('id', '=', id).executeTakeFirst())?.status;
    const setWindow = async (mc: Api, value: string) => {
      const res = await mc.post(`${DELETE}/configSettings`, { items: [{ settingKey: 'SuppressionRestoreUntilDays', value }] });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { rowsEffected: number }).rowsEffected, 1);
    };

    describe('token', () => {
      it('trades a key id and secret for a 20-minute token and points rest_instance_url at this server', async () => {
        const res = await requestToken(t, t.adminKey);
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json() as Record<string, unknown>;
        assert.match(String(body.access_token), /^lethe_at_/);
        assert.equal(body.token_type, 'Bearer');
        assert.ok(Number(body.expires_in) > 1000 && Number(body.expires_in) <= 1200);
        assert.match(String(body.scope), /list_and_subscribers_write/);
        assert.equal(body.rest_instance_url, 'http://localhost:80/');
        assert.equal(typeof body.soap_instance_url, 'string');
      });

      it('uses LETHE_PUBLIC_URL when set, ending in "/"', async () => {
        const other = await buildTestApp(engine, { config: { publicUrl: 'https://lethe.example.com/base' } });
        try {
          const res = await requestToken(other, other.adminKey);
          assert.equal((res.json() as { rest_instance_url: string }).rest_instance_url, 'https://lethe.example.com/base/');
        } finally {
          await other.close();
        }
      });

      it('refuses a wrong client with 401 invalid_client, and a bad grant with 400; nothing is stored', async () => {
        const count = async () => Number((await t.lethe.store.handle.db.selectFrom('access_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
        const before = await count();
        const wrong = await t.app.inject({ method: 'POST', url: '/v2/token', payload: { grant_type: 'client_credentials', client_id: '0'.repeat(24), client_secret: '0'.repeat(48) } });
        assert.equal(wrong.statusCode, 401);
        assert.deepEqual(Object.keys(wrong.json() as object).sort(), ['error', 'error_description', 'error_uri']);
        assert.equal((wrong.json() as { error: string }).error, 'invalid_client');
        const grant = await t.app.inject({ method: 'POST', url: '/v2/token', payload: { grant_type: 'password', client_id: 'x', client_secret: 'y' } });
        assert.equal(grant.statusCode, 400);
        assert.equal((grant.json() as { error: string }).error, 'unsupported_grant_type');
        assert.equal(await count(), before);
      });

      it('names a business unit: the key\'s own account or its sub-account, never a parent or sibling', async () => {
        const a = await createSubAccount(t, 'bu-a');
        const b = await createSubAccount(t, 'bu-b');
        assert.equal((await requestToken(t, t.adminKey, a)).statusCode, 200);
        assert.equal((await requestToken(t, t.adminKey, String(t.accountId))).statusCode, 200);
        const childKey = await createKey(t, ['read', 'erase'], { 'on-behalf-of': 'bu-a' });
        assert.equal((await requestToken(t, childKey, a)).statusCode, 200);
        for (const refused of [t.accountId, b, 999_999, 'abc']) {
          const res = await requestToken(t, childKey, refused as number);
          assert.equal(res.statusCode, 401, `account ${refused}`);
          assert.equal((res.json() as { error: string }).error, 'unauthorized_client');
        }
        // The parent's token for bu-a acts in bu-a: it deletes there and not in the parent.
        const inParent = await contact();
        const inA = await contact(api(t, { ...t.auth(), 'on-behalf-of': 'bu-a' }));
        const mcA = api(t, await mcAuth(t, t.adminKey, a));
        const res = await mcA.post(`${DELETE}?type=ids`, { values: [inParent.id, inA.id], DeleteOperationType: 'ContactAndAttributes' });
        assert.equal(res.statusCode, 200, res.body);
        await drainOperations(t);
        const status = await statusOf(mcA, (res.json() as { operationID: number }).operationID);
        assert.equal(status.operation.mID, a);
        assert.equal(status.operation.successCount, 1);
        assert.equal(status.operation.notFoundCount, 1);
        assert.equal(await contactStatus(inParent.id), 'active');
        assert.equal(await contactStatus(inA.id), 'deleted');
        // Its operation is not visible from the parent's own token.
        const mcParent = api(t, await mcAuth(t, t.adminKey));
        assertResultError(await mcParent.get(`/contacts/v1/contacts/actions/delete/status?operationID=${status.operation.operationID}`), 404);
      });
    });

    describe('delete', () => {
      it('by ids with no window (-1): phase one purges, both phases Completed, unknown and invalid ids counted', async () => {
        const mc = api(t, await mcAuth(t, t.adminKey));
        await setWindow(mc, '-1');
        const [x, y] = [await contact(), await contact()];
        const res = await mc.post(`${DELETE}?type=ids`, { values: [x.id, String(y.id), 987_654_321, 'nope', x.id], DeleteOperationType: 'ContactAndAttributes' });
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json() as Record<string, unknown>;
        assert.equal(body.operationInitiated, true);
        assert.equal(typeof body.operationID, 'number');
        assert.deepEqual(body.resultMessages, []);
        assert.match(String(body.requestServiceMessageID), /^[0-9a-f-]{36}$/);
        assert.match(String(body.serviceMessageID), /^[0-9a-f-]{36}$/);
        const pending = await statusOf(mc, Number(body.operationID));
        assert.equal(pending.operation.status, 'Pending');
        assert.equal(pending.backgroundOperationsSummary, undefined);
        await drainOperations(t);
        const done = await statusOf(mc, Number(body.operationID));
        assert.equal(done.operation.status, 'Completed');
        assert.equal(done.operation.successCount, 2);
        assert.equal(done.operation.notFoundCount, 1);
        assert.equal(done.operation.invalidCount, 1);
        assert.equal(done.numberofRestorableDays, 0);
        assert.equal(done.backgroundOperationsSummary?.[0]?.backgroundOperationStatusID, 'Completed');
        assert.equal(await contactStatus(x.id), undefined, 'purged');
        assert.equal(await contactStatus(y.id), undefined, 'purged');
      });

      it('by keys with the default window: suppressed and restorable through /v1 until the window ends, then purged by the scheduler', async () => {
        const sub = await createSubAccount(t, 'bu-window');
        const v1Sub = api(t, { ...t.auth(), 'on-behalf-of': 'bu-window' });
        let mc = api(t, await mcAuth(t, t.adminKey, sub));
        const list = await v1Sub.post('/v1/lists', { name: 'newsletter' });
        const [x, y, z] = [await contact(v1Sub), await contact(v1Sub), await contact(v1Sub)];
        assert.equal((await v1Sub.post(`/v1/lists/${(list.json() as { id: number }).id}/members`, { contact_ids: [x.id, y.id] })).statusCode, 200);
        const res = await mc.post(`${DELETE}?type=keys`, { Values: [x.external_key, y.external_key, z.external_key, 'no-such-key'], deleteOperationType: 'ContactAndAttributes' });
        assert.equal(res.statusCode, 200, res.body);
        const id = (res.json() as { operationID: number }).operationID;
        await drainOperations(t);
        const suppressed = await statusOf(mc, id);
        assert.equal(suppressed.operation.status, 'Completed');
        assert.equal(suppressed.numberofRestorableDays, 14);
        assert.equal(suppressed.backgroundOperationsSummary, undefined, 'phase two has not begun');
        assert.equal(suppressed.operation.notFoundCount, 1);
        for (const c of [x, y, z]) assert.equal(await contactStatus(c.id), 'deleted');
        const members = await v1Sub.get(`/v1/lists/${(list.json() as { id: number }).id}/members`);
        assert.equal((members.json() as { data: unknown[] }).data.length, 0, 'out of every list');
        // Restorable within the window, through /v1.
        const restore = await v1Sub.post('/v1/operations', { action: 'restore', selector: { ids: [z.id] } });
        assert.equal(restore.statusCode, 202, restore.body);
        t.clock.advance(13 * DAY);
        await drainOperations(t);
        assert.equal(await contactStatus(z.id), 'active');
        assert.equal(await contactStatus(x.id), 'deleted', 'still suppressed on day 13');
        t.clock.advance(DAY + 1000);
        mc = api(t, await mcAuth(t, t.adminKey, sub)); // the first token has long expired
        const due = await statusOf(mc, id);
        assert.equal(due.backgroundOperationsSummary?.[0]?.backgroundOperationStatusID, 'Processing', 'phase two has begun');
        await drainOperations(t);
        const purged = await statusOf(mc, id);
        assert.equal(purged.operation.status, 'Completed');
        assert.equal(purged.backgroundOperationsSummary?.[0]?.backgroundOperationStatusID, 'Completed');
        assert.equal(await contactStatus(x.id), undefined);
        assert.equal(await contactStatus(y.id), undefined);
        assert.equal(await contactStatus(z.id), 'active', 'the restored contact stays');
      });

      it('by list reference (a list\'s external key), deleting the list when completed', async () => {
        const sub = await createSubAccount(t, 'bu-list');
        const v1Sub = api(t, { ...t.auth(), 'on-behalf-of': 'bu-list' });
        let mc = api(t, await mcAuth(t, t.adminKey, sub));
        await setWindow(mc, '3');
        const created = await v1Sub.post('/v1/lists', { name: 'DE import', external_key: 'DE-Key-1' });
        assert.equal(created.statusCode, 201, created.body);
        const list = created.json() as { id: number; external_key: string };
        assert.equal(list.external_key, 'DE-Key-1');
        assert.equal((await v1Sub.post('/v1/lists', { name: 'other', external_key: 'DE-Key-1' })).statusCode, 409);
        const [x, y, outside] = [await contact(v1Sub), await contact(v1Sub), await contact(v1Sub)];
        await v1Sub.post(`/v1/lists/${list.id}/members`, { contact_ids: [x.id, y.id] });
        const res = await mc.post(`${DELETE}?type=listReference`, {
          deleteOperationType: 'ContactAndAttributes',
          targetList: { listType: { listTypeID: 3 }, listKey: 'DE-Key-1' },
          deleteListWhenCompleted: true,
          deleteListContentsWhenCompleted: false,
        });
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json() as { operationID: number; targetListInformation: Record<string, unknown> };
        assert.equal(body.targetListInformation.listKey, 'DE-Key-1');
        assert.deepEqual(body.targetListInformation.listType, { listTypeID: 3, listTypeKey: 'DataExtension' });
        await drainOperations(t);
        const status = await statusOf(mc, body.operationID);
        assert.equal(status.operation.status, 'Completed');
        assert.equal(status.operation.expectedListCount, 2);
        assert.equal(status.numberofRestorableDays, 3);
        assert.equal(await contactStatus(x.id), 'deleted');
        assert.equal(await contactStatus(outside.id), 'active');
        assert.equal((await v1Sub.get(`/v1/lists/${list.id}`)).statusCode, 404, 'the list was deleted on completion');
        t.clock.advance(3 * DAY + 1000);
        mc = api(t, await mcAuth(t, t.adminKey, sub));
        await drainOperations(t);
        assert.equal((await statusOf(mc, body.operationID)).backgroundOperationsSummary?.[0]?.backgroundOperationStatusID, 'Completed');
        assert.equal(await contactStatus(x.id), undefined);
      });

      it('runs a large delete as one operation in chunks', async () => {
        const sub = await createSubAccount(t, 'bu-chunks');
        const mc = api(t, await mcAuth(t, t.adminKey, sub));
        const actor = { accountId: sub, keyAccountId: sub, keyId: null, scopes: ['admin' as const], via: 'cli' as const };
        const rows = Array.from({ length: 1200 }, (_, i) => ({ email: `chunk${i}@example.com`, externalKey: `chunk-${i}` }));
        await t.lethe.core.contacts.upsertMany(sub, rows, { source: 'import' });
        const keys = [...rows.map((r) => r.externalKey), ...Array.from({ length: 300 }, (_, i) => `missing-${i}`)];
        const res = await mc.post(`${DELETE}?type=keys`, { values: keys, DeleteOperationType: 'ContactAndAttributes' });
        assert.equal(res.statusCode, 200, res.body);
        const id = (res.json() as { operationID: number }).operationID;
        await drainOperations(t, { chunkSize: 500 });
        const op = await t.lethe.core.operations.get(actor, id);
        assert.equal(op.chunksTotal, 3);
        assert.equal(op.chunksDone, 3);
        assert.deepEqual([op.counts.succeeded, op.counts.notFound], [1200, 300]);
        assert.equal((await statusOf(mc, id)).operation.status, 'Completed');
      });

      it('accepts the path and query lower-cased, as FuelSDK sends them', async () => {
        const mc = api(t, await mcAuth(t, t.adminKey));
        const list = (await v1.post('/v1/lists', { name: 'lower', external_key: 'lowerkey' })).json() as { id: number };
        const x = await contact();
        await v1.post(`/v1/lists/${list.id}/members`, { contact_ids: [x.id] });
        const res = await mc.post(`${DELETE.toLowerCase()}?type=listreference`, { deleteoperationtype: 'ContactAndAttributes', targetlist: { listtype: { listtypeid: 3 }, listkey: 'lowerkey' } });
        assert.equal(res.statusCode, 200, res.body);
        const id = (res.json() as { operationID: number }).operationID;
        const status = await mc.get(`/contacts/v1/contacts/actions/delete/status?operationid=${id}`);
        assert.equal(status.statusCode, 200, status.body);
        assert.equal((await mc.post(`${DELETE}/configsettings`, { items: [{ settingkey: 'suppressionrestoreuntildays', value: '-1' }] })).statusCode, 200);
        assert.equal((await mc.get('/contacts/v1/contacts/deleteoperations?$pagesize=5')).statusCode, 200);
        await drainOperations(t);
      });
    });

    describe('refusals', () => {
      it('refuses bad deletes in the contacts envelope and queues nothing', async () => {
        const mc = api(t, await mcAuth(t, t.adminKey));
        const ops = async () => Number((await t.lethe.store.handle.db.selectFrom('operations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
        const before = await ops();
        assertResultError(await mc.post(`${DELETE}?type=emails`, { values: ['a'] }), 400, /type/);
        assertResultError(await mc.post(DELETE, { values: [1] }), 400, /type/);
        assertResultError(await mc.post(`${DELETE}?type=ids`, { values: [] }), 400, /values/);
        assertResultError(await mc.post(`${DELETE}?type=ids`, { values: [1], DeleteOperationType: 'AttributesOnly' }), 400, /ContactAndAttributes/);
        assertResultError(await mc.post(`${DELETE}?type=listReference`, { targetList: { listType: { listTypeID: 1 }, listKey: 'x' } }), 400, /listTypeID/);
        assertResultError(await mc.post(`${DELETE}?type=listReference`, { targetList: { listType: { listTypeID: 3 }, listKey: 'no-such-list' } }), 404, /no list/);
        const token = await mcAuth(t, t.adminKey);
        assertResultError(await t.app.inject({ method: 'POST', url: `${DELETE}?type=ids`, headers: { ...token, 'content-type': 'application/json' }, payload: '{"values": [' }), 400);
        assert.equal(await ops(), before);
      });

      it('refuses unknown settings and non-numeric values; the window is unchanged', async () => {
        const sub = await createSubAccount(t, 'bu-settings');
        const mc = api(t, await mcAuth(t, t.adminKey, sub));
        assertResultError(await mc.post(`${DELETE}/configSettings`, { items: [{ settingKey: 'RetentionDays', value: '3' }] }), 400, /unknown setting/);
        assertResultError(await mc.post(`${DELETE}/configSettings`, { items: [{ settingKey: 'SuppressionRestoreUntilDays', value: 'ten' }] }), 400, /whole number/);
        assertResultError(await mc.post(`${DELETE}/configSettings`, { items: [] }), 400);
        assert.equal((await t.lethe.core.accounts.get(sub)).suppressionWindowDays, null);
      });

      it('needs an access token; erase to delete, read for the status', async () => {
        const noToken = await t.app.inject({ method: 'POST', url: `${DELETE}?type=ids`, payload: { values: [1] } });
        assertGatewayError(noToken, 401);
        assert.match(String(noToken.headers['www-authenticate']), /^Bearer\s.+?invalid_token/, 'the header on which FuelSDK refreshes its token');
        assertGatewayError(await api(t).post(`${DELETE}?type=ids`, { values: [1] }), 401); // a key is not a token here
        const readKey = await createKey(t, ['read']);
        const reader = api(t, await mcAuth(t, readKey));
        assertGatewayError(await reader.post(`${DELETE}?type=ids`, { values: [1] }), 403);
        assertGatewayError(await reader.post(`${DELETE}/configSettings`, { items: [{ settingKey: 'SuppressionRestoreUntilDays', value: '1' }] }), 403);
        const eraser = api(t, await mcAuth(t, await createKey(t, ['erase'])));
        const res = await eraser.post(`${DELETE}?type=ids`, { values: [123_456_789] });
        assert.equal(res.statusCode, 200, res.body);
        assertGatewayError(await eraser.get(`/contacts/v1/contacts/actions/delete/status?operationID=${(res.json() as { operationID: number }).operationID}`), 403);
        assert.equal((await reader.get(`/contacts/v1/contacts/actions/delete/status?operationID=${(res.json() as { operationID: number }).operationID}`)).statusCode, 200);
        assertResultError(await reader.get('/contacts/v1/contacts/actions/delete/status?operationID=abc'), 400, /operationID/);
        assertGatewayError(await reader.get('/contacts/v1/no/such/route'), 404);
        await drainOperations(t);
      });
    });

    describe('analytics and audit', () => {
      it('lists delete requests of a date range by status and sums them in time series; dates are required', async () => {
        const sub = await createSubAccount(t, 'bu-analytics');
        const v1Sub = api(t, { ...t.auth(), 'on-behalf-of': 'bu-analytics' });
        const mc = api(t, await mcAuth(t, t.adminKey, sub));
        await setWindow(mc, '-1');
        const x = await contact(v1Sub);
        const done = (await mc.post(`${DELETE}?type=ids`, { values: [x.id, 404_404_404] })).json() as { operationID: number };
        await drainOperations(t);
        const queued = (await mc.post(`${DELETE}?type=keys`, { values: ['k-none'] })).json() as { operationID: number };
        const day = new Date(t.clock.now()).toISOString().slice(0, 10);
        const next = new Date(t.clock.now() + DAY).toISOString().slice(0, 10);
        const range = `startdateutc=${day}T00%3A00%3A00&enddateutc=${next}T00%3A00%3A00`;
        const all = await mc.get(`/contacts/v1/contacts/analytics/deleterequests?${range}`);
        assert.equal(all.statusCode, 200, all.body);
        const body = all.json() as { pageNumber: number; pageSize: number; operations: Array<{ operationId: number; status: string; totalContactCount: number; completedContactCount: number; deleteMethod: string }> };
        assert.deepEqual(body.operations.map((o) => [o.operationId, o.status]), [[queued.operationID, 'Processing'], [done.operationID, 'Completed']]);
        assert.deepEqual([body.operations[1]?.totalContactCount, body.operations[1]?.completedContactCount, body.operations[1]?.deleteMethod], [2, 1, 'Contact Key/ID']);
        const completed = (await mc.get(`/contacts/v1/contacts/analytics/deleterequests?${range}&statusid=5&$orderby=operationId%20asc&$pagesize=1`)).json() as typeof body;
        assert.deepEqual(completed.operations.map((o) => o.operationId), [done.operationID]);
        const summary = await mc.get(`/contacts/v1/contacts/analytics/deleterequests/summary?${range}`);
        assert.equal(summary.statusCode, 200, summary.body);
        const s = summary.json() as { interval: number; itemcount: number; totaltimeseries: Array<{ requestcount: number }>; statustimeseries: Array<{ statusid: number; requestcount: number; items: Array<{ time: string; value: number }> }> };
        assert.equal(s.interval, 0, 'hourly for a day');
        assert.equal(s.itemcount, 24);
        assert.equal(s.totaltimeseries[0]?.requestcount, 2);
        assert.deepEqual(s.statustimeseries.map((x) => [x.statusid, x.requestcount]), [[1, 1], [5, 1], [7, 0]]);
        assert.match(s.statustimeseries[0]?.items[0]?.time ?? '', /^\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}$/);
        assertResultError(await mc.get('/contacts/v1/contacts/analytics/deleterequests'), 400, /startdateutc/);
        assertResultError(await mc.get(`/contacts/v1/contacts/analytics/deleterequests?startdateutc=${day}&enddateutc=yesterday`), 400, /enddateutc/);
        assertResultError(await mc.get(`/contacts/v1/contacts/analytics/deleterequests?${range}&statusid=2`), 400, /statusid/);
        assertResultError(await mc.get('/contacts/v1/contacts/analytics/deleterequests/summary?startdateutc=2019-02-30T00:00:00&enddateutc=2019-03-01T00:00:00'), 400);
        await drainOperations(t);
      });

      it('audits the deletes and the window setting as Marketing Cloud\'s, with no contact value', async () => {
        const sub = await createSubAccount(t, 'bu-audit');
        const v1Sub = api(t, { ...t.auth(), 'on-behalf-of': 'bu-audit' });
        const mc = api(t, await mcAuth(t, t.adminKey, sub));
        await setWindow(mc, '2');
        const x = await contact(v1Sub);
        const res = await mc.post(`${DELETE}?type=keys`, { values: [x.external_key] });
        await drainOperations(t);
        const entries = await t.lethe.store.handle.db.selectFrom('audit_log').selectAll().where('account_id', '=', sub).orderBy('seq').execute();
        const settings = entries.find((e) => e.action === 'settings.updated');
        assert.equal(settings?.via, 'marketing-cloud');
        assert.equal((JSON.parse(settings?.data ?? '{}') as { suppression_window_days: number }).suppression_window_days, 2);
        const operation = entries.filter((e) => e.subject_type === 'operation' && e.subject_id === String((res.json() as { operationID: number }).operationID));
        assert.deepEqual(operation.map((e) => [e.action, e.via]), [['operation.created', 'marketing-cloud'], ['operation.completed', 'marketing-cloud']]);
        const text = JSON.stringify(entries);
        assert.ok(!text.includes(String(x.external_key)) && !text.includes(String(x.email)), 'no key or address in the audit');
      });
    });

    describe('logs', () => {
      it('keeps addresses and contact keys out of the logs, whatever the request', async () => {
        const mc = api(t, await mcAuth(t, t.adminKey));
        const x = await contact(v1, { email: 'secret.person@example.org', external_key: 'secret-key-7731' });
        await mc.post('/contacts/v1/addresses/email/search', { channelAddressList: ['secret.person@example.org'], maximumCount: 1 });
        await mc.post('/contacts/v1/contacts', { contactKey: 'secret-key-8842', attributeSets: [{ name: 'Email Addresses', items: [{ values: [{ name: 'Email Address', value: 'other.secret@example.org' }] }] }] });
        await mc.post(`${DELETE}?type=keys`, { values: ['secret-key-7731', 'secret-key-8842', 'secret-key-missing'] });
        await mc.get('/contacts/v1/contacts/actions/delete/status?operationID=secret.person@example.org');
        await mc.post(`${DELETE}?type=listReference`, { targetList: { listType: { listTypeID: 3 }, listKey: 'secret-key-7731' } });
        await drainOperations(t);
        const logs = t.logs.text();
        for (const value of ['secret.person', 'other.secret', 'secret-key-7731', 'secret-key-8842', 'secret-key-missing']) assert.ok(!logs.includes(value), `${value} is not logged`);
        assert.notEqual(await contactStatus(x.id), 'active', 'the delete ran (the account\'s window is -1 by now: purged)');
      });
    });

    describe('listing and retry', () => {
      it('lists the account\'s delete operations, newest first, and restarts only a failed one', async () => {
        const sub = await createSubAccount(t, 'bu-listing');
        const v1Sub = api(t, { ...t.auth(), 'on-behalf-of': 'bu-listing' });
        const mc = api(t, await mcAuth(t, t.adminKey, sub));
        const x = await contact(v1Sub);
        const first = (await mc.post(`${DELETE}?type=ids`, { values: [x.id] })).json() as { operationID: number };
        const list = (await v1Sub.post('/v1/lists', { name: 'l', external_key: 'retry-me' })).json() as { id: number };
        const y = await contact(v1Sub);
        await v1Sub.post(`/v1/lists/${list.id}/members`, { contact_ids: [y.id] });
        const second = (await mc.post(`${DELETE}?type=listReference`, { targetList: { listType: { listTypeID: 3 }, listKey: 'retry-me' } })).json() as { operationID: number };
        const listing = await mc.get('/contacts/v1/contacts/deleteOperations');
        assert.equal(listing.statusCode, 200, listing.body);
        const items = (listing.json() as { items: Array<{ operationID: number; status: string; listKey: string | null }> }).items;
        assert.deepEqual(items.map((i) => i.operationID), [second.operationID, first.operationID]);
        assert.equal(items[0]?.listKey, 'retry-me');
        assert.equal(items[0]?.status, 'Pending');
        assertResultError(await mc.post(`/contacts/v1/operations/delete/${second.operationID}/retry`), 409, /only a failed/);
        // A failed list delete is restarted from its plan and runs to completion.
        const now = t.clock.now();
        await t.lethe.store.operations.finish(second.operationID, 'failed', now, { error: { code: 'INTERNAL', message: 'simulated' }, scrubbed: true });
        const retried = await mc.post(`/contacts/v1/operations/delete/${second.operationID}/retry`);
        assert.equal(retried.statusCode, 200, retried.body);
        assert.deepEqual({ ...(retried.json() as object), requestServiceMessageID: 0, serviceMessageID: 0, responseDateTime: 0 }, { operationID: second.operationID, operationRestarted: true, resultMessages: [], requestServiceMessageID: 0, serviceMessageID: 0, responseDateTime: 0 });
        await drainOperations(t);
        assert.equal((await statusOf(mc, second.operationID)).operation.status, 'Completed');
        assert.equal(await contactStatus(y.id), 'deleted');
      });
    });
  });
}
