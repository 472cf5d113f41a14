import type { SurfaceApp, SurfaceContext } from '../../surface.js';
import { Type } from 'typebox';
import type { Static } from 'typebox';
import type { ContactFilter, ContactStatus } from '../../../core/contacts/contact.js';
import { normalizeEmail } from '../../../core/crypto.js';
import { DAY_MS } from '../../../core/clock.js';
import { invalid } from '../../../core/errors.js';
import { parseIsoTime } from '../../native/wire.js';
import { contactInputOf, ContactPostBody, ContactPutBody, ContactResource, includesOf, signUpInputOf, SignUpFormBody } from './contacts.wire.js';
import { contactOf, listIdsOf, presentContacts, presentOne, refuseNonJsonBodies } from './present.js';

/** Constant Contact's page sizes for contacts. */
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
/** Lists one listing may filter by. */
const MAX_FILTER_LISTS = 25;

/** Constant Contact filters Lethe cannot apply: refused, never ignored (a listing that ignored one would name contacts it should not). */
const UNSUPPORTED_FILTERS = ['segment_id', 'tags', 'optout_after', 'optout_before', 'sms_status'] as const;

const ContactIdParam = Type.Object({ contact_id: Type.String({ minLength: 1, maxLength: 64 }) });
const IncludeQuery = Type.Object({ include: Type.Optional(Type.String({ maxLength: 200 })) });

const ListQuery = Type.Object({
  status: Type.Optional(Type.String({ maxLength: 200, description: 'Comma list of all, active, deleted (default: all but deleted), or one of unsubscribed, pending_confirmation, temp_hold, not_set' })),
  email: Type.Optional(Type.String({ maxLength: 254 })),
  lists: Type.Optional(Type.String({ maxLength: 25 * 37, description: `Up to ${MAX_FILTER_LISTS} list ids, comma-separated` })),
  updated_after: Type.Optional(Type.String({ maxLength: 40 })),
  updated_before: Type.Optional(Type.String({ maxLength: 40 })),
  created_after: Type.Optional(Type.String({ maxLength: 40 })),
  created_before: Type.Optional(Type.String({ maxLength: 40 })),
  ...Object.fromEntries(UNSUPPORTED_FILTERS.map((name) => [name, Type.Optional(Type.String({ maxLength: 4000, description: 'Not supported by Lethe: refused with 400' }))])),
  include: Type.Optional(Type.String({ maxLength: 200 })),
  include_count: Type.Optional(Type.Boolean()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: 'From _links.next.href' })),
});
type ListParams = Omit<Static<typeof ListQuery>, 'cursor'>;

const commaList = (value: string | undefined): string[] => (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

/** Constant Contact's permission statuses that `status` may name, alone: active contacts with that email permission. */
const PERMISSION_STATUSES = ['unsubscribed', 'pending_confirmation', 'temp_hold', 'not_set'] as const;

/**
 * The filter for Constant Contact's `status` (default: all but deleted): any of `all`,
 * `active`, `deleted`; or one permission status alone (`unsubscribed`, `pending_confirmation`,
 * `temp_hold`, `not_set`), which covers the contacts that are not deleted.
 */
function statusFilterOf(value: string | undefined): Pick<ContactFilter, 'statuses' | 'unsubscribed' | 'optInStatus'> {
  const parts = commaList(value);
  if (parts.length === 0) return { statuses: ['active'] };
  const [only] = parts;
  if (parts.length === 1 && only !== undefined && (PERMISSION_STATUSES as readonly string[]).includes(only)) {
    return only === 'unsubscribed' ? { statuses: ['active'], unsubscribed: true } : { statuses: ['active'], unsubscribed: false, optInStatus: only };
  }
  const statuses = new Set<ContactStatus>();
  for (const part of parts) {
    if (part === 'all') ['active', 'deleted'].forEach((s) => statuses.add(s as ContactStatus));
    else if (part === 'active' || part === 'deleted') statuses.add(part);
    else if ((PERMISSION_STATUSES as readonly string[]).includes(part)) throw invalid('status', `status ${part} is a permission status: Lethe filters by one alone, not combined with others`);
    else throw invalid('status', `status is a comma list of all, active, deleted, or one of ${PERMISSION_STATUSES.join(', ')}`);
  }
  return { statuses: [...statuses] };
}

function timeParam(field: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseIsoTime(value);
  if (Number.isNaN(ms)) throw invalid(field, `${field} must be an ISO-8601 date-time`);
  return ms;
}

/** The cursor of `_links.next.href`: the page's parameters and where it continues. */
const encodeCursor = (params: ListParams, afterId: number): string => Buffer.from(JSON.stringify({ p: params, a: afterId }), 'utf8').toString('base64url');
function decodeCursor(cursor: string): { params: ListParams; afterId: number } {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: unknown; a?: unknown };
    if (typeof decoded.p === 'object' && decoded.p !== null && Number.isSafeInteger(decoded.a)) return { params: decoded.p as ListParams, afterId: decoded.a as number };
  } catch {
    // Refused below.
  }
  throw invalid('cursor', 'cursor is not one this API gave; follow _links.next.href');
}

