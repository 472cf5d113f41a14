import { randomBytes } from 'node:crypto';
import type { Actor } from '../actor.js';
import { AuditService } from '../audit/audit.service.js';
import type { CoreDeps } from '../context.js';
import { newUuid } from '../crypto.js';
import { AppError, invalid, notFound } from '../errors.js';
import { checkPageLimit, isId } from '../input.js';
import { requireScope } from '../keys/scopes.js';
import { hasControlChars } from '../text.js';
import { eventPayload, newMsgId } from './emit.js';
import { checkWebhookTarget } from './target-address.js';
import { isWebhookEventType, TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES } from './webhook.js';
import type { WebhookDelivery, WebhookEndpoint, WebhookEventType } from './webhook.js';

/** Most endpoints one account may have. */
export const MAX_ENDPOINTS = 20;

export interface EndpointInput {
  url?: string;
  description?: string | null;
  eventTypes?: readonly string[];
  enabled?: boolean;
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

function checkEventTypes(types: readonly string[] | undefined): WebhookEventType[] | undefined {
  if (types === undefined) return undefined;
  if (!Array.isArray(types) || types.length === 0) throw invalid('event_types', `event_types lists one or more of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
  const bad = types.find((t) => !isWebhookEventType(t));
  if (bad !== undefined) throw invalid('event_types', `event_types are some of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
  return [...new Set(types as WebhookEventType[])];
}

function checkDescription(description: string | null | undefined): string | null | undefined {
  if (description === undefined || description === null) return description;
  if (description.length > 200 || hasControlChars(description)) throw invalid('description', 'description is at most 200 characters');
  return description;
}

/** Endpoints per account (admin), their delivery logs, test sends and redeliveries. */
export class WebhooksService {
  constructor(private readonly deps: CoreDeps) {}

  private get allowPrivate(): boolean {
    return this.deps.webhooks?.allowPrivate === true;
  }

  /** Creates an endpoint; the answer holds its signing secret, shown this once. */
  async create(actor: Actor, input: EndpointInput): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    requireScope(actor, 'admin');
    if (typeof input.url !== 'string') throw invalid('url', 'url is required');
    const eventTypes = checkEventTypes(input.eventTypes ?? []) ?? [];
    const description = checkDescription(input.description) ?? null;
    await checkWebhookTarget(input.url, this.allowPrivate);
    const secret = newSecret();
    const now = this.deps.clock.now();
    const endpoint = await this.deps.store.transaction(async (tx) => {
      if ((await tx.webhooks.listEndpoints(actor.accountId)).length >= MAX_ENDPOINTS) throw new AppError('CONFLICT', `an account has at most ${MAX_ENDPOINTS} webhook endpoints`);
      const created = await tx.webhooks.insertEndpoint(actor.accountId, { uuid: newUuid(), url: input.url as string, description, eventTypes, enabled: input.enabled ?? true, secret }, now);
      await this.audit(tx, actor, 'webhook.created', created);
      return created;
    }, { lockAccounts: [actor.accountId] });
    return { endpoint, secret };
  }

  async list(actor: Actor): Promise<WebhookEndpoint[]> {
    requireScope(actor, 'admin');
    return this.deps.store.webhooks.listEndpoints(actor.accountId);
  }

  async get(actor: Actor, uuid: string): Promise<WebhookEndpoint> {
    requireScope(actor, 'admin');
    const endpoint = await this.deps.store.webhooks.findEndpoint(actor.accountId, uuid);
    if (!endpoint) throw notFound('webhook');
    return endpoint;
  }

  /** Changes an endpoint; enabling one clears the flag Lethe set when it disabled it. */
  async update(actor: Actor, uuid: string, input: EndpointInput): Promise<WebhookEndpoint> {
    const endpoint = await this.get(actor, uuid);
    const eventTypes = checkEventTypes(input.eventTypes);
    const description = checkDescription(input.description);
    if (input.url !== undefined) await checkWebhookTarget(input.url, this.allowPrivate);
    return this.deps.store.transaction(async (tx) => {
      const updated = await tx.webhooks.updateEndpoint(actor.accountId, endpoint.id, {
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(eventTypes !== undefined ? { eventTypes } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        ...(input.enabled === true ? { disabledReason: null, failingSince: null } : {}),
      }, this.deps.clock.now());
      if (!updated) throw notFound('webhook');
      await this.audit(tx, actor, 'webhook.updated', updated);
      return updated;
    }, { lockAccounts: [actor.accountId] });
  }

  async delete(actor: Actor, uuid: string): Promise<void> {
    const endpoint = await this.get(actor, uuid);
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.webhooks.deleteEndpoint(actor.accountId, endpoint.id))) throw notFound('webhook');
      await this.audit(tx, actor, 'webhook.deleted', endpoint);
    }, { lockAccounts: [actor.accountId] });
  }

  /** The endpoint's deliveries, newest first: state, attempts, last status and latency. */
  async deliveries(actor: Actor, uuid: string, page: { beforeId?: number; limit?: number } = {}): Promise<{ items: WebhookDelivery[]; nextBeforeId: number | null }> {
    const endpoint = await this.get(actor, uuid);
    const limit = checkPageLimit(page.limit ?? 100);
    const rows = await this.deps.store.webhooks.listDeliveries(actor.accountId, endpoint.id, { ...(page.beforeId !== undefined ? { beforeId: page.beforeId } : {}), limit: limit + 1 });
    const items = rows.slice(0, limit);
    return { items, nextBeforeId: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
  }

  /** Queues a `webhook.test` event to this endpoint alone (sent by the worker like any other). */
  async sendTest(actor: Actor, uuid: string): Promise<{ msgId: string }> {
    const endpoint = await this.get(actor, uuid);
    const now = this.deps.clock.now();
    const msgId = newMsgId();
    await this.deps.store.webhooks.enqueue(actor.accountId, { msgId, type: TEST_EVENT_TYPE, payload: eventPayload(TEST_EVENT_TYPE, now, { webhook_id: endpoint.uuid }) }, [endpoint.id], now);
    this.deps.notifyWork();
    return { msgId };
  }

  /** Sends a delivery again (same message id and body), its attempts counted afresh. */
  async redeliver(actor: Actor, uuid: string, deliveryId: number): Promise<WebhookDelivery> {
    const endpoint = await this.get(actor, uuid);
    if (!isId(deliveryId)) throw notFound('delivery');
    const delivery = await this.deps.store.webhooks.findDelivery(actor.accountId, endpoint.id, deliveryId);
    if (!delivery) throw notFound('delivery');
    if (delivery.state === 'pending') throw new AppError('CONFLICT', 'the delivery is still pending');
    await this.deps.store.webhooks.resetDelivery(actor.accountId, delivery.id, this.deps.clock.now());
    this.deps.notifyWork();
    return (await this.deps.store.webhooks.findDelivery(actor.accountId, endpoint.id, deliveryId)) ?? delivery;
  }

  private audit(tx: Parameters<Parameters<CoreDeps['store']['transaction']>[0]>[0], actor: Actor, action: string, endpoint: WebhookEndpoint) {
    // The URL's host may name a customer's system: the audit keeps the endpoint's id and settings only.
    return new AuditService(this.deps).record(tx, {
      accountId: actor.accountId,
      actorKeyId: actor.keyId,
      via: actor.via,
      operator: actor.operator,
      action,
      subjectType: 'webhook',
      subjectId: endpoint.uuid,
      data: { enabled: endpoint.enabled, event_types: endpoint.eventTypes.join(',') },
    });
  }
}
