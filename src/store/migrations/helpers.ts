import { PostgresAdapter, SqliteAdapter, sql } from 'kysely';
import type { CreateTableBuilder, Kysely } from 'kysely';

// Frozen alongside the migrations that use it: change by adding, never by editing.

export type MigrationEngine = 'sqlite' | 'postgres';

export function engineOf(db: Kysely<unknown>): MigrationEngine {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  throw new Error('Lethe runs on SQLite or PostgreSQL');
}

export const timeType = (_engine: MigrationEngine) => 'bigint' as const;

/** An auto-incrementing 64-bit id primary key. */
export function idColumn<T extends string>(engine: MigrationEngine, table: CreateTableBuilder<T, never>) {
  return engine === 'postgres'
    ? table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull());
}

/** SQLite stores the table in primary-key order (clustered); PostgreSQL has no such option. */
export function withoutRowid<T extends string, C extends string>(engine: MigrationEngine, table: CreateTableBuilder<T, C>) {
  return engine === 'sqlite' ? table.modifyEnd(sql`without rowid`) : table;
}
