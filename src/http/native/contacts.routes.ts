import type { SurfaceApp, SurfaceContext } from '../surface.js';
import { Type } from 'typebox';
import { CONTACT_STATUSES } from '../../core/contacts/contact.js';
import type { ContactStatus } from '../../core/contacts/contact.js';
import { MAX_LOOKUP_EMAILS } from '../../core/contacts/contacts.service.js';
import { ContactSchema, contactInputOf, CreateContactBody, PatchContactBody, presentContact, UpsertContactBody } from './contacts.wire.js';
import { errorResponses, IdParam, ProblemRef } from './schemas.js';
import { decodeCursor, encodeCursor } from '../../core/cursor.js';
import { Cursor, Limit, NextCursor } from './wire.js';

const tags = ['contacts'];
const withConflict = { ...errorResponses, 409: ProblemRef };
const ContactPage = Type.Object({ data: Type.Array(ContactSchema), next_cursor: NextCursor });

const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Unsafe<ContactStatus | 'all'>({ type: 'string', enum: [...CONTACT_STATUSES, 'all'], default: 'active', description: 'Which contacts: active (default), deleted, erased or all' })),
    list_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Only members of this list' })),
    updated_since: Type.Optional(Type.String({ format: 'date-time', description: 'Only contacts updated at or after this time' })),
    limit: Limit,
    cursor: Cursor,
  },
  { additionalProperties: false },
);

export async function contactsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.post('/contacts', {
    config: { scope: 'write' },
    schema: { tags, summary: 'Create a contact (409 when its email or external_key is taken)', body: CreateContactBody, response: { 201: ContactSchema, ...withConflict } },
  }, async (request, reply) => {
    const { list_ids: listIds, ...fields } = request.body;
    const contact = await core.contacts.create(request.actor, contactInputOf(fields), { ...(listIds ? { listIds } : {}) });
    return reply.status(201).send({ ...presentContact(contact), ...(contact.onceErased ? { once_erased: true } : {}) });
  });

  app.put('/contacts', {
    config: { scope: 'write' },
    schema: {
      tags,
      summary: 'Create or update the contact with this email (201 created, 200 updated); a soft-deleted contact becomes active again',
      body: UpsertContactBody,
      response: { 200: ContactSchema, 201: ContactSchema, ...withConflict },
    },
  }, async (request, reply) => {
    const { list_ids: listIds, ...fields } = request.body;
    const { contact, created, onceErased } = await core.contacts.upsert(request.actor, contactInputOf(fields), { ...(listIds ? { listIds } : {}) });
    return reply.status(created ? 201 : 200).send({ ...presentContact(contact), ...(onceErased ? { once_erased: true } : {}) });
  });

  app.get('/contacts', {
    config: { scope: 'read' },
    schema: { tags, summary: 'List contacts in id order, filtered by status, list and update time, with cursor pagination', querystring: ListQuery, response: { 200: ContactPage, ...errorResponses } },
  }, async (request) => {
    const q = request.query;
    const [afterId] = decodeCursor(q.cursor, 1) ?? [];
    const page = await core.contacts.list(request.actor, {
      status: q.status ?? 'active',
      limit: q.limit ?? 100,
      ...(q.list_id !== undefined ? { listId: q.list_id } : {}),
      ...(q.updated_since !== undefined ? { updatedSince: Date.parse(q.updated_since) } : {}),
      ...(afterId !== undefined ? { afterId } : {}),
    });
    return { data: page.contacts.map(presentContact), next_cursor: page.nextAfterId === null ? null : encodeCursor([page.nextAfterId]) };
  });

  app.post('/contacts/lookup', {
    config: { scope: 'read' },
    schema: {
      tags,
      summary: 'Find contacts by email, answering per address: found, not_found or invalid (addresses go in the body, never in a URL, to stay out of access logs)',
      body: Type.Object({ emails: Type.Array(Type.String({ maxLength: 1024 }), { minItems: 1, maxItems: MAX_LOOKUP_EMAILS }) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          data: Type.Array(ContactSchema, { description: 'The contacts found, each once' }),
          results: Type.Array(
            Type.Object({
              index: Type.Integer({ description: 'Position in emails, from 0' }),
              email: Type.String({ description: 'The address as asked, without surrounding spaces' }),
              outcome: Type.Unsafe<'found' | 'not_found' | 'invalid'>({ type: 'string', enum: ['found', 'not_found', 'invalid'] }),
              contact_id: Type.Union([Type.Integer(), Type.Null()]),
            }),
            { description: 'One per address asked, in order: a bad address fails only itself' },
          ),
          not_found: Type.Integer({ description: 'Addresses that matched no contact' }),
          invalid: Type.Integer({ description: 'Addresses that are not valid email addresses' }),
        }),
        ...errorResponses,
      },
    },
  }, async (request) => {
    const { emails } = request.body;
    const results = await core.contacts.lookupEach(request.actor, emails);
    const found = new Map(results.flatMap((r) => (r.contact ? [[r.contact.id, r.contact] as const] : [])));
    return {
      data: [...found.values()].map(presentContact),
      results: results.map((r) => ({ index: r.index, email: (emails[r.index] ?? '').trim(), outcome: r.outcome, contact_id: r.contact?.id ?? null })),
      not_found: results.filter((r) => r.outcome === 'not_found').length,
      invalid: results.filter((r) => r.outcome === 'invalid').length,
    };
  });

  app.get('/contacts/by-uuid/:uuid', {
    config: { scope: 'read' },
    schema: { tags, summary: 'A contact by its uuid', params: Type.Object({ uuid: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 200: ContactSchema, ...errorResponses } },
  }, async (request) => presentContact(await core.contacts.getByUuid(request.actor, request.params.uuid)));

  app.get('/contacts/by-external-key/:key', {
    config: { scope: 'read' },
    schema: {
      tags,
      summary: 'A contact by its external key (URL-encoded; prefer keys that are not personal data, since URLs reach proxies\' logs)',
      params: Type.Object({ key: Type.String({ minLength: 1, maxLength: 255 }) }),
      response: { 200: ContactSchema, ...errorResponses },
    },
  }, async (request) => presentContact(await core.contacts.getByExternalKey(request.actor, request.params.key)));

  app.get('/contacts/:id', {
    config: { scope: 'read' },
    schema: { tags, summary: 'A contact by its numeric id (erased contacts show their shell)', params: IdParam, response: { 200: ContactSchema, ...errorResponses } },
  }, async (request) => presentContact(await core.contacts.get(request.actor, request.params.id)));

  app.patch('/contacts/:id', {
    config: { scope: 'write' },
    schema: {
      tags,
      summary: 'Change the given fields of a contact (null clears a field; 409 for an erased contact or a taken email or external_key)',
      params: IdParam,
      body: PatchContactBody,
      response: { 200: ContactSchema, ...withConflict },
    },
  }, async (request) => presentContact(await core.contacts.patch(request.actor, request.params.id, contactInputOf(request.body))));
}
