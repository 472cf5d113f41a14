import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './app.js';

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

/**
 * Stand-ins for the deletion engine, which other code owns: they put a contact in the
 * state a soft delete or an erasure leaves it in, straight in the database.
 */
export async function markSoftDeleted(t: TestApp, contactId: number): Promise<void> {
  const now = t.clock.now();
  await t.lethe.store.handle.db
    .updateTable('contacts')
    .set({ status: 'deleted', deleted_at: now, purge_at: now + 30 * 86_400_000 })
    .where('id', '=', contactId)
    .execute();
  await t.lethe.store.handle.db.deleteFrom('list_memberships').where('contact_id', '=', contactId).execute();
}

export async function markErased(t: TestApp, contactId: number): Promise<void> {
  const now = t.clock.now();
  await t.lethe.store.handle.db
    .updateTable('contacts')
    .set({
      status: 'erased',
      email: null,
      // An erased contact keeps a keyed-hash placeholder, so its address matches nobody.
      email_norm: `erased:${contactId}`,
      first_name: null,
      last_name: null,
      phone: null,
      custom_fields: '{}',
      attributes: '{}',
      external_key: null,
      opt_in_ip: null,
      erased_at: now,
      purge_at: now + 30 * 86_400_000,
    })
    .where('id', '=', contactId)
    .execute();
  await t.lethe.store.handle.db.deleteFrom('list_memberships').where('contact_id', '=', contactId).execute();
}
