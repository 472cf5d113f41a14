import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { engineOf } from './helpers.js';

/**
 * Room on each PostgreSQL page of `events` for erasure's rewrite of its rows.
 *
 * Erasing a contact nulls the personal columns of its events. On full pages (fillfactor
 * 100, the default) every such UPDATE writes the new row version to another page and
 * adds an entry to each of the table's indexes. With free room on the page it is a
 * heap-only (HOT) update: same page, no index entries — the bulk of an erase's I/O on
 * PostgreSQL. Applies to pages written from now on (VACUUM FULL or CLUSTER rewrites
 * older ones). SQLite stores `events` clustered by key (WITHOUT ROWID) and has no such
 * setting: nothing to do there.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (engineOf(db) !== 'postgres') return;
  await sql`alter table events set (fillfactor = 80)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Lethe migrations are forward-only');
}
