import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Config } from '../../src/config.js';
import type { Contact } from '../../src/core/contacts/contact.js';
import type { Scope } from '../../src/core/keys/scopes.js';
import type { CreatedKey } from '../../src/core/keys/keys.service.js';
import type { List } from '../../src/core/lists/list.js';
import type { Operation } from '../../src/core/operations/operation.js';

export interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** A JSON body; a string is sent as it is (for malformed bodies). */
  payload?: unknown;
}

/**
 * One surface as the conformance suite drives it. A new surface joins the suite by adding
 * one entry to `CONFORMANCE_SURFACES`.
 */
export interface ConformanceEntry {
  surface: string;
  /**
   * The headers carrying a key the way this surface's clients send it (a surface whose
   * clients trade the key for a token first gets one from `app`).
   */
  credential(key: CreatedKey, app: FastifyInstance): Record<string, string> | Promise<Record<string, string>>;
  /** A credential of the right form that names no key. */
  wrongCredential: Record<string, string>;
  /** A route that reads one contact (needs `read`). */
  readContact(contact: Contact): Call;
  /** A route that erases or purges the contact (needs `erase`), or, on a surface that never erases, deletes it. */
  erase(contact: Contact): Call;
  /** Scopes of a key that may not make the `erase` call (default: read, write, delete). */
  withoutEraseScopes?: Scope[];
  /**
   * Every route of the surface, in an order in which each succeeds, with the scope it needs
   * and the status it answers: the suite sends each without a key (401), with a key lacking
   * the scope (403), then with a key holding only that scope. Objects of an account of the
   * suite's own: a contact, a list holding it, and an operation.
   */
  routes?(fixture: { contact: Contact; list: List; operation: Operation }): Array<{ call: Call; scope: Scope; status: number }>;
  /** A route that takes a JSON body and needs at most `write`; the suite sends it malformed. */
  withBody: Call;
  /** A path under the surface's mount that no route serves. */
  unknownRoute: string;
  /** Does the surface check the key before answering an unknown route (then no key there is 401)? */
  unknownRouteNeedsKey: boolean;
  /** Config giving the surface's default rate limit this `limit`; null: the surface has none. */
  rateLimit: { config: Partial<Record<keyof Config, number>>; limit: number; call(contact: Contact): Call } | null;
  /** Asserts that the response is an error with this status, in the surface's own shape. */
  assertError(res: LightMyRequestResponse, status: number): void;
}

const json = (res: LightMyRequestResponse) => res.json() as Record<string, unknown>;

export const NATIVE: ConformanceEntry = {
  surface: 'native',
  credential: (key) => ({ authorization: `Bearer ${key.key}` }),
  wrongCredential: { authorization: `Bearer lethe_${'0'.repeat(24)}_${'0'.repeat(48)}` },
  readContact: (c) => ({ method: 'GET', url: `/v1/contacts/${c.id}` }),
  erase: (c) => ({ method: 'POST', url: '/v1/operations', payload: { action: 'erase', selector: { ids: [c.id] } } }),
  withBody: { method: 'POST', url: '/v1/contacts' },
  unknownRoute: '/v1/no/such/route',
  unknownRouteNeedsKey: false,
  rateLimit: null,
  assertError: (res, status) => {
    assert.equal(res.statusCode, status, res.body);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const body = json(res);
    assert.equal(body.status, status);
    assert.equal(typeof body.code, 'string');
    assert.equal(typeof body.detail, 'string');
  },
};

