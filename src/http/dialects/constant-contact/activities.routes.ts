import type { SurfaceApp, SurfaceContext } from '../../surface.js';
import { Type } from 'typebox';
import { DAY_MS } from '../../../core/clock.js';
import { invalid, notFound } from '../../../core/errors.js';
import type { OperationState, Selector } from '../../../core/operations/operation.js';
import { isUuid } from '../../../core/refs.js';
import { Activity, presentActivity } from './activities.wire.js';
import { listIdsOf, refuseNonJsonBodies } from './present.js';

/** Constant Contact's caps on one bulk request. */
const MAX_CONTACT_IDS = 500;
const MAX_LIST_IDS = 50;
/** `GET /v3/activities` shows the activities of the past 10 days. */
const RECENT_DAYS = 10;

const ContactIds = Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: MAX_CONTACT_IDS });
const ListIds = Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: MAX_LIST_IDS });

const MembershipBody = Type.Object(
  {
    source: Type.Object(
      { contact_ids: Type.Optional(ContactIds), list_ids: Type.Optional(ListIds), all_active_contacts: Type.Optional(Type.Boolean()) },
      { additionalProperties: false, description: 'Exactly one of contact_ids, list_ids or all_active_contacts: true' },
    ),
    list_ids: ListIds,
  },
  { additionalProperties: false },
);

const STATE_FILTER: Record<string, OperationState | null> = {
  initialized: 'queued',
  processing: 'processing',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'canceled',
  timed_out: null,
};

/** Contact ids are uuids: any other value refuses the request before an activity is queued (the value is not echoed). */
function checkContactIds(ids: readonly string[], field: string): string[] {
  if (!ids.every(isUuid)) throw invalid(field, `${field} are contact ids (UUIDs)`);
  return ids.map((id) => id.toLowerCase());
}

export async function activitiesRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  refuseNonJsonBodies(app);

  app.post('/contact_delete', {
    config: { scope: 'delete' },
    schema: {
      summary: `Constant Contact: delete contacts in bulk (contact_ids, up to ${MAX_CONTACT_IDS}, or every member of list_ids, up to ${MAX_LIST_IDS}) as an activity`,
      body: Type.Object({ contact_ids: Type.Optional(ContactIds), list_ids: Type.Optional(ListIds) }, { additionalProperties: false }),
      response: { 201: Activity },
    },
  }, async (request, reply) => {
    const { contact_ids: contactIds, list_ids: listUuids } = request.body;
    if ((contactIds === undefined) === (listUuids === undefined)) throw invalid('contact_ids', 'send either contact_ids or list_ids, not both');
    const selector: Selector = contactIds
      ? { kind: 'uuids', values: checkContactIds(contactIds, 'contact_ids') }
      : { kind: 'lists', listIds: await listIdsOf(core, request.actor, listUuids ?? [], 'list_ids') };
    const operation = await core.operations.create(request.actor, { action: 'soft_delete', selector, label: 'ctct.contact_delete' });
    return reply.status(201).send(presentActivity(operation));
  });

  for (const [path, action] of [['/add_list_memberships', 'add_to_lists'], ['/remove_list_memberships', 'remove_from_lists']] as const) {
    app.post(path, {
      config: { scope: 'write' },
      schema: {
        summary:
          action === 'add_to_lists'
            ? 'Constant Contact: add contacts to lists as an activity; deleted contacts are revived onto them'
            : 'Constant Contact: take contacts off lists as an activity (they stay contacts)',
        body: MembershipBody,
        response: { 201: Activity },
      },
    }, async (request, reply) => {
      const { source, list_ids: listUuids } = request.body;
      const given = [source.contact_ids !== undefined, source.list_ids !== undefined, source.all_active_contacts !== undefined].filter(Boolean).length;
      if (given !== 1) throw invalid('source', 'source names exactly one of contact_ids, list_ids or all_active_contacts');
      if (source.all_active_contacts === false) throw invalid('source.all_active_contacts', 'all_active_contacts must be true when given');
      const selector: Selector = source.contact_ids
        ? { kind: 'uuids', values: checkContactIds(source.contact_ids, 'source.contact_ids') }
        : source.list_ids
          ? { kind: 'lists', listIds: await listIdsOf(core, request.actor, source.list_ids, 'source.list_ids') }
          : { kind: 'all' };
      const listIds = await listIdsOf(core, request.actor, listUuids, 'list_ids');
      const operation = await core.operations.createMembershipChange(request.actor, { action, selector, listIds, label: `ctct.${path.slice(1)}` });
      return reply.status(201).send(presentActivity(operation));
    });
  }

  app.get('/:activity_id', {
    config: { scope: 'read' },
    schema: {
      summary: 'Constant Contact: an activity\'s state (initialized, processing, completed, failed, cancelled), progress and counts',
      params: Type.Object({ activity_id: Type.String({ minLength: 1, maxLength: 64 }) }),
      response: { 200: Activity },
    },
  }, async (request) => {
    if (!isUuid(request.params.activity_id)) throw notFound('activity');
    return presentActivity(await core.operations.get(request.actor, request.params.activity_id.toLowerCase()));
  });

  app.get('/', {
    config: { scope: 'read' },
    schema: {
      summary: `Constant Contact: the account's activities of the past ${RECENT_DAYS} days, newest first`,
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
        state: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: Object.keys(STATE_FILTER) })),
        cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'From _links.next.href' })),
      }),
      response: {
        200: Type.Object({ activities: Type.Array(Activity), _links: Type.Optional(Type.Object({ next: Type.Object({ href: Type.String() }) })) }),
      },
    },
  }, async (request) => {
    const { limit = 50, state, cursor } = request.query;
    const lethState = state === undefined ? undefined : STATE_FILTER[state];
    if (lethState === null) return { activities: [] };
    const { items, nextCursor } = await core.operations.list(request.actor, {
      from: core.deps.clock.now() - RECENT_DAYS * DAY_MS,
      limit,
      ...(lethState !== undefined ? { state: lethState } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    });
    const activities = items.map(presentActivity);
    const query = new URLSearchParams({ limit: String(limit) });
    if (state !== undefined) query.set('state', state);
    if (nextCursor) query.set('cursor', nextCursor);
    return { activities, ...(nextCursor ? { _links: { next: { href: `/v3/activities?${query.toString()}` } } } : {}) };
  });
}
