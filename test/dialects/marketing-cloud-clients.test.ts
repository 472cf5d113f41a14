import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import SDK from 'sfmc-sdk';
import { api, createKey, createSubAccount } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { clientOf } from '../helpers/marketing-cloud.js';
import { drainOperations } from '../helpers/operations.js';

/** Salesforce's FuelSDK for Node (CommonJS, untyped): the part these tests use. */
interface FuelResponse {
  res: { statusCode: number };
  body: Record<string, unknown>;
}
interface FuelClient {
  RestClient: {
    post(options: { uri: string; json: unknown }): Promise<FuelResponse>;
    get(options: { uri: string }): Promise<FuelResponse>;
  };
}
type FuelClientConstructor = new (clientId: string, clientSecret: string, stack: null, options: { authOrigin: string; authOptions: { authVersion: 2; accountId?: number } }) => FuelClient;
const ET_Client = createRequire(import.meta.url)('sfmc-fuelsdk-node') as FuelClientConstructor;
// FuelSDK adds an enumerable Array.prototype.joinObjAddrs when loaded. Here the client shares
// its process with the server under test, whose schema compiler (Ajv) walks arrays with
// for-in; made non-enumerable, the method stays usable and the server is not disturbed. A
// real client runs in its own process.
Object.defineProperty(Array.prototype, 'joinObjAddrs', { enumerable: false });

/** What a client needs from a Marketing Cloud REST API for these tests: POST and GET with JSON. */
interface McRest {
  post(path: string, body: unknown): Promise<Record<string, unknown>>;
  get(path: string): Promise<Record<string, unknown>>;
}

/**
 * The community sfmc-sdk, pointed at Lethe's token URL. Its constructor accepts only
 * Marketing Cloud's own auth host format (https://<28 characters>.auth.marketingcloudapis.com/),
 * so the auth URL is set after it: the only change. The REST base comes from the token's
 * rest_instance_url, as with Marketing Cloud.
 */
function sdkClient(baseUrl: string, key: string, accountId: number): McRest {
  const { clientId, clientSecret } = clientOf(key);
  const sdk = new SDK({ client_id: clientId, client_secret: clientSecret, account_id: String(accountId), auth_url: `https://mc${'0'.repeat(26)}.auth.marketingcloudapis.com/` }, { requestAttempts: 1, retryOnConnectionError: false });
  sdk.auth.authObject.auth_url = `${baseUrl}/`;
  return {
    post: (path, body) => sdk.rest.post(path, body as object) as Promise<Record<string, unknown>>,
    get: (path) => sdk.rest.get(path) as Promise<Record<string, unknown>>,
  };
}

/**
 * Salesforce's FuelSDK for Node with OAuth2 (authVersion 2), its auth origin pointed at
 * Lethe. It sends REST calls to the token's rest_instance_url with the whole path and
 * query lower-cased, which Lethe accepts as Marketing Cloud does.
 */
function fuelClient(baseUrl: string, key: string, accountId: number): McRest {
  const { clientId, clientSecret } = clientOf(key);
  const client = new ET_Client(clientId, clientSecret, null, { authOrigin: baseUrl, authOptions: { authVersion: 2, accountId } });
  const check = (r: FuelResponse) => {
    assert.equal(r.res.statusCode, 200, JSON.stringify(r.body));
    return r.body;
  };
  return {
    post: async (path, body) => check(await client.RestClient.post({ uri: path, json: body })),
    get: async (path) => check(await client.RestClient.get({ uri: path })),
  };
}

const CLIENTS = { 'sfmc-sdk': sdkClient, 'sfmc-fuelsdk-node': fuelClient } as const;

