import type { Kysely } from 'kysely';
import { engineOf, idColumn, timeType } from './helpers.js';

/**
 * Webhooks: an account's endpoints, the outbox of events (written in the transaction of the
 * change that causes them) and one delivery per event and endpoint, sent by the worker with
 * a lease, retries and backoff. Events hold ids and counts, never personal data. Frozen:
 * later changes are new migrations.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const engine = engineOf(db);
  const time = timeType(engine);

  await idColumn(engine, db.schema.createTable('webhook_endpoints'))
    .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('uuid', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    // JSON array of event types.
    .addColumn('event_types', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    // The signing secret (whsec_…): shown once, kept to sign.
    .addColumn('secret', 'text', (c) => c.notNull())
    // Set when Lethe disabled the endpoint (e.g. `failing`); cleared when it is enabled again.
    .addColumn('disabled_reason', 'text')
    .addColumn('failing_since', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_endpoints_account_idx').on('webhook_endpoints').columns(['account_id', 'id']).execute();
  await db.schema.createIndex('webhook_endpoints_uuid_uq').unique().on('webhook_endpoints').column('uuid').execute();

  await idColumn(engine, db.schema.createTable('webhook_events'))
    .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    // The Standard Webhooks message id (webhook-id): the same on every attempt and redelivery.
    .addColumn('msg_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_events_account_idx').on('webhook_events').columns(['account_id', 'id']).execute();

  await idColumn(engine, db.schema.createTable('webhook_deliveries'))
    .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('endpoint_id', 'bigint', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('event_id', 'bigint', (c) => c.notNull().references('webhook_events.id').onDelete('cascade'))
    // pending → delivered | failed (retries exhausted, or the endpoint disabled).
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', time, (c) => c.notNull())
    // A sender holds the delivery until then; a sender that died lets it lapse.
    .addColumn('lease_until', time)
    .addColumn('last_status', 'integer')
    .addColumn('last_latency_ms', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addColumn('delivered_at', time)
    .execute();
  await db.schema.createIndex('webhook_deliveries_due_idx').on('webhook_deliveries').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_deliveries_endpoint_idx').on('webhook_deliveries').columns(['endpoint_id', 'id']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Lethe migrations are forward-only');
}
