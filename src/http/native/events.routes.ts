import type { SurfaceApp, SurfaceContext } from '../surface.js';
import { Type } from 'typebox';
import { toIso } from '../../core/clock.js';
import { EVENT_TYPES } from '../../core/events/event.js';
import type { ContactEvent } from '../../core/events/event.js';
import { EVENT_LIMITS } from '../../core/events/events.service.js';
import type { EventInput } from '../../core/events/events.service.js';
import { errorResponses, IdParam, IsoTime, ProblemRef } from './schemas.js';
import { decodeCursor, encodeCursor } from '../../core/cursor.js';
import { Cursor, Limit, Nullable, NextCursor, parseIsoTime } from './wire.js';

const tags = ['events'];
const L = EVENT_LIMITS;
const OptionalText = (maxLength: number) => Type.Optional(Nullable(Type.String({ maxLength })));

// Type and time are checked per event (a bad one is reported, the others stored), so the schema only bounds them.
const EventItem = Type.Object(
  {
    contact_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'The contact, by id (or give email)' })),
    email: Type.Optional(Type.String({ maxLength: 254, description: 'The contact, by email (or give contact_id)' })),
    type: Type.String({ maxLength: 32, description: `One of ${EVENT_TYPES.join(', ')}` }),
    message_id: OptionalText(L.messageId),
    subject: OptionalText(L.subject),
    categories: Type.Optional(Nullable(Type.Array(Type.String({ maxLength: L.category }), { maxItems: L.categories }))),
    ip: OptionalText(45),
    user_agent: OptionalText(L.userAgent),
    url: OptionalText(L.url),
    occurred_at: Type.Optional(Type.String({ maxLength: 64, description: 'ISO 8601 time with a zone; default: now' })),
  },
  { additionalProperties: false },
);

const EventSchema = Type.Object({
  id: Type.Integer({ description: 'Unique per contact; increases in the order events were stored' }),
  contact_id: Type.Integer(),
  type: Type.Unsafe<string>({ type: 'string', enum: [...EVENT_TYPES] }),
  message_id: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  categories: Type.Array(Type.String()),
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  url: Nullable(Type.String()),
  occurred_at: IsoTime,
});

const presentEvent = (e: ContactEvent) => ({
  id: e.id,
  contact_id: e.contactId,
  type: e.type,
  message_id: e.messageId,
  subject: e.subject,
  categories: e.categories,
  ip: e.ip,
  user_agent: e.userAgent,
  url: e.url,
  occurred_at: toIso(e.occurredAt),
});

/** A batch of 10,000 events of typical size is 2 to 5 MB. */
export const EVENTS_BODY_LIMIT = 16 * 1024 * 1024;

export async function eventsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.post('/events', {
    // Up to 10,000 events of a few hundred bytes each; an event is an object with one more (categories).
    config: { scope: 'write', json: { containers: L.batch * 2 + 8 } },
    bodyLimit: EVENTS_BODY_LIMIT,
    schema: {
      tags,
      summary: `Store up to ${L.batch} events of message activity; invalid events and unknown contacts are reported by index, the others stored`,
      body: Type.Object({ events: Type.Array(EventItem, { minItems: 1, maxItems: L.batch }) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          accepted: Type.Integer({ description: 'Events stored' }),
          errors: Type.Array(Type.Object({ index: Type.Integer(), field: Type.String(), message: Type.String() })),
        }),
        ...errorResponses,
        413: ProblemRef,
      },
    },
  }, async (request) => {
    const inputs: EventInput[] = request.body.events.map((e) => ({
      ...(e.contact_id !== undefined ? { contactId: e.contact_id } : {}),
      ...(e.email !== undefined ? { email: e.email } : {}),
      type: e.type,
      messageId: e.message_id ?? null,
      subject: e.subject ?? null,
      categories: e.categories ?? null,
      ip: e.ip ?? null,
      userAgent: e.user_agent ?? null,
      url: e.url ?? null,
      ...(e.occurred_at !== undefined ? { occurredAt: parseIsoTime(e.occurred_at) } : {}),
    }));
    const result = await core.events.ingest(request.actor, inputs);
    return { accepted: result.accepted, errors: result.errors.map((e) => ({ index: e.index ?? 0, field: e.field ?? '', message: e.message })) };
  });

  app.get('/contacts/:id/events', {
    config: { scope: 'read' },
    schema: {
      tags,
      summary: 'A contact\'s events, newest first, with cursor pagination',
      params: IdParam,
      querystring: Type.Object({ limit: Limit, cursor: Cursor }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(EventSchema), next_cursor: NextCursor }), ...errorResponses },
    },
  }, async (request) => {
    const [occurredAt, id] = decodeCursor(request.query.cursor, 2) ?? [];
    const page = await core.events.listForContact(request.actor, request.params.id, {
      limit: request.query.limit ?? 100,
      ...(occurredAt !== undefined && id !== undefined ? { before: { occurredAt, id } } : {}),
    });
    return { data: page.events.map(presentEvent), next_cursor: page.next ? encodeCursor([page.next.occurredAt, page.next.id]) : null };
  });
}
