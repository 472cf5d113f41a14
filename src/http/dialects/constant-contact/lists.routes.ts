import type { SurfaceApp, SurfaceContext } from '../../surface.js';
import { Type } from 'typebox';
import type { Actor } from '../../../core/actor.js';
import type { Core } from '../../../core/core.js';
import { invalid, notFound } from '../../../core/errors.js';
import type { List } from '../../../core/lists/list.js';
import { decodeCursor, encodeCursor } from '../../../core/cursor.js';
import { isUuid } from '../../../core/refs.js';
import { activityHref, presentActivity } from './activities.wire.js';
import { iso } from './contacts.wire.js';
import { refuseNonJsonBodies } from './present.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

const ListResource = Type.Object({
  list_id: Type.String(),
  name: Type.String(),
  description: Type.Optional(Type.String()),
  favorite: Type.Boolean(),
  created_at: Type.String(),
  updated_at: Type.String(),
  membership_count: Type.Optional(Type.Integer()),
});

const ListBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 255 }), favorite: Type.Optional(Type.Boolean()), description: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);
const ListIdParam = Type.Object({ list_id: Type.String({ minLength: 1, maxLength: 64 }) });
const MembershipCount = Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('active')], { description: 'Add membership_count (Lethe counts active members either way)' }));

async function listOf(core: Core, actor: Actor, id: string): Promise<List> {
  if (!isUuid(id)) throw notFound('list');
  return core.lists.getByUuid(actor, id.toLowerCase());
}

/** A list as Constant Contact shows it. Lethe keeps no favorites: `favorite` is always false. */
async function presentList(core: Core, actor: Actor, list: List, withCount: boolean) {
  return {
    list_id: list.uuid,
    name: list.name,
    ...(list.description !== null ? { description: list.description } : {}),
    favorite: false,
    created_at: iso(list.createdAt),
    updated_at: iso(list.updatedAt),
    ...(withCount ? { membership_count: await core.contacts.count(actor, { status: 'active', listId: list.id }) } : {}),
  };
}

export async function contactListsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  refuseNonJsonBodies(app);

  app.post('/', {
    config: { scope: 'write' },
    schema: { summary: 'Constant Contact: create a list (409 when the name is taken)', body: ListBody, response: { 201: ListResource } },
  }, async (request, reply) => {
    const list = await core.lists.create(request.actor, { name: request.body.name, description: request.body.description ?? null });
    return reply.status(201).send(await presentList(core, request.actor, list, false));
  });

  app.get('/', {
    config: { scope: 'read' },
    schema: {
      summary: 'Constant Contact: the account\'s lists (name filter, include_count, include_membership_count), cursor paging through _links.next.href',
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT })),
        include_count: Type.Optional(Type.Boolean()),
        include_membership_count: MembershipCount,
        name: Type.Optional(Type.String({ maxLength: 255 })),
        status: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('active'), Type.Literal('deleted')])),
        cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      }),
      response: {
        200: Type.Object({ lists: Type.Array(ListResource), lists_count: Type.Optional(Type.Integer()), _links: Type.Optional(Type.Object({ next: Type.Object({ href: Type.String() }) })) }),
      },
    },
  }, async (request) => {
    const { limit = DEFAULT_LIMIT, include_count: includeCount, include_membership_count: withMembers, name, status, cursor } = request.query;
    const withCount = withMembers !== undefined;
    // Lethe deletes lists outright: none is ever `deleted`.
    if (status === 'deleted') return { lists: [], ...(includeCount ? { lists_count: 0 } : {}) };
    if (name !== undefined) {
      const found = await core.memberships.listsByOffset(request.actor, { offset: 0, limit: MAX_LIMIT, sort: { key: 'name', descending: false } });
      const matches = found.filter((l) => l.name === name);
      return { lists: await Promise.all(matches.map((l) => presentList(core, request.actor, l, withCount))), ...(includeCount ? { lists_count: matches.length } : {}) };
    }
    let afterId: number | undefined;
    try {
      afterId = decodeCursor(cursor, 1)?.[0];
    } catch {
      throw invalid('cursor', 'cursor is not one this API gave; follow _links.next.href');
    }
    const page = await core.lists.list(request.actor, { limit, ...(afterId !== undefined ? { afterId } : {}) });
    const next = page.nextAfterId === null ? undefined : new URLSearchParams({ limit: String(limit), ...(includeCount ? { include_count: 'true' } : {}), ...(withMembers ? { include_membership_count: withMembers } : {}), cursor: encodeCursor([page.nextAfterId]) });
    return {
      lists: await Promise.all(page.lists.map((l) => presentList(core, request.actor, l, withCount))),
      ...(includeCount ? { lists_count: await core.memberships.countLists(request.actor) } : {}),
      ...(next ? { _links: { next: { href: `/v3/contact_lists?${next.toString()}` } } } : {}),
    };
  });

  app.get('/:list_id', {
    config: { scope: 'read' },
    schema: {
      summary: 'Constant Contact: a list by id',
      params: ListIdParam,
      querystring: Type.Object({ include_membership_count: MembershipCount }),
      response: { 200: ListResource },
    },
  }, async (request) => presentList(core, request.actor, await listOf(core, request.actor, request.params.list_id), request.query.include_membership_count !== undefined));

  app.put('/:list_id', {
    config: { scope: 'write' },
    schema: { summary: 'Constant Contact: rename a list or change its description', params: ListIdParam, body: ListBody, response: { 200: ListResource } },
  }, async (request) => {
    const list = await listOf(core, request.actor, request.params.list_id);
    const updated = await core.lists.update(request.actor, list.id, { name: request.body.name, description: request.body.description ?? null });
    return presentList(core, request.actor, updated, false);
  });

  app.delete('/:list_id', {
    config: { scope: 'write' },
    schema: {
      summary: 'Constant Contact: delete a list (202 with its activity): its memberships go, its contacts stay',
      params: ListIdParam,
      response: {
        202: Type.Object({
          activity_id: Type.String(),
          state: Type.String(),
          created_at: Type.String(),
          updated_at: Type.String(),
          percent_done: Type.Integer(),
          activity_errors: Type.Array(Type.String()),
          _links: Type.Object({ self: Type.Object({ href: Type.String() }) }),
        }),
      },
    },
  }, async (request, reply) => {
    const list = await listOf(core, request.actor, request.params.list_id);
    const operation = await core.operations.deleteListRecorded(request.actor, list.id, { label: 'ctct.list_delete' });
    const activity = presentActivity(operation);
    return reply
      .status(202)
      .header('location', activityHref(operation))
      .send({
        activity_id: activity.activity_id,
        state: activity.state,
        created_at: activity.created_at,
        updated_at: activity.updated_at,
        percent_done: activity.percent_done,
        activity_errors: activity.activity_errors,
        _links: activity._links,
      });
  });
}
