import type { Kysely } from 'kysely';
import { engineOf, idColumn, timeType, withoutRowid } from './helpers.js';

/**
 * Privacy requests (GDPR Art. 15 access, Art. 17 erasure) with their legal deadlines, and
 * the parts of an access request's export. A request keeps only keyed hashes of the
 * identifiers that named the person, never the identifiers. Per account: the days a
 * request is due after it was received, and the most days an extension may reach (null:
 * core's defaults). Frozen: later changes are new migrations.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const engine = engineOf(db);
  const time = timeType(engine);
  await db.schema.alterTable('accounts').addColumn('request_due_days', 'integer').execute();
  await db.schema.alterTable('accounts').addColumn('request_max_days', 'integer').execute();

  await idColumn(engine, db.schema.createTable('privacy_requests'))
    .addColumn('account_id', 'bigint', (c) => c.notNull())
    .addColumn('uuid', 'text', (c) => c.notNull())
    // erasure | access
    .addColumn('type', 'text', (c) => c.notNull())
    // received | in_progress | completed | rejected
    .addColumn('state', 'text', (c) => c.notNull())
    // self | all (the account and its sub-accounts)
    .addColumn('scope', 'text', (c) => c.notNull())
    // emails | ids | uuids | external_keys, how many, and their keyed hashes (JSON array)
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject_count', 'integer', (c) => c.notNull())
    .addColumn('subject_hashes', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('note', 'text')
    .addColumn('received_at', time, (c) => c.notNull())
    .addColumn('due_at', time, (c) => c.notNull())
    .addColumn('original_due_at', time, (c) => c.notNull())
    .addColumn('extended_at', time)
    .addColumn('extension_reason', 'text')
    .addColumn('rejected_at', time)
    .addColumn('rejection_reason', 'text')
    .addColumn('completed_at', time)
    .addColumn('operation_id', 'bigint')
    // An access request's export: downloadable until it expires, then deleted.
    .addColumn('export_ready_at', time)
    .addColumn('export_expires_at', time)
    .addColumn('export_deleted_at', time)
    .addColumn('requested_by_key_id', 'text')
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('operator', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('privacy_requests_uuid_uq').unique().on('privacy_requests').column('uuid').execute();
  await db.schema.createIndex('privacy_requests_account_state_due_idx').on('privacy_requests').columns(['account_id', 'state', 'due_at']).execute();
  await db.schema.createIndex('privacy_requests_operation_idx').on('privacy_requests').column('operation_id').execute();

  // The export of an access request, in bounded parts (a section's records as a JSON array).
  await withoutRowid(
    engine,
    db.schema
      .createTable('privacy_request_parts')
      .addColumn('request_id', 'bigint', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('account_id', 'bigint', (c) => c.notNull())
      // contacts | lists | events | audit | operations
      .addColumn('section', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('privacy_request_parts_pk', ['request_id', 'seq']),
  ).execute();
  await db.schema.createIndex('privacy_request_parts_section_idx').on('privacy_request_parts').columns(['request_id', 'section', 'seq']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Lethe migrations are forward-only');
}
