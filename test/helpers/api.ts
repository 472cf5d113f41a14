import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { Actor } from '../../src/core/actor.js';
import type { TestApp } from './app.js';
import { drainOperations } from './operations.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A small client over `inject()`, bound to one key and its headers. */
export interface Api {
  request(method: Method, url: string, body?: unknown): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  put(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  patch(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  delete(url: string, body?: unknown): Promise<LightMyRequestResponse>;
}

export function api(t: TestApp, headers: Record<string, string> = t.auth()): Api {
  const request = (method: Method, url: string, body?: unknown) =>
    t.app.inject({ method, url, headers, ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}) });
  return {
    request,
    get: (url) => request('GET', url),
    post: (url, body) => request('POST', url, body),
    put: (url, body) => request('PUT', url, body),
    patch: (url, body) => request('PATCH', url, body),
    delete: (url, body) => request('DELETE', url, body),
  };
}

/** A new key of the acting account (or of the account named by `on-behalf-of` in headers). */
export async function createKey(t: TestApp, scopes: string[], headers: Record<string, string> = {}): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: { ...t.auth(), ...headers }, payload: { name: 'test', scopes } });
  assert.equal(res.statusCode, 201, res.body);
  return (res.json() as { key: string }).key;
}

/** A sub-account of the default account; returns its id. */
export async function createSubAccount(t: TestApp, name: string): Promise<number> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/subaccounts', headers: t.auth(), payload: { name } });
  assert.equal(res.statusCode, 201, res.body);
  return (res.json() as { id: number }).id;
}

/** Creates a contact through the API and returns its JSON. */
export async function createContact(client: Api, body: Record<string, unknown>): Promise<Record<string, unknown> & { id: number; uuid: string }> {
  const res = await client.post('/v1/contacts', body);
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

/** Rows in a table (for "nothing was written" checks). */
export async function countRows(t: TestApp, table: 'contacts' | 'lists' | 'list_memberships' | 'events'): Promise<number> {
  const row = await t.lethe.store.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** An operator acting on the contact's own account (for lifecycle helpers). */
async function actorOf(t: TestApp, contactId: number): Promise<Actor> {
  const row = await t.lethe.store.handle.db.selectFrom('contacts').select('account_id').where('id', '=', contactId).executeTakeFirstOrThrow();
  return { accountId: row.account_id, keyAccountId: row.account_id, keyId: null, scopes: ['admin'], via: 'native' };
}

/** Soft-deletes a contact through the deletion engine (an operation, run to the end). */
export async function markSoftDeleted(t: TestApp, contactId: number): Promise<void> {
  await t.lethe.core.operations.create(await actorOf(t, contactId), { action: 'soft_delete', selector: { kind: 'ids', values: [contactId] } });
  await drainOperations(t, { schedule: false });
}

/** Erases a contact through the deletion engine (the synchronous single-contact erase). */
export async function markErased(t: TestApp, contactId: number): Promise<void> {
  await t.lethe.core.lifecycle.eraseContact(await actorOf(t, contactId), contactId);
}
