import { sql } from 'kysely';
import type { ScrubbableTable } from '../core/ports.js';
import type { DatabaseHandle } from './database.js';

/**
 * After erasure: no byte of removed data may stay readable in the database files.
 * - SQLite: `secure_delete` (set at open) zeroes deleted cells and freed pages; the WAL
 *   still holds earlier page images until a checkpoint copies them back and truncates it.
 * - PostgreSQL: an UPDATE or DELETE leaves the old tuple in the page until VACUUM removes
 *   it and its index entries.
 */
export async function scrubStorage(handle: DatabaseHandle, tables: readonly ScrubbableTable[]): Promise<void> {
  if (handle.sqlite) {
    // TRUNCATE waits (busy_timeout) for readers, then resets the WAL to zero bytes.
    handle.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    return;
  }
  for (const table of new Set(tables)) {
    // Identifiers come from a closed list (ScrubbableTable), never from input.
    await sql`vacuum (index_cleanup on) ${sql.table(table)}`.execute(handle.db);
  }
}
