import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { engineOf, idColumn, timeType, withoutRowid } from './helpers.js';

/**
 * The initial schema. Frozen: later changes are new migrations.
 *
 * Conventions, identical on both engines:
 * - every table but `lethe_meta` carries `account_id`, so the schema shards by account;
 * - times are integer milliseconds since the epoch (`bigint` on PostgreSQL);
 * - booleans are 0/1 integers; structured values are JSON text.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const engine = engineOf(db);
  const time = timeType(engine);

  await db.schema
    .createTable('lethe_meta')
    .addColumn('key', 'text', (c) => c.primaryKey().notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await idColumn(engine, db.schema.createTable('accounts'))
    .addColumn('parent_id', 'bigint', (c) => c.references('accounts.id'))
    // Names are unique among the parent's sub-accounts, and among top-level accounts (namespace 0).
    .addColumn('namespace_id', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('restore_window_days', 'integer')
    .addColumn('retention_days', 'integer', (c) => c.notNull().defaultTo(30))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('accounts_namespace_name_uq').unique().on('accounts').columns(['namespace_id', 'name']).execute();
  await db.schema.createIndex('accounts_parent_idx').on('accounts').column('parent_id').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_used_at', time)
    .addColumn('revoked_at', time)
    .execute();
  await db.schema.createIndex('api_keys_account_idx').on('api_keys').column('account_id').execute();

  await idColumn(engine, db.schema.createTable('contacts'))
    .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
    .addColumn('uuid', 'text', (c) => c.notNull())
    .addColumn('external_key', 'text')
    .addColumn('email', 'text')
    // Lower-cased email for lookups and uniqueness; an erased contact holds its keyed-hash placeholder.
    .addColumn('email_norm', 'text')
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('phone', 'text')
    .addColumn('custom_fields', 'text', (c) => c.notNull().defaultTo('{}'))
    // Vendor-reserved personal fields with no column of their own (address lines, city, ...).
    .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('create_source', 'text')
    .addColumn('update_source', 'text')
    .addColumn('opt_in_status', 'text')
    .addColumn('opt_in_at', time)
    .addColumn('opt_in_source', 'text')
    .addColumn('opt_in_ip', 'text')
    .addColumn('excluded_from_campaigns', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unsubscribed_at', time)
    .addColumn('unsubscribe_source', 'text')
    .addColumn('unsubscribe_reason', 'text')
    // active | deleted | erased (purged contacts have no row)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addColumn('deleted_at', time)
    .addColumn('erased_at', time)
    // When the scheduler purges the row: end of the restore window or of retention.
    .addColumn('purge_at', time)
    .execute();
  await db.schema.createIndex('contacts_uuid_uq').unique().on('contacts').column('uuid').execute();
  await db.schema.createIndex('contacts_account_email_uq').unique().on('contacts').columns(['account_id', 'email_norm']).execute();
  await db.schema.createIndex('contacts_account_external_key_uq').unique().on('contacts').columns(['account_id', 'external_key']).execute();
  await db.schema.createIndex('contacts_account_status_id_idx').on('contacts').columns(['account_id', 'status', 'id']).execute();
  await db.schema.createIndex('contacts_account_updated_idx').on('contacts').columns(['account_id', 'updated_at', 'id']).execute();
  await db.schema.createIndex('contacts_purge_at_idx').on('contacts').columns(['purge_at']).execute();

  await idColumn(engine, db.schema.createTable('lists'))
    .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
    .addColumn('uuid', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('lists_uuid_uq').unique().on('lists').column('uuid').execute();
  await db.schema.createIndex('lists_account_name_uq').unique().on('lists').columns(['account_id', 'name']).execute();

  // Keyed by contact first, so that a contact's memberships sit together and go in one range.
  await withoutRowid(
    engine,
    db.schema
      .createTable('list_memberships')
      .addColumn('account_id', 'bigint', (c) => c.notNull())
      .addColumn('contact_id', 'bigint', (c) => c.notNull())
      .addColumn('list_id', 'bigint', (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('unsubscribed_at', time)
      .addPrimaryKeyConstraint('list_memberships_pk', ['contact_id', 'list_id']),
  ).execute();
  await db.schema.createIndex('list_memberships_list_idx').on('list_memberships').columns(['list_id', 'contact_id']).execute();

  // Events are clustered by contact (key: contact, then id) so that erasing or purging a
  // contact touches one contiguous range instead of rows scattered over the table.
  await withoutRowid(
    engine,
    db.schema
      .createTable('events')
      .addColumn('account_id', 'bigint', (c) => c.notNull())
      .addColumn('contact_id', 'bigint', (c) => c.notNull())
      .addColumn('id', 'bigint', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text')
      .addColumn('subject', 'text')
      .addColumn('categories', 'text')
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('url', 'text')
      .addColumn('occurred_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('events_pk', ['contact_id', 'id']),
  ).execute();
  await db.schema.createIndex('events_account_occurred_idx').on('events').columns(['account_id', 'occurred_at']).execute();

  await idColumn(engine, db.schema.createTable('operations'))
    .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
    .addColumn('uuid', 'text', (c) => c.notNull())
    // A cross-account request is a parent operation with one child per account.
    .addColumn('parent_operation_id', 'bigint')
    // Stable job kind, e.g. `operation.erase`, `operation.purge`, `import.contacts`.
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    // ids | uuids | external_keys | emails | list | all | rows
    .addColumn('selector_kind', 'text', (c) => c.notNull())
    .addColumn('selector_size', 'integer', (c) => c.notNull().defaultTo(0))
    // List id for list selectors, restore targets, import options: never personal data.
    .addColumn('params', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('dry_run', 'integer', (c) => c.notNull().defaultTo(0))
    // queued | processing | completed | failed | canceled
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('expected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('succeeded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('not_found', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('invalid', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('chunks_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('chunks_done', 'integer', (c) => c.notNull().defaultTo(0))
    // Lease for the phases that are not chunked (planning, finishing).
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', time)
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('run_after', time, (c) => c.notNull())
    .addColumn('requested_by_key_id', 'text')
    // native | sendgrid | mailjet | marketing-cloud | constant-contact | cli | scheduler
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('cancel_requested_at', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('started_at', time)
    .addColumn('finished_at', time)
    .addColumn('updated_at', time, (c) => c.notNull())
    // Set once the storage of touched tables was scrubbed (checkpoint / vacuum).
    .addColumn('scrubbed_at', time)
    .execute();
  await db.schema.createIndex('operations_uuid_uq').unique().on('operations').column('uuid').execute();
  await db.schema.createIndex('operations_state_run_idx').on('operations').columns(['state', 'run_after', 'id']).execute();
  await db.schema.createIndex('operations_account_created_idx').on('operations').columns(['account_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('operations_parent_idx').on('operations').column('parent_operation_id').execute();

  // The work of an operation in bounded chunks; a chunk is done in one transaction
  // together with its progress, so a crash loses nothing and repeats nothing.
  await db.schema
    .createTable('operation_chunks')
    .addColumn('operation_id', 'bigint', (c) => c.notNull())
    .addColumn('chunk_no', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'bigint', (c) => c.notNull())
    // Either a range of target sequence numbers or of contact ids, inclusive.
    .addColumn('range_start', 'bigint', (c) => c.notNull())
    .addColumn('range_end', 'bigint', (c) => c.notNull())
    // pending | done | canceled
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('done_at', time)
    .addPrimaryKeyConstraint('operation_chunks_pk', ['operation_id', 'chunk_no'])
    .execute();
  await db.schema.createIndex('operation_chunks_pending_idx').on('operation_chunks').columns(['operation_id', 'state', 'chunk_no']).execute();

  // The targets named by a request. `value` holds the raw identifier only until the
  // target is processed; afterwards only its keyed hash remains.
  await withoutRowid(
    engine,
    db.schema
      .createTable('operation_targets')
      .addColumn('operation_id', 'bigint', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('account_id', 'bigint', (c) => c.notNull())
      .addColumn('value', 'text')
      .addColumn('value_hash', 'text')
      .addColumn('contact_id', 'bigint')
      // pending | done | not_found | invalid | failed | skipped
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addPrimaryKeyConstraint('operation_targets_pk', ['operation_id', 'seq']),
  ).execute();

  // Append-only, hash-chained per account; no personal data.
  await db.schema
    .createTable('audit_log')
    .addColumn('account_id', 'bigint', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('at', time, (c) => c.notNull())
    .addColumn('actor_key_id', 'text')
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_type', 'text')
    .addColumn('subject_id', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_log_pk', ['account_id', 'seq'])
    .execute();
  await db.schema.createIndex('audit_log_subject_idx').on('audit_log').columns(['account_id', 'subject_type', 'subject_id']).execute();

  // Fixed-window counters for rate limits, shared by every process on one database.
  await db.schema
    .createTable('rate_limits')
    .addColumn('account_id', 'bigint', (c) => c.notNull())
    .addColumn('bucket', 'text', (c) => c.notNull())
    .addColumn('window_start', time, (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limits_pk', ['account_id', 'bucket', 'window_start'])
    .execute();

  if (engine === 'postgres') {
    // Erased values must not linger in dead tuples longer than a vacuum; keep autovacuum eager.
    await sql`alter table events set (autovacuum_vacuum_scale_factor = 0.05)`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('Lethe migrations are forward-only');
}
