import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type { MigrationProvider, Migration } from 'kysely';
import pg from 'pg';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type Engine = 'sqlite' | 'postgres';

/**
 * What an engine can do, declared once so that code branches on a capability and
 * never on an engine's name (pg-boss's backend profiles).
 */
export interface Capabilities {
  engine: Engine;
  /** `FOR UPDATE SKIP LOCKED`: several workers claim different rows at once. */
  skipLocked: boolean;
  /** Bound parameters allowed in one statement. */
  maxBindParams: number;
  /** One writer at a time: keep write transactions short. */
  singleWriter: boolean;
  /**
   * Binds a whole array as one parameter (PostgreSQL: `unnest($1::int[])`); without it,
   * bulk values travel as one JSON text parameter read with `json_each` (SQLite).
   */
  arrayParams: boolean;
  /**
   * The planner keeps table statistics (PostgreSQL, kept by autovacuum): it weighs an
   * index by how selective it is. Without them (SQLite, never ANALYZEd here), it goes by
   * the shape of the statement.
   */
  plannerStatistics: boolean;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  capabilities: Capabilities;
  /** The SQLite file, for checkpoints and raw-storage checks (undefined on PostgreSQL). */
  sqlitePath?: string;
  /** The underlying better-sqlite3 connection (SQLite only): pragmas, checkpoints. */
  sqlite?: SQLite.Database;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://…` for PostgreSQL; otherwise a path to the SQLite file. */
  url: string;
  /** Pool size on PostgreSQL. */
  poolSize?: number;
}

// bigint (int8) columns hold epoch milliseconds and ids, all well inside 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  if (isPostgresUrl(options.url)) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    pool.on('connect', (client) => {
      // A worker stuck mid-transaction must not hold its locks forever. And Lethe's
      // statements name their rows by key, a chunk at a time: with the default cost of a
      // random page (4, a spinning disk's), PostgreSQL preferred a sequential scan of every
      // contact to 2,000 index probes, and hash-joined whole tables inside each chunk of a
      // bulk erase. 1.1 is the usual setting for SSDs and data held in memory.
      client.query("set idle_in_transaction_session_timeout = '60s'; set random_page_cost = 1.1").catch(() => undefined);
    });
    // Errors of idle clients (server restart) must not crash the process; the next query reports them.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      capabilities: { engine: 'postgres', skipLocked: true, maxBindParams: 65_000, singleWriter: false, arrayParams: true, plannerStatistics: true },
      close: () => db.destroy(),
    };
  }
  const path = options.url.replace(/^sqlite:(\/\/)?/i, '');
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
    // Created readable by its owner only, like the secret: it holds every contact. SQLite
    // gives the -wal and -shm files it creates the database file's mode.
    if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  }
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  // Freed pages are overwritten with zeros, so deleted personal data does not linger in free pages.
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('temp_store = MEMORY');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    capabilities: { engine: 'sqlite', skipLocked: false, maxBindParams: 32_000, singleWriter: true, arrayParams: false, plannerStatistics: false },
    sqlitePath: path,
    sqlite,
    close: () => db.destroy(),
  };
}

class StaticMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/** Brings the schema up to date. Safe to run from several processes at once (Kysely takes a lock). */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider(), migrationTableName: 'lethe_migrations', migrationLockTableName: 'lethe_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