export const SENDGRID: ConformanceEntry = {
  surface: 'sendgrid',
  credential: (key) => ({ authorization: `Bearer ${key.key}` }),
  wrongCredential: { authorization: 'Bearer SG.not-a-key.at-all' },
  readContact: (c) => ({ method: 'GET', url: `/v3/marketing/contacts/${c.uuid}` }),
  erase: (c) => ({ method: 'DELETE', url: `/v3/marketing/contacts?ids=${c.uuid}` }),
  withBody: { method: 'POST', url: '/v3/marketing/lists' },
  unknownRoute: '/v3/marketing/no/such/route',
  unknownRouteNeedsKey: false,
  rateLimit: { config: { sendgridRateLimit: 3 }, limit: 3, call: (c) => ({ method: 'GET', url: `/v3/marketing/contacts/${c.uuid}` }) },
  assertError: (res, status) => {
    assert.equal(res.statusCode, status, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const { errors } = json(res) as { errors: Array<{ field: unknown; message: unknown }> };
    assert.ok(Array.isArray(errors) && errors.length > 0, res.body);
    for (const e of errors) {
      assert.ok(e.field === null || typeof e.field === 'string');
      assert.equal(typeof e.message, 'string');
    }
    // SendGrid shows its rate-limit headers on every response, errors included.
    assert.ok(res.headers['x-ratelimit-limit'] !== undefined, 'x-ratelimit-limit');
  },
};

export const MAILJET: ConformanceEntry = {
  surface: 'mailjet',
  credential: (key) => ({ authorization: `Basic ${Buffer.from(`${key.apiKey.id}:${key.secret}`).toString('base64')}` }),
  wrongCredential: { authorization: `Basic ${Buffer.from(`${'0'.repeat(24)}:${'0'.repeat(48)}`).toString('base64')}` },
  readContact: (c) => ({ method: 'GET', url: `/v3/REST/contact/${c.id}` }),
  erase: (c) => ({ method: 'DELETE', url: `/v4/contacts/${c.id}` }),
  withBody: { method: 'POST', url: '/v3/REST/contactslist' },
  unknownRoute: '/v3/REST/nosuchresource',
  unknownRouteNeedsKey: true,
  rateLimit: { config: { mailjetRateLimit: 3 }, limit: 3, call: (c) => ({ method: 'GET', url: `/v3/REST/contact/${c.id}` }) },
  assertError: (res, status) => {
    assert.equal(res.statusCode, status, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = json(res);
    assert.equal(body.StatusCode, status);
    assert.equal(typeof body.ErrorInfo, 'string');
    assert.ok(typeof body.ErrorMessage === 'string' || typeof body.ErrorMessage === 'object');
  },
};

export const CONSTANT_CONTACT: ConformanceEntry = {
  surface: 'constant-contact',
  credential: (key) => ({ authorization: `Bearer ${key.key}` }),
  wrongCredential: { authorization: `Bearer lethe_${'0'.repeat(24)}_${'0'.repeat(48)}` },
  readContact: (c) => ({ method: 'GET', url: `/v3/contacts/${c.uuid}` }),
  // Constant Contact never erases: its delete is a soft delete, which needs `delete`.
  erase: (c) => ({ method: 'DELETE', url: `/v3/contacts/${c.uuid}` }),
  withoutEraseScopes: ['read', 'write', 'erase'],
  withBody: { method: 'POST', url: '/v3/contact_lists' },
  unknownRoute: '/v3/contacts/no/such/route',
  unknownRouteNeedsKey: false,
  rateLimit: { config: { ctctRatePerSecond: 3 }, limit: 3, call: (c) => ({ method: 'GET', url: `/v3/contacts/${c.uuid}` }) },
  routes: ({ contact, list, operation }) => {
    const tag = contact.uuid.slice(0, 8);
    return [
      { call: { method: 'GET', url: '/v3/contacts?status=all&include=list_memberships&include_count=true' }, scope: 'read', status: 200 },
      { call: { method: 'GET', url: '/v3/contacts/counts' }, scope: 'read', status: 200 },
      { call: { method: 'GET', url: `/v3/contacts/${contact.uuid}?include=custom_fields` }, scope: 'read', status: 200 },
      { call: { method: 'POST', url: '/v3/contacts', payload: { email_address: { address: `new-${tag}@example.com` }, create_source: 'Account' } }, scope: 'write', status: 201 },
      { call: { method: 'PUT', url: `/v3/contacts/${contact.uuid}`, payload: { email_address: { address: contact.email }, first_name: 'Put', update_source: 'Account' } }, scope: 'write', status: 200 },
      { call: { method: 'POST', url: '/v3/contacts/sign_up_form', payload: { email_address: `form-${tag}@example.com`, list_memberships: [list.uuid] } }, scope: 'write', status: 201 },
      { call: { method: 'GET', url: '/v3/contact_lists?include_count=true&include_membership_count=all' }, scope: 'read', status: 200 },
      { call: { method: 'POST', url: '/v3/contact_lists', payload: { name: `list-${tag}` } }, scope: 'write', status: 201 },
      { call: { method: 'GET', url: `/v3/contact_lists/${list.uuid}` }, scope: 'read', status: 200 },
      { call: { method: 'PUT', url: `/v3/contact_lists/${list.uuid}`, payload: { name: `renamed-${tag}` } }, scope: 'write', status: 200 },
      { call: { method: 'POST', url: '/v3/activities/add_list_memberships', payload: { source: { contact_ids: [contact.uuid] }, list_ids: [list.uuid] } }, scope: 'write', status: 201 },
      { call: { method: 'POST', url: '/v3/activities/remove_list_memberships', payload: { source: { list_ids: [list.uuid] }, list_ids: [list.uuid] } }, scope: 'write', status: 201 },
      { call: { method: 'GET', url: '/v3/activities?state=initialized' }, scope: 'read', status: 200 },
      { call: { method: 'GET', url: `/v3/activities/${operation.uuid}` }, scope: 'read', status: 200 },
      { call: { method: 'POST', url: '/v3/activities/contact_delete', payload: { contact_ids: [contact.uuid] } }, scope: 'delete', status: 201 },
      { call: { method: 'DELETE', url: `/v3/contacts/${contact.uuid}` }, scope: 'delete', status: 204 },
      { call: { method: 'DELETE', url: `/v3/contact_lists/${list.uuid}` }, scope: 'write', status: 202 },
    ];
  },
  assertError: (res, status) => {
    assert.equal(res.statusCode, status, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = res.json() as Array<{ error_key: unknown; error_message: unknown }>;
    assert.ok(Array.isArray(body) && body.length > 0, res.body);
    for (const e of body) {
      assert.equal(typeof e.error_key, 'string');
      assert.equal(typeof e.error_message, 'string');
    }
  },
};

export const MARKETING_CLOUD: ConformanceEntry = {
  surface: 'marketing-cloud',
  credential: async (key, app) => {
    const res = await app.inject({ method: 'POST', url: '/v2/token', payload: { grant_type: 'client_credentials', client_id: key.apiKey.id, client_secret: key.secret } });
    assert.equal(res.statusCode, 200, res.body);
    return { authorization: `Bearer ${(res.json() as { access_token: string }).access_token}` };
  },
  wrongCredential: { authorization: `Bearer lethe_at_${'0'.repeat(64)}` },
  readContact: (c) => ({ method: 'POST', url: '/contacts/v1/addresses/email/search', payload: { channelAddressList: [c.email], maximumCount: 1 } }),
  erase: (c) => ({ method: 'POST', url: '/contacts/v1/contacts/actions/delete?type=ids', payload: { values: [c.id], DeleteOperationType: 'ContactAndAttributes' } }),
  withBody: { method: 'POST', url: '/contacts/v1/addresses/email/search' },
  unknownRoute: '/contacts/v1/no/such/route',
  unknownRouteNeedsKey: false,
  rateLimit: { config: { marketingCloudRateLimit: 3 }, limit: 3, call: (c) => ({ method: 'POST', url: '/contacts/v1/addresses/email/search', payload: { channelAddressList: [c.email], maximumCount: 1 } }) },
  assertError: (res, status) => {
    assert.equal(res.statusCode, status, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = json(res);
    // The gateway's shape for credentials, permissions, limits and unknown routes; the contacts envelope for refused requests.
    const gateway = typeof body.message === 'string' && typeof body.errorcode === 'number' && typeof body.documentation === 'string';
    const envelope = body.hasErrors === true && Array.isArray(body.resultMessages) && body.resultMessages.length > 0 && typeof body.requestServiceMessageID === 'string';
    if ([401, 403, 429, 500].includes(status)) assert.ok(gateway, res.body);
    else assert.ok(gateway || envelope, res.body);
  },
};

/** Every surface the server mounts. A new surface: one entry here. */
export const CONFORMANCE_SURFACES: readonly ConformanceEntry[] = [NATIVE, SENDGRID, MAILJET, MARKETING_CLOUD, CONSTANT_CONTACT];
