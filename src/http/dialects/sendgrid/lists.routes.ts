import type { FastifyRequest } from 'fastify';
import type { SurfaceApp, SurfaceContext } from '../../surface.js';
import { Type } from 'typebox';
import type { Actor } from '../../../core/actor.js';
import type { Core } from '../../../core/core.js';
import { newUuid } from '../../../core/crypto.js';
import { invalid } from '../../../core/errors.js';
import type { List } from '../../../core/lists/list.js';
import { decodeCursor, encodeCursor } from '../../../core/cursor.js';
import { ContactDetails } from './contacts.wire.js';
import { baseUrlOf, commaList, isLive, presentContacts } from './present.js';
import { JobId, UuidParam } from './schemas.js';

/** SendGrid: most contacts a list's sample shows. */
const SAMPLE_SIZE = 50;

const ListSchema = Type.Object({
  id: Type.String({ description: 'The list\'s uuid' }),
  name: Type.String(),
  contact_count: Type.Integer(),
  _metadata: Type.Object({ self: Type.String() }),
});

const selfOf = (request: FastifyRequest, list: List) => `${baseUrlOf(request)}/v3/marketing/lists/${list.uuid}`;

async function presentList(core: Core, actor: Actor, request: FastifyRequest, list: List) {
  const count = await core.contacts.count(actor, { status: 'active', listId: list.id });
  return { id: list.uuid, name: list.name, contact_count: count, _metadata: { self: selfOf(request, list) } };
}

/** The position in a page token this API gave (a /v1 cursor); 400 naming page_token otherwise. */
function pageTokenOf(token: string | undefined): number[] {
  return decodeCursor(token, 1, { field: 'page_token', message: 'page_token is not one this API gave; follow _metadata.next' }) ?? [];
}

export async function listsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.post('/lists', {
    config: { scope: 'write' },
    schema: {
      summary: 'SendGrid: create a list',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
      response: { 201: ListSchema },
    },
  }, async (request, reply) => {
    const list = await core.lists.create(request.actor, { name: request.body.name });
    return reply.status(201).send({ id: list.uuid, name: list.name, contact_count: 0, _metadata: { self: selfOf(request, list) } });
  });

  app.get('/lists', {
    config: { scope: 'read' },
    schema: {
      summary: 'SendGrid: the account\'s lists, with token pagination (`_metadata.next`)',
      querystring: Type.Object({
        page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        page_token: Type.Optional(Type.String({ maxLength: 200 })),
      }),
      response: {
        200: Type.Object({ result: Type.Array(ListSchema), _metadata: Type.Object({ self: Type.String(), next: Type.Optional(Type.String()) }) }),
      },
    },
  }, async (request) => {
    const pageSize = request.query.page_size ?? 100;
    const [afterId] = pageTokenOf(request.query.page_token);
    const page = await core.lists.list(request.actor, { limit: pageSize, ...(afterId !== undefined ? { afterId } : {}) });
    const result = await Promise.all(page.lists.map((list) => presentList(core, request.actor, request, list)));
    const url = `${baseUrlOf(request)}/v3/marketing/lists?page_size=${pageSize}`;
    return {
      result,
      _metadata: {
        self: request.query.page_token ? `${url}&page_token=${encodeURIComponent(request.query.page_token)}` : url,
        ...(page.nextAfterId !== null ? { next: `${url}&page_token=${encodeCursor([page.nextAfterId])}` } : {}),
      },
    };
  });

  app.get('/lists/:id', {
    config: { scope: 'read' },
    schema: {
      summary: `SendGrid: a list, its contact count and, with contact_sample=true, up to ${SAMPLE_SIZE} of its contacts`,
      params: UuidParam,
      querystring: Type.Object({ contact_sample: Type.Optional(Type.Boolean()) }),
      response: { 200: Type.Object({ ...ListSchema.properties, contact_sample: Type.Optional(Type.Array(ContactDetails)) }) },
    },
  }, async (request) => {
    const list = await core.lists.getByUuid(request.actor, request.params.id);
    const shown = await presentList(core, request.actor, request, list);
    if (!request.query.contact_sample) return shown;
    const { contacts } = await core.lists.members(request.actor, list.id, { limit: SAMPLE_SIZE });
    return { ...shown, contact_sample: await presentContacts(core, request.actor, request, contacts.filter(isLive)) };
  });

  app.get('/lists/:id/contacts/count', {
    config: { scope: 'read' },
    schema: {
      summary: 'SendGrid: how many contacts a list has',
      params: UuidParam,
      response: { 200: Type.Object({ contact_count: Type.Integer(), billable_count: Type.Integer() }) },
    },
  }, async (request) => {
    const list = await core.lists.getByUuid(request.actor, request.params.id);
    const count = await core.contacts.count(request.actor, { status: 'active', listId: list.id });
    return { contact_count: count, billable_count: count };
  });

  app.delete('/lists/:id/contacts', {
    config: { scope: 'write' },
    schema: {
      summary: 'SendGrid: take contacts off a list (`contact_ids=a,b`); memberships only, the contacts stay. Done at once: the job id is a receipt',
      params: UuidParam,
      querystring: Type.Object({ contact_ids: Type.Optional(Type.Array(Type.String(), { description: 'A comma-separated list of contact ids' })) }),
      response: { 202: JobId },
    },
  }, async (request, reply) => {
    const uuids = commaList(request.query.contact_ids);
    if (uuids.length === 0) throw invalid('contact_ids', 'contact_ids must name at least one contact');
    const list = await core.lists.getByUuid(request.actor, request.params.id);
    const contacts = await core.contacts.getManyByUuids(request.actor, uuids);
    if (contacts.length > 0) await core.lists.removeMembers(request.actor, list.id, contacts.map((c) => c.id));
    return reply.status(202).send({ job_id: newUuid() });
  });

  app.delete('/lists/:id', {
    config: { scope: 'write' },
    schema: {
      summary: 'SendGrid: delete a list (204); with delete_contacts=true its contacts are deleted for good too, as a job (200 with its id; needs Lethe\'s erase scope too)',
      params: UuidParam,
      querystring: Type.Object({ delete_contacts: Type.Optional(Type.Boolean()) }),
      response: { 200: JobId, 204: Type.Null() },
    },
  }, async (request, reply) => {
    const list = await core.lists.getByUuid(request.actor, request.params.id);
    if (!request.query.delete_contacts) {
      await core.lists.delete(request.actor, list.id);
      return reply.status(204).send(null);
    }
    const operation = await core.lists.deleteWithContacts(request.actor, list.id, { label: 'sendgrid.delete_list_contacts' });
    return operation ? reply.status(200).send({ job_id: operation.uuid }) : reply.status(204).send(null);
  });
}
