import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { engineOf } from './helpers.js';

/**
 * PostgreSQL keeps an import's staged rows (`operation_targets.value`, megabytes of JSON
 * per chunk, deleted within seconds) out of line but uncompressed: pglz compression costs
 * more time than the short-lived bytes it saves, about a third of storing an import.
 * Values short enough to stay in the row (every other target) are not affected. SQLite
 * has no such setting. Frozen: later changes are new migrations.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (engineOf(db) !== 'postgres') return;
  await sql`alter table operation_targets alter column value set storage external`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Lethe migrations are forward-only');
}
