import type { Kysely } from 'kysely';
import { engineOf } from './helpers.js';

/**
 * An event's personal values (subject, categories, IP, user agent, URL) sealed as one blob
 * under its contact's data key. Null on rows written before encryption at rest. Frozen.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const type = engineOf(db) === 'postgres' ? 'bytea' : 'blob';
  await db.schema.alterTable('events').addColumn('sealed', type).execute();
}

export async function down(): Promise<void> {
  throw new Error('Lethe migrations are forward-only');
}
