/**
 * Webhooks: per account, endpoints that receive events about its data, signed per the
 * Standard Webhooks specification. Events carry ids, kinds and counts, never an address
 * or any other personal data.
 */

/**
 * The event types. `request.completed` and `request.overdue` belong to data-subject requests,
 * which Lethe does not have yet.
 */
export const WEBHOOK_EVENT_TYPES = ['operation.completed', 'operation.failed', 'import.completed', 'contact.erased'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** The type of a test send: delivered to one endpoint, whatever it subscribed to. */
export const TEST_EVENT_TYPE = 'webhook.test';

export const isWebhookEventType = (value: unknown): value is WebhookEventType => typeof value === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);

export interface WebhookEndpoint {
  id: number;
  uuid: string;
  accountId: number;
  url: string;
  description: string | null;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  /** Why Lethe disabled it (`failing`: it kept failing for over a day), or null. */
  disabledReason: string | null;
  /** When its current run of failures began (null while it succeeds). */
  failingSince: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewWebhookEndpoint {
  uuid: string;
  url: string;
  description: string | null;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  secret: string;
}

export interface WebhookEndpointPatch {
  url?: string;
  description?: string | null;
  eventTypes?: WebhookEventType[];
  enabled?: boolean;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: number;
  endpointId: number;
  /** The Standard Webhooks message id (`webhook-id`), the same on every attempt. */
  msgId: string;
  eventType: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

/** A delivery claimed for sending, with what the sender needs. */
export interface ClaimedDelivery {
  id: number;
  accountId: number;
  endpointId: number;
  url: string;
  secret: string;
  msgId: string;
  payload: string;
  eventCreatedAt: number;
  attempts: number;
  /** The endpoint's current run of failures began then (null: it last succeeded). */
  failingSince: number | null;
}

/** The outcome of one attempt. */
export interface AttemptResult {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  /** A short reason without personal data (`timeout`, `refused: private address`, `HTTP 500`). */
  error: string | null;
}

/** Port: endpoints, the outbox and deliveries. Every method but the sender's claim is scoped by an account. */
export interface WebhooksRepository {
  insertEndpoint(accountId: number, endpoint: NewWebhookEndpoint, now: number): Promise<WebhookEndpoint>;
  findEndpoint(accountId: number, uuid: string): Promise<WebhookEndpoint | undefined>;
  listEndpoints(accountId: number): Promise<WebhookEndpoint[]>;
  updateEndpoint(accountId: number, id: number, patch: WebhookEndpointPatch & { disabledReason?: string | null; failingSince?: number | null }, now: number): Promise<WebhookEndpoint | undefined>;
  deleteEndpoint(accountId: number, id: number): Promise<boolean>;
  /** Enabled endpoints of the account subscribed to `type`. */
  subscribers(accountId: number, type: string): Promise<Array<{ id: number }>>;
  /** Writes an event to the outbox and one pending delivery per endpoint, due now. */
  enqueue(accountId: number, event: { msgId: string; type: string; payload: string }, endpointIds: readonly number[], now: number): Promise<void>;
  /**
   * Claims up to `limit` pending deliveries due at `now` whose lease (if any) has lapsed,
   * leasing them until `leaseUntil`; each claim is a compare-and-set, so two senders never
   * hold one delivery at once.
   */
  claimDue(now: number, limit: number, leaseUntil: number): Promise<ClaimedDelivery[]>;
  /** Records an attempt: delivered, or pending again at `nextAttemptAt`, or failed (null). */
  recordAttempt(id: number, result: AttemptResult, next: { state: DeliveryState; nextAttemptAt: number | null }, now: number): Promise<void>;
  /** Fails an endpoint's pending deliveries (it was disabled). */
  failPending(accountId: number, endpointId: number, reason: string, now: number): Promise<void>;
  /** An endpoint's deliveries, newest first, before `beforeId`. */
  listDeliveries(accountId: number, endpointId: number, page: { beforeId?: number; limit: number }): Promise<WebhookDelivery[]>;
  findDelivery(accountId: number, endpointId: number, id: number): Promise<WebhookDelivery | undefined>;
  /** Makes a delivery pending and due now, its attempts counted afresh. */
  resetDelivery(accountId: number, id: number, now: number): Promise<void>;
  /** The earliest time a pending delivery is due or its lease lapses (for `--until-idle`). */
  nextDueAt(): Promise<number | undefined>;
}
