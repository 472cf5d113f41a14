import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Kysely, QueryExecutorProvider } from 'kysely';
import { AppError } from '../core/errors.js';
import type { ScrubbableTable, ScrubMode, ScrubReport } from '../core/ports.js';
import type { DatabaseHandle } from './database.js';
import type { Database } from './schema.js';

export interface ScrubOptions {
  /** PostgreSQL: `rewrite` (VACUUM FULL, default) or `vacuum`. */
  mode?: ScrubMode;
  /** How long to wait for readers holding older snapshots before giving up with CONFLICT. */
  maxWaitMs?: number;
  /** PostgreSQL `rewrite`: how long to queue for the table's exclusive lock. */
  lockTimeoutMs?: number;
}

// A short lock timeout: while VACUUM FULL queues for its lock, new readers queue behind it.
const DEFAULTS = { mode: 'rewrite', maxWaitMs: 30_000, lockTimeoutMs: 2_000 } as const;
const POLL_MS = 100;

/**
 * After erasure: no byte of removed data may stay readable in the database files.
 *
 * What each engine needs was found by experiment (search of the raw file and pages, see
 * test/store/scrub.test.ts and the README's "Proof of erasure"):
 * - SQLite: `secure_delete = ON` (set at open) zeroes deleted cells, overflow pages, index
 *   entries and freelist pages as they are freed; what remains is the WAL, whose frames
 *   hold page images from before the change. A `wal_checkpoint(TRUNCATE)` copies the
 *   current pages back and cuts the WAL to zero bytes. No VACUUM is needed.
 * - PostgreSQL: UPDATE and DELETE leave the old tuple in its page. A plain VACUUM makes it
 *   unreachable but compacts pages without zeroing them, so the bytes stay in the heap's and
 *   the B-tree indexes' free space (the email in the unique index, for one). VACUUM FULL
 *   writes table, indexes and TOAST anew from live rows. Any VACUUM keeps tuples an older
 *   snapshot may still see, so the scrub first waits until no session's snapshot predates
 *   it; and VACUUM FULL's own snapshot is held back by the oldest transaction of the whole
 *   cluster, so a plain VACUUM (which ignores its own) removes the dead tuples before it.
 */
export async function scrubStorage(handle: DatabaseHandle, tables: readonly ScrubbableTable[], options: ScrubOptions = {}): Promise<ScrubReport> {
  const settings = { ...DEFAULTS, ...options };
  const unique = [...new Set(tables)];
  return handle.sqlite ? checkpoint(handle.db, unique, settings) : vacuum(handle.db, unique, settings);
}

/**
 * The store's scrub, with concurrent calls coalesced: while one scrub runs, later calls
 * wait for it and then share a single following scrub of all the tables they asked for
 * (one that starts after their own changes committed, as each needs). Many small erasures
 * finishing together thus cost two scrubs, not one each.
 */
export function createScrubber(handle: DatabaseHandle, options: ScrubOptions = {}): (tables: readonly ScrubbableTable[]) => Promise<ScrubReport> {
  let running: Promise<unknown> | undefined;
  let next: { tables: Set<ScrubbableTable>; promise: Promise<ScrubReport> } | undefined;
  const start = (tables: readonly ScrubbableTable[]): Promise<ScrubReport> => {
    const promise = scrubStorage(handle, tables, options);
    running = promise.then(
      () => undefined,
      () => undefined,
    );
    void running.then(() => {
      running = undefined;
    });
    return promise;
  };
  return (tables) => {
    if (!running) return start(tables);
    if (next) {
      for (const table of tables) next.tables.add(table);
      return next.promise;
    }
    const batch = { tables: new Set(tables), promise: undefined as unknown as Promise<ScrubReport> };
    const waitFor = running;
    batch.promise = waitFor.then(() => {
      next = undefined;
      return start([...batch.tables]);
    });
    next = batch;
    return batch.promise;
  };
}

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

async function checkpoint(db: Kysely<Database>, tables: ScrubbableTable[], settings: Required<ScrubOptions>): Promise<ScrubReport> {
  const started = Date.now();
  let attempts = 0;
  let walFrames = 0;
  for (;;) {
    attempts += 1;
    // One connection, held for the whole try: Kysely serializes it with transactions, so
    // the checkpoint never runs inside one. A short busy timeout keeps the synchronous
    // driver from blocking the event loop while a reader finishes; we wait between tries.
    const row = await db.connection().execute(async (conn) => {
      const { rows } = await sql<{ timeout: number }>`pragma busy_timeout`.execute(conn);
      const previous = rows[0]?.timeout ?? 0;
      await sql.raw(`pragma busy_timeout = ${POLL_MS}`).execute(conn);
      try {
        // PASSIVE copies what it can without waiting and tells how much the WAL holds.
        const passive = (await sql<CheckpointRow>`pragma wal_checkpoint(PASSIVE)`.execute(conn)).rows[0];
        if (passive && passive.log > walFrames) walFrames = passive.log;
        return (await sql<CheckpointRow>`pragma wal_checkpoint(TRUNCATE)`.execute(conn)).rows[0];
      } finally {
        await sql.raw(`pragma busy_timeout = ${Number(previous)}`).execute(conn);
      }
    });
    if (row && row.busy === 0 && row.log === 0) {
      const durationMs = Date.now() - started;
      return { engine: 'sqlite', method: 'checkpoint', tables, durationMs, waitedMs: attempts > 1 ? durationMs : 0, attempts, walFrames };
    }
    if (Date.now() - started >= settings.maxWaitMs) {
      throw new AppError('CONFLICT', `the WAL could not be checkpointed: a reader held an older snapshot for ${settings.maxWaitMs} ms; retry the scrub later`);
    }
    await sleep(POLL_MS);
  }
}

