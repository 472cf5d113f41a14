import type { Kysely, Selectable } from 'kysely';
import type {
  AttemptResult,
  ClaimedDelivery,
  DeliveryState,
  NewWebhookEndpoint,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointPatch,
  WebhookEventType,
  WebhooksRepository,
} from '../../core/webhooks/webhook.js';
import type { Database, WebhookEndpointsTable } from '../schema.js';

const toEndpoint = (row: Selectable<WebhookEndpointsTable>): WebhookEndpoint => ({
  id: Number(row.id),
  uuid: row.uuid,
  accountId: Number(row.account_id),
  url: row.url,
  description: row.description,
  eventTypes: JSON.parse(row.event_types) as WebhookEventType[],
  enabled: Number(row.enabled) === 1,
  disabledReason: row.disabled_reason,
  failingSince: row.failing_since === null ? null : Number(row.failing_since),
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

export class KyselyWebhooksRepository implements WebhooksRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertEndpoint(accountId: number, e: NewWebhookEndpoint, now: number): Promise<WebhookEndpoint> {
    const row = await this.db
      .insertInto('webhook_endpoints')
      .values({ account_id: accountId, uuid: e.uuid, url: e.url, description: e.description, event_types: JSON.stringify(e.eventTypes), enabled: e.enabled ? 1 : 0, secret: e.secret, disabled_reason: null, failing_since: null, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEndpoint(row);
  }

  async findEndpoint(accountId: number, uuid: string): Promise<WebhookEndpoint | undefined> {
    const row = await this.db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).where('uuid', '=', uuid).executeTakeFirst();
    return row && toEndpoint(row);
  }

  async listEndpoints(accountId: number): Promise<WebhookEndpoint[]> {
    const rows = await this.db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
    return rows.map(toEndpoint);
  }

  async updateEndpoint(accountId: number, id: number, patch: WebhookEndpointPatch & { disabledReason?: string | null; failingSince?: number | null }, now: number): Promise<WebhookEndpoint | undefined> {
    const row = await this.db
      .updateTable('webhook_endpoints')
      .set({
        ...(patch.url !== undefined ? { url: patch.url } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.eventTypes !== undefined ? { event_types: JSON.stringify(patch.eventTypes) } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
        ...(patch.disabledReason !== undefined ? { disabled_reason: patch.disabledReason } : {}),
        ...(patch.failingSince !== undefined ? { failing_since: patch.failingSince } : {}),
        updated_at: now,
      })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toEndpoint(row);
  }

  async deleteEndpoint(accountId: number, id: number): Promise<boolean> {
    await this.db.deleteFrom('webhook_deliveries').where('account_id', '=', accountId).where('endpoint_id', '=', id).execute();
    const result = await this.db.deleteFrom('webhook_endpoints').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async subscribers(accountId: number, type: string): Promise<Array<{ id: number }>> {
    const rows = await this.db.selectFrom('webhook_endpoints').select(['id', 'event_types']).where('account_id', '=', accountId).where('enabled', '=', 1).execute();
    return rows.filter((r) => (JSON.parse(r.event_types) as string[]).includes(type)).map((r) => ({ id: Number(r.id) }));
  }

  async enqueue(accountId: number, event: { msgId: string; type: string; payload: string }, endpointIds: readonly number[], now: number): Promise<void> {
    const inserted = await this.db
      .insertInto('webhook_events')
      .values({ account_id: accountId, msg_id: event.msgId, type: event.type, payload: event.payload, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (endpointIds.length === 0) return;
    await this.db
      .insertInto('webhook_deliveries')
      .values(endpointIds.map((endpointId) => ({ account_id: accountId, endpoint_id: endpointId, event_id: Number(inserted.id), state: 'pending', attempts: 0, next_attempt_at: now, lease_until: null, last_status: null, last_latency_ms: null, last_error: null, created_at: now, updated_at: now, delivered_at: null })))
      .execute();
  }

  async claimDue(now: number, limit: number, leaseUntil: number): Promise<ClaimedDelivery[]> {
    const candidates = await this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(limit * 4)
      .execute();
    const claimed: number[] = [];
    for (const { id } of candidates) {
      if (claimed.length >= limit) break;
      // Compare-and-set: another sender may have taken it since the read.
      const result = await this.db
        .updateTable('webhook_deliveries')
        .set({ lease_until: leaseUntil })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) claimed.push(Number(id));
    }
    if (claimed.length === 0) return [];
    const rows = await this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .innerJoin('webhook_events as ev', 'ev.id', 'd.event_id')
      .select(['d.id', 'd.account_id', 'd.endpoint_id', 'd.attempts', 'e.url', 'e.secret', 'e.failing_since', 'ev.msg_id', 'ev.payload', 'ev.created_at'])
      .where('d.id', 'in', claimed)
      .orderBy('d.id')
      .execute();
    return rows.map((r) => ({ id: Number(r.id), accountId: Number(r.account_id), endpointId: Number(r.endpoint_id), url: r.url, secret: r.secret, msgId: r.msg_id, payload: r.payload, eventCreatedAt: Number(r.created_at), attempts: Number(r.attempts), failingSince: r.failing_since === null ? null : Number(r.failing_since) }));
  }

  async recordAttempt(id: number, result: AttemptResult, next: { state: DeliveryState; nextAttemptAt: number | null }, now: number): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        state: next.state,
        ...(next.nextAttemptAt !== null ? { next_attempt_at: next.nextAttemptAt } : {}),
        lease_until: null,
        last_status: result.status,
        last_latency_ms: Math.round(result.latencyMs),
        last_error: result.error,
        updated_at: now,
        ...(result.ok ? { delivered_at: now } : {}),
      }))
      .where('id', '=', id)
      .execute();
  }

  async failPending(accountId: number, endpointId: number, reason: string, now: number): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ state: 'failed', last_error: reason, lease_until: null, updated_at: now })
      .where('account_id', '=', accountId)
      .where('endpoint_id', '=', endpointId)
      .where('state', '=', 'pending')
      .execute();
  }

  async listDeliveries(accountId: number, endpointId: number, page: { beforeId?: number; limit: number }): Promise<WebhookDelivery[]> {
    let query = this.deliveries().where('d.account_id', '=', accountId).where('d.endpoint_id', '=', endpointId);
    if (page.beforeId !== undefined) query = query.where('d.id', '<', page.beforeId);
    const rows = await query.orderBy('d.id', 'desc').limit(page.limit).execute();
    return rows.map(toDelivery);
  }

  async findDelivery(accountId: number, endpointId: number, id: number): Promise<WebhookDelivery | undefined> {
    const row = await this.deliveries().where('d.account_id', '=', accountId).where('d.endpoint_id', '=', endpointId).where('d.id', '=', id).executeTakeFirst();
    return row && toDelivery(row);
  }

  async resetDelivery(accountId: number, id: number, now: number): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ state: 'pending', attempts: 0, next_attempt_at: now, lease_until: null, updated_at: now, delivered_at: null })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
  }

  async nextDueAt(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .select((eb) => [eb.fn.min('next_attempt_at').as('due'), eb.fn.max('lease_until').as('lease')])
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (!row || row.due === null || row.due === undefined) return undefined;
    return Math.max(Number(row.due), row.lease === null || row.lease === undefined ? 0 : Number(row.lease));
  }

  private deliveries() {
    return this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_events as ev', 'ev.id', 'd.event_id')
      .select(['d.id', 'd.endpoint_id', 'ev.msg_id', 'ev.type', 'd.state', 'd.attempts', 'd.next_attempt_at', 'd.last_status', 'd.last_latency_ms', 'd.last_error', 'd.created_at', 'd.delivered_at']);
  }
}

interface DeliveryRow {
  id: number;
  endpoint_id: number;
  msg_id: string;
  type: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  id: Number(r.id),
  endpointId: Number(r.endpoint_id),
  msgId: r.msg_id,
  eventType: r.type,
  state: r.state as DeliveryState,
  attempts: Number(r.attempts),
  nextAttemptAt: Number(r.next_attempt_at),
  lastStatus: r.last_status === null ? null : Number(r.last_status),
  lastLatencyMs: r.last_latency_ms === null ? null : Number(r.last_latency_ms),
  lastError: r.last_error,
  createdAt: Number(r.created_at),
  deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
});
