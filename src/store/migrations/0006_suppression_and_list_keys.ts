import type { Kysely } from 'kysely';

/**
 * Marketing Cloud's Contact Delete: an account's suppression window (days its deleted
 * contacts stay restorable before they are purged; null: the default; -1: none) and a
 * list's optional external key (unique per account), by which a delete names a list.
 * Frozen: later changes are new migrations.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('suppression_window_days', 'integer').execute();
  await db.schema.alterTable('lists').addColumn('external_key', 'text').execute();
  // Both engines let several rows hold NULL under a unique index: only set keys collide.
  await db.schema.createIndex('lists_account_external_key_uq').unique().on('lists').columns(['account_id', 'external_key']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Lethe migrations are forward-only');
}
