import assert from 'node:assert/strict';
import type { Actor } from '../../src/core/actor.js';
import type { CreateOperationInput, Operation } from '../../src/core/operations/operation.js';
import type { TestApp } from '../helpers/app.js';
import { drainOperations } from '../helpers/operations.js';

/** An operator of an account, as the native API would pass it to core. */
export const actorOf = (accountId: number, keyAccountId = accountId): Actor => ({ accountId, keyAccountId, keyId: null, scopes: ['admin'], via: 'native' });

/** Creates `n` contacts with distinctive personal data; returns their ids in order. */
export async function seedContacts(t: TestApp, accountId: number, n: number, prefix: string, listIds: number[] = []): Promise<number[]> {
  const inputs = Array.from({ length: n }, (_, i) => ({
    email: `${prefix}-${i}@Example.com`,
    externalKey: `${prefix}-key-${i}`,
    firstName: `First${prefix}${i}`,
    lastName: `Last${prefix}${i}`,
    phone: '+15550001111',
    customFields: { color: `teal-${prefix}-${i}` },
    attributes: { city: `Springfield-${prefix}` },
    optInIp: '203.0.113.7',
  }));
  const results = await t.lethe.core.contacts.upsertMany(accountId, inputs, { source: 'test', listIds });
  return results.map((r) => {
    assert.ok(r.outcome === 'created' || r.outcome === 'updated', JSON.stringify(r));
    return r.contactId;
  });
}

/** Creates an operation, runs the worker until idle, and returns the operation as it ended. */
export async function runOperation(t: TestApp, actor: Actor, input: CreateOperationInput, chunkSize?: number): Promise<Operation> {
  const created = await t.lethe.core.operations.create(actor, input);
  assert.equal(created.state, created.children.length > 0 ? 'processing' : 'queued');
  await drainOperations(t, { schedule: false, ...(chunkSize ? { chunkSize } : {}) });
  return t.lethe.core.operations.get(actor, created.id);
}

/** A contact row straight from the database (null when purged). */
export async function rawContact(t: TestApp, id: number) {
  return (await t.lethe.store.handle.db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function rowCount(t: TestApp, table: 'contacts' | 'list_memberships' | 'events' | 'operations', where?: { column: 'contact_id' | 'account_id'; value: number }): Promise<number> {
  let query = t.lethe.store.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n'));
  if (where) query = query.where(where.column as never, '=', where.value as never);
  return Number((await query.executeTakeFirstOrThrow()).n);
}
