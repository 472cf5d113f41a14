import type { SurfaceApp, SurfaceContext } from '../surface.js';
import { Type } from 'typebox';
import { toIso } from '../../core/clock.js';
import { decodeCursor, encodeCursor } from '../../core/cursor.js';
import { notFound } from '../../core/errors.js';
import { isUuid } from '../../core/refs.js';
import { WEBHOOK_EVENT_TYPES } from '../../core/webhooks/webhook.js';
import type { WebhookDelivery, WebhookEndpoint } from '../../core/webhooks/webhook.js';
import { errorResponses, ProblemRef } from './schemas.js';
import { Cursor, Limit, NextCursor, Nullable } from './wire.js';

const tags = ['webhooks'];

const EventType = Type.Unsafe<string>({ type: 'string', enum: [...WEBHOOK_EVENT_TYPES] });

const EndpointSchema = Type.Object({
  id: Type.String({ description: 'The endpoint\'s uuid' }),
  url: Type.String(),
  description: Nullable(Type.String()),
  event_types: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabled_reason: Nullable(Type.String({ description: '`failing`: Lethe disabled it after its deliveries failed for over a day; enabling it again clears this' })),
  failing_since: Nullable(Type.String({ format: 'date-time', description: 'When its current run of failed attempts began' })),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

const CreatedSchema = Type.Object({ ...EndpointSchema.properties, secret: Type.String({ description: 'The signing secret (whsec_…), shown this once' }) });

const DeliverySchema = Type.Object({
  id: Type.Integer(),
  msg_id: Type.String({ description: 'The webhook-id header: the same on every attempt and redelivery' }),
  event_type: Type.String(),
  state: Type.String({ enum: ['pending', 'delivered', 'failed'] }),
  attempts: Type.Integer(),
  next_attempt_at: Nullable(Type.String({ format: 'date-time' })),
  last_status: Nullable(Type.Integer({ description: 'The receiver\'s HTTP status on the last attempt' })),
  last_latency_ms: Nullable(Type.Integer()),
  last_error: Nullable(Type.String({ description: 'e.g. HTTP 500, timeout, refused: private address' })),
  created_at: Type.String({ format: 'date-time' }),
  delivered_at: Nullable(Type.String({ format: 'date-time' })),
});

const UuidParam = Type.Object({ id: Type.String({ maxLength: 64 }) });
const DeliveryParam = Type.Object({ id: Type.String({ maxLength: 64 }), delivery_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

const fields = {
  url: Type.String({ minLength: 1, maxLength: 2000, description: 'http(s); private, loopback and link-local addresses are refused (every address the host resolves to is checked, again at each send)' }),
  event_types: Type.Array(EventType, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length * 2 }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  enabled: Type.Optional(Type.Boolean()),
};

const presentEndpoint = (e: WebhookEndpoint) => ({
  id: e.uuid,
  url: e.url,
  description: e.description,
  event_types: e.eventTypes,
  enabled: e.enabled,
  disabled_reason: e.disabledReason,
  failing_since: toIso(e.failingSince),
  created_at: toIso(e.createdAt) as string,
  updated_at: toIso(e.updatedAt) as string,
});

const presentDelivery = (d: WebhookDelivery) => ({
  id: d.id,
  msg_id: d.msgId,
  event_type: d.eventType,
  state: d.state,
  attempts: d.attempts,
  next_attempt_at: d.state === 'pending' ? toIso(d.nextAttemptAt) : null,
  last_status: d.lastStatus,
  last_latency_ms: d.lastLatencyMs,
  last_error: d.lastError,
  created_at: toIso(d.createdAt) as string,
  delivered_at: toIso(d.deliveredAt),
});

/** An endpoint's uuid from the path: anything else is simply not found. */
function uuidOf(id: string): string {
  if (!isUuid(id)) throw notFound('webhook');
  return id.toLowerCase();
}

/** Webhook endpoints of the acting account: admin only. */
export async function webhooksRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.post('/webhooks', {
    config: { scope: 'admin' },
    schema: { tags, summary: 'Create a webhook endpoint; the answer shows its signing secret once', body: Type.Object(fields, { additionalProperties: false }), response: { 201: CreatedSchema, ...errorResponses, 409: ProblemRef } },
  }, async (request, reply) => {
    const b = request.body;
    const { endpoint, secret } = await core.webhooks.create(request.actor, { url: b.url, eventTypes: b.event_types, ...(b.description !== undefined ? { description: b.description } : {}), ...(b.enabled !== undefined ? { enabled: b.enabled } : {}) });
    return reply.status(201).send({ ...presentEndpoint(endpoint), secret });
  });

  app.get('/webhooks', {
    config: { scope: 'admin' },
    schema: { tags, summary: 'The account\'s webhook endpoints (never their secrets)', response: { 200: Type.Object({ data: Type.Array(EndpointSchema) }), ...errorResponses } },
  }, async (request) => ({ data: (await core.webhooks.list(request.actor)).map(presentEndpoint) }));

  app.get('/webhooks/:id', {
    config: { scope: 'admin' },
    schema: { tags, summary: 'A webhook endpoint', params: UuidParam, response: { 200: EndpointSchema, ...errorResponses } },
  }, async (request) => presentEndpoint(await core.webhooks.get(request.actor, uuidOf(request.params.id))));

  app.patch('/webhooks/:id', {
    config: { scope: 'admin' },
    schema: {
      tags,
      summary: 'Change a webhook endpoint (url, event types, description, enabled); enabling clears a disabled_reason',
      params: UuidParam,
      body: Type.Object({ url: Type.Optional(fields.url), event_types: Type.Optional(fields.event_types), description: fields.description, enabled: fields.enabled }, { additionalProperties: false }),
      response: { 200: EndpointSchema, ...errorResponses },
    },
  }, async (request) => {
    const b = request.body;
    return presentEndpoint(await core.webhooks.update(request.actor, uuidOf(request.params.id), {
      ...(b.url !== undefined ? { url: b.url } : {}),
      ...(b.event_types !== undefined ? { eventTypes: b.event_types } : {}),
      ...(b.description !== undefined ? { description: b.description } : {}),
      ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
    }));
  });

  app.delete('/webhooks/:id', {
    config: { scope: 'admin' },
    schema: { tags, summary: 'Delete a webhook endpoint and its deliveries', params: UuidParam, response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    await core.webhooks.delete(request.actor, uuidOf(request.params.id));
    return reply.status(204).send(null);
  });

  app.get('/webhooks/:id/deliveries', {
    config: { scope: 'admin' },
    schema: {
      tags,
      summary: 'The endpoint\'s delivery log, newest first: state, attempts, last status and latency',
      params: UuidParam,
      querystring: Type.Object({ limit: Limit, cursor: Cursor }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(DeliverySchema), next_cursor: NextCursor }), ...errorResponses },
    },
  }, async (request) => {
    const [before] = decodeCursor(request.query.cursor, 1) ?? [];
    const page = await core.webhooks.deliveries(request.actor, uuidOf(request.params.id), { limit: request.query.limit ?? 100, ...(before !== undefined ? { beforeId: before } : {}) });
    return { data: page.items.map(presentDelivery), next_cursor: page.nextBeforeId === null ? null : encodeCursor([page.nextBeforeId]) };
  });

  app.post('/webhooks/:id/test', {
    config: { scope: 'admin' },
    schema: { tags, summary: 'Queue a webhook.test event to this endpoint (sent by the worker like any other; see its deliveries)', params: UuidParam, response: { 202: Type.Object({ msg_id: Type.String() }), ...errorResponses } },
  }, async (request, reply) => {
    const { msgId } = await core.webhooks.sendTest(request.actor, uuidOf(request.params.id));
    return reply.status(202).send({ msg_id: msgId });
  });

  app.post('/webhooks/:id/deliveries/:delivery_id/redeliver', {
    config: { scope: 'admin' },
    schema: { tags, summary: 'Send a delivered or failed delivery again (same webhook-id and body)', params: DeliveryParam, response: { 202: DeliverySchema, ...errorResponses, 409: ProblemRef } },
  }, async (request, reply) => reply.status(202).send(presentDelivery(await core.webhooks.redeliver(request.actor, uuidOf(request.params.id), request.params.delivery_id))));
}
