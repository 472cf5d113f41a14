import type { SurfaceApp, SurfaceContext } from '../surface.js';
import { Type } from 'typebox';
import { toIso } from '../../core/clock.js';
import type { List } from '../../core/lists/list.js';
import { LIST_LIMITS } from '../../core/lists/lists.service.js';
import { ContactSchema, presentContact } from './contacts.wire.js';
import { errorResponses, IdParam, IsoTime, ProblemRef } from './schemas.js';
import { decodeCursor, encodeCursor } from '../../core/cursor.js';
import { Cursor, Limit, Nullable, NextCursor } from './wire.js';

const tags = ['lists'];
const withConflict = { ...errorResponses, 409: ProblemRef };

const ListSchema = Type.Object({
  id: Type.Integer(),
  uuid: Type.String(),
  name: Type.String({ description: 'Unique within the account' }),
  external_key: Nullable(Type.String({ description: 'Optional, unique within the account: the list key a Marketing Cloud delete by listReference names' })),
  description: Nullable(Type.String()),
  created_at: IsoTime,
  updated_at: IsoTime,
});

const Name = Type.String({ minLength: 1, maxLength: LIST_LIMITS.name });
const ExternalKey = Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: LIST_LIMITS.externalKey })));
const Description = Type.Optional(Nullable(Type.String({ maxLength: LIST_LIMITS.description })));
const ContactIds = Type.Object(
  { contact_ids: Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), { minItems: 1, maxItems: LIST_LIMITS.membersPerRequest }) },
  { additionalProperties: false },
);
const PageQuery = Type.Object({ limit: Limit, cursor: Cursor }, { additionalProperties: false });

const presentList = (l: List) => ({
  id: l.id,
  uuid: l.uuid,
  name: l.name,
  external_key: l.externalKey,
  description: l.description,
  created_at: toIso(l.createdAt),
  updated_at: toIso(l.updatedAt),
});

export async function listsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.post('/lists', {
    config: { scope: 'write' },
    schema: { tags, summary: 'Create a list (409 when the name or external key is taken)', body: Type.Object({ name: Name, external_key: ExternalKey, description: Description }, { additionalProperties: false }), response: { 201: ListSchema, ...withConflict } },
  }, async (request, reply) => {
    const { external_key: externalKey, ...rest } = request.body;
    const list = await core.lists.create(request.actor, { ...rest, ...(externalKey !== undefined ? { externalKey } : {}) });
    return reply.status(201).send(presentList(list));
  });

  app.get('/lists', {
    config: { scope: 'read' },
    schema: { tags, summary: 'The account\'s lists in id order, with cursor pagination', querystring: PageQuery, response: { 200: Type.Object({ data: Type.Array(ListSchema), next_cursor: NextCursor }), ...errorResponses } },
  }, async (request) => {
    const [afterId] = decodeCursor(request.query.cursor, 1) ?? [];
    const page = await core.lists.list(request.actor, { limit: request.query.limit ?? 100, ...(afterId !== undefined ? { afterId } : {}) });
    return { data: page.lists.map(presentList), next_cursor: page.nextAfterId === null ? null : encodeCursor([page.nextAfterId]) };
  });

  app.get('/lists/:id', {
    config: { scope: 'read' },
    schema: { tags, summary: 'A list', params: IdParam, response: { 200: ListSchema, ...errorResponses } },
  }, async (request) => presentList(await core.lists.get(request.actor, request.params.id)));

  app.patch('/lists/:id', {
    config: { scope: 'write' },
    schema: {
      tags,
      summary: 'Rename a list or change its external key or description (409 when the name or key is taken)',
      params: IdParam,
      body: Type.Object({ name: Type.Optional(Name), external_key: ExternalKey, description: Description }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: ListSchema, ...withConflict },
    },
  }, async (request) => {
    const { external_key: externalKey, ...rest } = request.body;
    return presentList(await core.lists.update(request.actor, request.params.id, { ...rest, ...(externalKey !== undefined ? { externalKey } : {}) }));
  });

  app.delete('/lists/:id', {
    config: { scope: 'write' },
    schema: { tags, summary: 'Delete a list and its memberships (never its contacts)', params: IdParam, response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    await core.lists.delete(request.actor, request.params.id);
    return reply.status(204).send(null);
  });

  app.post('/lists/:id/members', {
    config: { scope: 'write' },
    schema: {
      tags,
      summary: `Add up to ${LIST_LIMITS.membersPerRequest} contacts to a list; unknown or inactive contacts are reported per item, adding again changes nothing`,
      params: IdParam,
      body: ContactIds,
      response: {
        200: Type.Object({
          added: Type.Integer({ description: 'Memberships created' }),
          unchanged: Type.Integer({ description: 'Contacts that were members already' }),
          errors: Type.Array(Type.Object({ index: Type.Integer(), contact_id: Type.Integer(), message: Type.String() })),
        }),
        ...errorResponses,
      },
    },
  }, async (request) => {
    const ids = request.body.contact_ids;
    const result = await core.lists.addMembers(request.actor, request.params.id, ids);
    return {
      added: result.added,
      unchanged: result.unchanged,
      errors: result.errors.map((e) => ({ index: e.index ?? 0, contact_id: ids[e.index ?? 0] ?? 0, message: e.message })),
    };
  });

  app.delete('/lists/:id/members', {
    config: { scope: 'write' },
    schema: {
      tags,
      summary: 'Remove contacts from a list (memberships only; the contacts stay)',
      params: IdParam,
      body: ContactIds,
      response: { 200: Type.Object({ removed: Type.Integer(), not_members: Type.Integer({ description: 'Ids that were not members' }) }), ...errorResponses },
    },
  }, async (request) => {
    const { removed, notMembers } = await core.lists.removeMembers(request.actor, request.params.id, request.body.contact_ids);
    return { removed, not_members: notMembers };
  });

  app.get('/lists/:id/members', {
    config: { scope: 'read' },
    schema: { tags, summary: 'The list\'s members in id order, with cursor pagination', params: IdParam, querystring: PageQuery, response: { 200: Type.Object({ data: Type.Array(ContactSchema), next_cursor: NextCursor }), ...errorResponses } },
  }, async (request) => {
    const [afterId] = decodeCursor(request.query.cursor, 1) ?? [];
    const page = await core.lists.members(request.actor, request.params.id, { limit: request.query.limit ?? 100, ...(afterId !== undefined ? { afterId } : {}) });
    return { data: page.contacts.map(presentContact), next_cursor: page.nextAfterId === null ? null : encodeCursor([page.nextAfterId]) };
  });
}