for (const engine of ENGINES) {
  describe(`Marketing Cloud's clients against Lethe [${engine}]`, () => {
    let t: TestApp;
    let baseUrl: string;
    let n = 0;
    before(async () => {
      t = await buildTestApp(engine);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    });
    after(async () => t.close());

    const contactStatus = async (id: number): Promise<string | undefined> =>
      (await t.lethe.store.handle.db.selectFrom('contacts').select('status').where('id', '=', id).executeTakeFirst())?.status;

    /** Polls the status as a client does, running the worker between polls, until both phases are Completed. */
    async function pollToCompleted(mc: McRest, operationId: number): Promise<Record<string, unknown>> {
      for (let poll = 0; poll < 10; poll++) {
        const status = await mc.get(`/contacts/v1/contacts/actions/delete/status?operationID=${operationId}`);
        const operation = status.operation as { status: string };
        const background = status.backgroundOperationsSummary as Array<{ backgroundOperationStatusID: string }> | undefined;
        if (operation.status === 'Completed' && background?.[0]?.backgroundOperationStatusID === 'Completed') return status;
        await drainOperations(t);
      }
      assert.fail(`operation ${operationId} never completed`);
    }

    for (const [name, make] of Object.entries(CLIENTS)) {
      it(`${name}: token, set-up, delete by ids, keys and list reference, status polled to Completed`, async () => {
        const bu = await createSubAccount(t, `bu-${name}`);
        const key = await createKey(t, ['read', 'write', 'erase'], { 'on-behalf-of': `bu-${name}` });
        const mc = make(baseUrl, key, bu);
        const settings = await mc.post('/contacts/v1/contacts/actions/delete/configSettings', { items: [{ settingKey: 'SuppressionRestoreUntilDays', value: '-1' }] });
        assert.equal(settings.rowsEffected, 1);

        const created: Array<{ contactKey: string; contactId: number }> = [];
        for (let i = 0; i < 6; i++) {
          const contactKey = `${name}-${(n += 1)}`;
          const res = await mc.post('/contacts/v1/contacts', { contactKey, attributeSets: [{ name: 'Email Addresses', items: [{ values: [{ name: 'Email Address', value: `${contactKey}@example.com` }, { name: 'HTML Enabled', value: true }] }] }] });
          assert.equal(res.operationStatus, 'OK');
          assert.equal(res.rowsAffetcted, 1);
          created.push({ contactKey, contactId: Number(res.contactId) });
        }
        const found = await mc.post('/contacts/v1/addresses/email/search', { channelAddressList: [`${created[0]?.contactKey}@example.com`], maximumCount: 1 });
        const entities = found.channelAddressResponseEntities as Array<{ contactKeyDetails: Array<{ contactKey: string }> }>;
        assert.equal(entities[0]?.contactKeyDetails[0]?.contactKey, created[0]?.contactKey);
        const [a, b, c, d, e, f] = created as [typeof created[0], typeof created[0], typeof created[0], typeof created[0], typeof created[0], typeof created[0]];

        const byIds = await mc.post('/contacts/v1/contacts/actions/delete?type=ids', { values: [a.contactId, b.contactId, 999_999_999], DeleteOperationType: 'ContactAndAttributes' });
        assert.equal(byIds.operationInitiated, true);
        const idsStatus = await pollToCompleted(mc, Number(byIds.operationID));
        assert.equal((idsStatus.operation as { successCount: number }).successCount, 2);

        const byKeys = await mc.post('/contacts/v1/contacts/actions/delete?type=keys', { values: [c.contactKey, d.contactKey, 'nobody'], DeleteOperationType: 'ContactAndAttributes' });
        await pollToCompleted(mc, Number(byKeys.operationID));

        const v1 = api(t, { ...t.auth(), 'on-behalf-of': `bu-${name}` });
        const list = await v1.post('/v1/lists', { name: `DE ${name}`, external_key: `DE_${name}` });
        const listId = (list.json() as { id: number }).id;
        assert.equal((await v1.post(`/v1/lists/${listId}/members`, { contact_ids: [e.contactId, f.contactId] })).statusCode, 200);
        const byList = await mc.post('/contacts/v1/contacts/actions/delete?type=listReference', {
          deleteOperationType: 'ContactAndAttributes',
          targetList: { listType: { listTypeID: 3 }, listKey: `DE_${name}` },
          deleteListWhenCompleted: false,
          deleteListContentsWhenCompleted: false,
        });
        assert.equal((byList.targetListInformation as { listKey: string }).listKey, `DE_${name}`);
        await pollToCompleted(mc, Number(byList.operationID));

        for (const contact of created) assert.equal(await contactStatus(contact.contactId), undefined, `${contact.contactKey} is gone`);
        const listing = await mc.get('/contacts/v1/contacts/deleteOperations');
        assert.deepEqual((listing.items as Array<{ operationID: number }>).map((i) => i.operationID), [byList.operationID, byKeys.operationID, byIds.operationID]);
      });
    }

    it('sfmc-sdk surfaces a wrong client as Marketing Cloud\'s invalid_client', async () => {
      const mc = sdkClient(baseUrl, `lethe_${'0'.repeat(24)}_${'0'.repeat(48)}`, t.accountId);
      await assert.rejects(mc.get('/contacts/v1/contacts/deleteOperations'), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'invalid_client');
        return true;
      });
    });
  });
}
