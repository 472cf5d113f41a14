import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Actor } from '../../src/core/actor.js';
import type { Contact } from '../../src/core/contacts/contact.js';
import { SCOPES as SCOPE_ORDER } from '../../src/core/keys/scopes.js';
import type { Scope } from '../../src/core/keys/scopes.js';
import { SERVED_SURFACES } from '../../src/http/surfaces.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { CONFORMANCE_SURFACES } from './surfaces.js';
import type { Call } from './surfaces.js';

/**
 * The same cases over every surface: each refusal in that surface's own shape and status,
 * and nothing written. A surface joins by adding an entry to CONFORMANCE_SURFACES.
 */

describe('conformance suite', () => {
  it('covers every surface the server mounts', () => {
    assert.deepEqual(CONFORMANCE_SURFACES.map((e) => e.surface).sort(), SERVED_SURFACES.map((s) => s.name).sort());
  });
});

const rateLimitConfig = Object.assign({}, ...CONFORMANCE_SURFACES.map((e) => e.rateLimit?.config ?? {})) as Record<string, number>;

for (const engine of ENGINES) {
  describe(`every surface answers the same cases in its own shape [${engine}]`, () => {
    let t: TestApp;
    let n = 0;
    before(async () => {
      t = await buildTestApp(engine, { config: rateLimitConfig });
    });
    after(async () => t.close());

    const adminOf = (accountId: number): Actor => ({ accountId, keyAccountId: accountId, keyId: null, scopes: ['admin'], via: 'cli' });
    /** A fresh sub-account of the default account: each case counts its own requests. */
    const account = async () => {
      n += 1;
      const created = await t.lethe.core.accounts.createSubAccount(adminOf(t.accountId), `conformance-${n}`);
      return { id: created.id, name: created.name };
    };
    const keyOf = (accountId: number, scopes: Scope[] = ['admin']) => t.lethe.core.keys.create(accountId, { name: 'conformance', scopes });
    const contactIn = (accountId: number): Promise<Contact> => t.lethe.core.contacts.create(adminOf(accountId), { email: `person${(n += 1)}@example.com` });
    const send = (call: Call, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
      t.app.inject({
        method: call.method,
        url: call.url,
        headers: { ...headers, ...(call.payload !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(call.payload !== undefined ? { payload: typeof call.payload === 'string' ? call.payload : JSON.stringify(call.payload) } : {}),
      });
    /** What a request could have written: rows of every table a refused request must not touch. */
    const written = async () => {
      const db = t.lethe.store.handle.db;
      const count = async (table: 'contacts' | 'lists' | 'operations' | 'audit_log' | 'api_keys' | 'access_tokens') =>
        Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const erased = Number((await db.selectFrom('contacts').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '!=', 'active').executeTakeFirstOrThrow()).n);
      return { contacts: await count('contacts'), notActive: erased, lists: await count('lists'), operations: await count('operations'), audit: await count('audit_log'), keys: await count('api_keys'), tokens: await count('access_tokens') };
    };

    for (const entry of CONFORMANCE_SURFACES) {
      describe(entry.surface, () => {
        it('no key: 401, nothing written', async () => {
          const a = await account();
          const contact = await contactIn(a.id);
          const before = await written();
          entry.assertError(await send(entry.readContact(contact)), 401);
          entry.assertError(await send(entry.erase(contact)), 401);
          assert.deepEqual(await written(), before);
        });

        it('a wrong key: 401, nothing written', async () => {
          const a = await account();
          const contact = await contactIn(a.id);
          const before = await written();
          entry.assertError(await send(entry.readContact(contact), entry.wrongCredential), 401);
          entry.assertError(await send(entry.erase(contact), entry.wrongCredential), 401);
          assert.deepEqual(await written(), before);
        });

        it('a key of another account: 404, nothing written', async () => {
          const [a, b] = [await account(), await account()];
          const contact = await contactIn(a.id);
          const other = await entry.credential(await keyOf(b.id), t.app);
          const before = await written();
          entry.assertError(await send(entry.readContact(contact), other), 404);
          assert.deepEqual(await written(), before);
          // The same read with the owner's key succeeds: the 404 above is the tenancy, not the route.
          assert.equal((await send(entry.readContact(contact), (await entry.credential(await keyOf(a.id), t.app)))).statusCode, 200);
        });

        it('a key without the scope: 403, nothing written', async () => {
          const a = await account();
          const contact = await contactIn(a.id);
          const reader = await entry.credential(await keyOf(a.id, entry.withoutEraseScopes ?? ['read', 'write', 'delete']), t.app);
          const before = await written();
          entry.assertError(await send(entry.erase(contact), reader), 403);
          assert.deepEqual(await written(), before);
        });

        it('a sub-account via on-behalf-of: the parent acts for its own child only', async () => {
          const child = await account();
          const inChild = await contactIn(child.id);
          const inParent = await contactIn(t.accountId);
          const parentKey = await entry.credential(await keyOf(t.accountId), t.app);
          const forChild = { ...parentKey, 'on-behalf-of': child.name };
          assert.equal((await send(entry.readContact(inChild), forChild)).statusCode, 200);
          const before = await written();
          entry.assertError(await send(entry.readContact(inParent), forChild), 404);
          // A child's key may not act for its parent.
          const childKey = await entry.credential(await keyOf(child.id), t.app);
          const afterKey = await written();
          entry.assertError(await send(entry.readContact(inParent), { ...childKey, 'on-behalf-of': `account-id ${t.accountId}` }), 403);
          entry.assertError(await send(entry.erase(inParent), { ...childKey, 'on-behalf-of': `account-id ${t.accountId}` }), 403);
          assert.equal(before.keys + 1, afterKey.keys);
          assert.deepEqual(await written(), afterKey);
        });

        it('an unknown route: 404 in the surface\'s shape', async () => {
          const a = await account();
          const key = await entry.credential(await keyOf(a.id), t.app);
          entry.assertError(await send({ method: 'GET', url: entry.unknownRoute }, key), 404);
          entry.assertError(await send({ method: 'GET', url: entry.unknownRoute }), entry.unknownRouteNeedsKey ? 401 : 404);
        });

        it('a malformed body: 400, nothing written', async () => {
          const a = await account();
          const key = await entry.credential(await keyOf(a.id), t.app);
          const before = await written();
          entry.assertError(await send({ ...entry.withBody, payload: '{"name": ' }, key), 400);
          entry.assertError(await send({ ...entry.withBody, payload: '[1, 2, 3]' }, key), 400);
          assert.deepEqual(await written(), before);
        });

        it('every route: no key 401, a key without its scope 403, nothing written; a key with only that scope succeeds', { skip: !entry.routes && 'this surface lists no routes yet' }, async () => {
          const a = await account();
          const contact = await contactIn(a.id);
          const list = await t.lethe.core.lists.create(adminOf(a.id), { name: `conformance-list-${n}` });
          await t.lethe.core.lists.addMembers(adminOf(a.id), list.id, [contact.id]);
          const operation = await t.lethe.core.operations.create(adminOf(a.id), { action: 'soft_delete', selector: { kind: 'ids', values: [contact.id] }, dryRun: true });
          const lacking = (scope: Scope): Scope[] => SCOPE_ORDER.filter((s) => s !== scope && s !== 'admin');
          for (const route of entry.routes?.({ contact, list, operation }) ?? []) {
            const name = `${route.call.method} ${route.call.url}`;
            const without = await entry.credential(await keyOf(a.id, lacking(route.scope)), t.app);
            const only = await entry.credential(await keyOf(a.id, [route.scope]), t.app);
            const before = await written();
            entry.assertError(await send(route.call), 401);
            entry.assertError(await send(route.call, entry.wrongCredential), 401);
            entry.assertError(await send(route.call, without), 403);
            assert.deepEqual(await written(), before, name);
            const res = await send(route.call, only);
            assert.equal(res.statusCode, route.status, `${name}: ${res.body}`);
          }
        });

        it('a rate-limited request: 429, nothing written', { skip: entry.rateLimit === null && 'this surface has no rate limit' }, async () => {
          const limit = entry.rateLimit;
          assert.ok(limit);
          const a = await account();
          const contact = await contactIn(a.id);
          const key = await entry.credential(await keyOf(a.id), t.app);
          for (let i = 0; i < limit.limit; i++) assert.equal((await send(limit.call(contact), key)).statusCode, 200);
          const before = await written();
          entry.assertError(await send(limit.call(contact), key), 429);
          entry.assertError(await send(entry.erase(contact), key), 429);
          assert.deepEqual(await written(), before);
        });
      });
    }
  });
}
