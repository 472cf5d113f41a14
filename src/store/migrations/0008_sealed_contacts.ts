import type { Kysely } from 'kysely';
import { engineOf } from './helpers.js';

/**
 * A contact's personal values sealed as one AES-256-GCM blob under its own data key (see the
 * keyring). Null on rows written before encryption at rest (their columns hold the values).
 * Frozen: later changes are new migrations.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const type = engineOf(db) === 'postgres' ? 'bytea' : 'blob';
  await db.schema.alterTable('contacts').addColumn('sealed', type).execute();
}

export async function down(): Promise<void> {
  throw new Error('Lethe migrations are forward-only');
}