async function vacuum(db: Kysely<Database>, tables: ScrubbableTable[], settings: Required<ScrubOptions>): Promise<ScrubReport> {
  const started = Date.now();
  // Every transaction that can still see the removed rows began before this point.
  const horizon = await snapshotHorizon(db);
  await waitForOlderSnapshots(db, horizon, settings.maxWaitMs);
  const waitedMs = Date.now() - started;
  for (const table of tables) {
    // Each try queues for the lock briefly (readers queue behind a waiting VACUUM FULL),
    // and tries again after a pause, until the overall wait is spent.
    while (!(await vacuumTable(db, table, settings))) {
      if (Date.now() - started >= settings.maxWaitMs) {
        throw new AppError('CONFLICT', `the table ${table} stayed locked (tries of ${settings.lockTimeoutMs} ms for ${settings.maxWaitMs} ms); retry the scrub later`);
      }
      await sleep(POLL_MS);
    }
  }
  return { engine: 'postgres', method: settings.mode, tables, durationMs: Date.now() - started, waitedMs, attempts: 1 };
}

/** VACUUM, then in `rewrite` mode VACUUM FULL, of one table; false when its lock was not granted in time. */
async function vacuumTable(db: Kysely<Database>, table: ScrubbableTable, settings: Required<ScrubOptions>): Promise<boolean> {
  return db.connection().execute(async (conn) => {
    await sql.raw(`set lock_timeout = ${Math.max(1, Math.floor(settings.lockTimeoutMs))}`).execute(conn);
    try {
      // Identifiers come from a closed list (ScrubbableTable), never from input.
      await sql`vacuum (index_cleanup on) ${sql.table(table)}`.execute(conn);
      // The plain VACUUM first removed the dead tuples, so the rewrite has none left to
      // copy: VACUUM FULL's own snapshot would otherwise keep them as "recently dead"
      // while any transaction in any database of the cluster is older than the erasure.
      if (settings.mode === 'rewrite') await sql`vacuum full ${sql.table(table)}`.execute(conn);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === '55P03') return false;
      throw error;
    } finally {
      await sql`reset lock_timeout`.execute(conn);
    }
  });
}

/** The xid (as xid text) before which every transaction that can see what was removed began. */
export async function snapshotHorizon(db: QueryExecutorProvider): Promise<string> {
  const { rows } = await sql<{ horizon: string }>`select (pg_snapshot_xmax(pg_current_snapshot())::text::numeric % 4294967296)::text as horizon`.execute(db);
  return rows[0]?.horizon ?? '0';
}

/**
 * Waits until nothing can still see the removed rows, else VACUUM keeps them as "recently
 * dead": no other session of this database holds a snapshot or transaction older than
 * `horizon`, no such transaction is prepared, and no replication slot holds it back.
 * (Transactions in other databases do not matter to a plain VACUUM, which ignores its own
 * snapshot; they would to VACUUM FULL's, hence the plain VACUUM before it.)
 * Gives up with CONFLICT after `maxWaitMs`.
 */
export async function waitForOlderSnapshots(db: QueryExecutorProvider, horizon: string, maxWaitMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const { rows } = await sql<{ sessions: number; prepared: number; slots: number }>`
      select
        (select count(*)::int from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid()
            and (age(backend_xmin) > age(${horizon}::xid) or age(backend_xid) > age(${horizon}::xid))) as sessions,
        (select count(*)::int from pg_prepared_xacts
          where database = current_database() and age(transaction) > age(${horizon}::xid)) as prepared,
        (select count(*)::int from pg_replication_slots
          where (database is null or database = current_database()) and age(xmin) > age(${horizon}::xid)) as slots
    `.execute(db);
    const row = rows[0];
    if (!row || row.sessions + row.prepared + row.slots === 0) return;
    if (Date.now() - started >= maxWaitMs) {
      throw new AppError(
        'CONFLICT',
        `older snapshots may still see the removed rows (${row.sessions} session(s), ${row.prepared} prepared transaction(s), ${row.slots} replication slot(s)) after ${maxWaitMs} ms; retry the scrub later`,
      );
    }
    await sleep(POLL_MS);
  }
}