export async function contactsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  refuseNonJsonBodies(app);

  app.post('/', {
    config: { scope: 'write' },
    schema: {
      summary: 'Constant Contact: create a contact (409 when the address exists, deleted contacts included)',
      body: ContactPostBody,
      response: { 201: ContactResource },
    },
  }, async (request, reply) => {
    const { body } = request;
    const listIds = await listIdsOf(core, request.actor, body.list_memberships ?? [], 'list_memberships');
    const contact = await core.contacts.create(request.actor, contactInputOf(body, 'create', core.deps.clock.now()), { source: body.create_source, listIds });
    const include = new Set(['custom_fields', 'phone_numbers', 'street_addresses', 'list_memberships'] as const);
    return reply.status(201).send(await presentOne(core, request.actor, contact, include));
  });

  app.get('/', {
    config: { scope: 'read' },
    schema: {
      summary: 'Constant Contact: contacts, filtered (status, email, lists, updated_after/before), with cursor paging (_links.next.href)',
      querystring: ListQuery,
      response: {
        200: Type.Object({
          contacts: Type.Array(ContactResource),
          contacts_count: Type.Optional(Type.Integer()),
          _links: Type.Optional(Type.Object({ next: Type.Object({ href: Type.String() }) })),
        }),
      },
    },
  }, async (request) => {
    const { cursor, ...given } = request.query;
    const { params, afterId } = cursor === undefined ? { params: given, afterId: undefined } : decodeCursor(cursor);
    const listUuids = commaList(params.lists);
    if (listUuids.length > MAX_FILTER_LISTS) throw invalid('lists', `lists names at most ${MAX_FILTER_LISTS} lists`);
    const include = includesOf(params.include);
    const filter: ContactFilter = {
      ...statusFilterOf(params.status),
      ...(listUuids.length > 0 ? { listIds: await listIdsOf(core, request.actor, listUuids, 'lists') } : {}),
      ...(params.email !== undefined ? { emailNorm: normalizeEmail(params.email) } : {}),
    };
    const unsupported = UNSUPPORTED_FILTERS.find((name) => (params as Record<string, unknown>)[name] !== undefined);
    if (unsupported) throw invalid(unsupported, `${unsupported} is not supported by Lethe`);
    const times = { updatedAfter: 'updated_after', updatedBefore: 'updated_before', createdAfter: 'created_after', createdBefore: 'created_before' } as const;
    for (const [key, name] of Object.entries(times) as Array<[keyof typeof times, (typeof times)[keyof typeof times]]>) {
      const ms = timeParam(name, params[name]);
      if (ms !== undefined) filter[key] = ms;
    }
    const limit = params.limit ?? DEFAULT_LIMIT;
    const page = await core.contacts.listByOffset(request.actor, {
      ...filter,
      ...(afterId !== undefined ? { afterId } : {}),
      offset: 0,
      limit: limit + 1,
      sort: { key: 'id', descending: false },
    });
    const contacts = page.slice(0, limit);
    const last = contacts[contacts.length - 1];
    return {
      contacts: await presentContacts(core, request.actor, contacts, include),
      ...(params.include_count ? { contacts_count: await core.contacts.countMatching(request.actor, filter) } : {}),
      ...(page.length > limit && last ? { _links: { next: { href: `/v3/contacts?cursor=${encodeCursor(params, last.id)}` } } } : {}),
    };
  });

  app.get('/counts', {
    config: { scope: 'read' },
    schema: {
      summary: 'Constant Contact: how many active contacts the account has, by email permission',
      response: {
        200: Type.Object({ total: Type.Integer(), explicit: Type.Integer(), implicit: Type.Integer(), pending: Type.Integer(), unsubscribed: Type.Integer(), new_subscriber: Type.Integer() }),
      },
    },
  }, async (request) => {
    const count = (filter: Omit<ContactFilter, 'statuses'>) => core.contacts.countMatching(request.actor, { statuses: ['active'], ...filter });
    const total = await count({});
    const unsubscribed = await count({ unsubscribed: true });
    const explicit = await count({ unsubscribed: false, optInStatus: 'explicit' });
    const pending = await count({ unsubscribed: false, optInStatus: 'pending_confirmation' });
    const newSubscriber = await count({ unsubscribed: false, createdAfter: core.deps.clock.now() - 30 * DAY_MS });
    return { total, explicit, implicit: total - unsubscribed - explicit - pending, pending, unsubscribed, new_subscriber: newSubscriber };
  });

  app.post('/sign_up_form', {
    config: { scope: 'write' },
    schema: {
      summary: 'Constant Contact: create or update a contact by address onto lists (201 created, 200 updated); a deleted contact is revived',
      body: SignUpFormBody,
      response: { 200: Type.Object({ contact_id: Type.String(), action: Type.String() }), 201: Type.Object({ contact_id: Type.String(), action: Type.String() }) },
    },
  }, async (request, reply) => {
    const listIds = await listIdsOf(core, request.actor, request.body.list_memberships, 'list_memberships');
    const { contact, created } = await core.contacts.upsert(request.actor, signUpInputOf(request.body, core.deps.clock.now()), { source: 'Contact', listIds });
    return reply.status(created ? 201 : 200).send({ contact_id: contact.uuid, action: created ? 'created' : 'updated' });
  });

  app.get('/:contact_id', {
    config: { scope: 'read' },
    schema: {
      summary: 'Constant Contact: a contact by id; a deleted one shows deleted_at (a date)',
      params: ContactIdParam,
      querystring: IncludeQuery,
      response: { 200: ContactResource },
    },
  }, async (request) => {
    const include = includesOf(request.query.include);
    const contact = await contactOf(core, request.actor, request.params.contact_id);
    return presentOne(core, request.actor, contact, include);
  });

  app.put('/:contact_id', {
    config: { scope: 'write' },
    schema: {
      summary: 'Constant Contact: replace a contact (omitted top-level fields are cleared); a deleted contact is revived, onto the lists it names',
      params: ContactIdParam,
      body: ContactPutBody,
      response: { 200: ContactResource },
    },
  }, async (request) => {
    const existing = await contactOf(core, request.actor, request.params.contact_id);
    const { body } = request;
    const listIds = body.list_memberships === undefined ? undefined : await listIdsOf(core, request.actor, body.list_memberships, 'list_memberships');
    const { contact } = await core.contacts.replace(request.actor, existing.id, contactInputOf(body, 'replace', core.deps.clock.now(), existing), {
      source: body.update_source,
      ...(listIds !== undefined ? { listIds } : {}),
    });
    const include = new Set(['custom_fields', 'phone_numbers', 'street_addresses', 'list_memberships'] as const);
    return presentOne(core, request.actor, contact, include);
  });

  app.delete('/:contact_id', {
    config: { scope: 'delete' },
    schema: {
      summary: 'Constant Contact: delete a contact (204): it becomes deleted, loses its list memberships, is not unsubscribed and can be revived',
      params: ContactIdParam,
      response: { 204: Type.Null() },
    },
  }, async (request, reply) => {
    const contact = await contactOf(core, request.actor, request.params.contact_id);
    await core.lifecycle.softDeleteContact(request.actor, contact.id);
    return reply.status(204).send(null);
  });
}
