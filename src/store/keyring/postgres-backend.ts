import { setTimeout as sleep } from 'node:timers/promises';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { AppError } from '../../core/errors.js';
import { snapshotHorizon, waitForOlderSnapshots } from '../scrub.js';
import type { KeyringBackend, KeyringScrubReport, WrappedKey } from './backend.js';

/**
 * Partitions of the keyring table. A destroyed key is scrubbed by rewriting (VACUUM FULL)
 * only the partition it was in: 1/64 of the keyring, about 2 MB at a million keys, a
 * rewrite of milliseconds, during which only lookups of keys in that partition wait.
 */
export const KEYRING_PARTITIONS = 64;
const SCHEMA = 'lethe_keyring';
const PARTITION_NAME = /^lethe_keyring\.data_keys_p\d{2}$/;
const POLL_MS = 50;
const LOCK_TIMEOUT_MS = 500;

/** The keyring's tables are reached with `sql` templates only; Kysely serves as the executor. */
type KeyringTables = Record<string, never>;

const partitionName = (n: number) => `${SCHEMA}.data_keys_p${String(n).padStart(2, '0')}`;

async function ensureSchema(db: Kysely<KeyringTables>): Promise<void> {
  const ready = await sql<{ ok: string | null }>`select to_regclass(${partitionName(KEYRING_PARTITIONS - 1)}) as ok`.execute(db);
  if (ready.rows[0]?.ok) return;
  // Several processes may start at once: one creates, the others wait for its lock.
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('lethe_keyring schema'))`.execute(trx);
    // One round trip (no parameters: the simple protocol runs them all).
    const partitions = Array.from(
      { length: KEYRING_PARTITIONS },
      (_, n) => `create table if not exists ${partitionName(n)} partition of ${SCHEMA}.data_keys for values with (modulus ${KEYRING_PARTITIONS}, remainder ${n});`,
    );
    await sql
      .raw(
        [
          `create schema if not exists ${SCHEMA};`,
          `create table if not exists ${SCHEMA}.data_keys (id text not null primary key, wrapped bytea not null, kek_id text not null, created_at bigint not null) partition by hash (id);`,
          ...partitions,
          // Partitions whose deleted keys still sit in their pages, with the latest delete's mark.
          `create table if not exists ${SCHEMA}.scrub_owed (partition text primary key, mark bigint not null);`,
          `create sequence if not exists ${SCHEMA}.scrub_mark;`,
        ].join('\n'),
      )
      .execute(trx);
  });
}

/**
 * The keyring as its own schema (`lethe_keyring`) of PostgreSQL: in the data's database by
 * default, or in another one (`LETHE_KEYRING_URL`). Its own small pool: a lookup of keys
 * never waits for a connection held by a long chunk of data work.
 */
export async function openPostgresKeyring(url: string): Promise<KeyringBackend> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  const db = new Kysely<KeyringTables>({ dialect: new PostgresDialect({ pool }) });
  try {
    await ensureSchema(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const toWrapped = (r: { id: string; wrapped: Buffer; kek_id: string }): WrappedKey => ({ id: r.id, wrapped: r.wrapped, kekId: r.kek_id });

  /** VACUUM then VACUUM FULL of one partition; false when its lock was not granted in time. */
  const rewrite = (partition: string): Promise<boolean> =>
    db.connection().execute(async (conn) => {
      await sql.raw(`set lock_timeout = ${LOCK_TIMEOUT_MS}`).execute(conn);
      try {
        // The plain VACUUM removes the dead tuples first: VACUUM FULL's own snapshot would
        // keep them as "recently dead" while any older transaction of the cluster runs.
        await sql.raw(`vacuum (index_cleanup on) ${partition}`).execute(conn);
        await sql.raw(`vacuum full ${partition}`).execute(conn);
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === '55P03') return false;
        throw error;
      } finally {
        await sql`reset lock_timeout`.execute(conn);
      }
    });

  return {
    engine: 'postgres',
    insert: async (rows) => {
      if (rows.length === 0) return new Set();
      const result = await sql<{ id: string }>`
        insert into lethe_keyring.data_keys (id, wrapped, kek_id, created_at)
        select k.id, k.wrapped, k.kek_id, ${Date.now()}
        from unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.wrapped)}::bytea[], ${rows.map((r) => r.kekId)}::text[]) as k(id, wrapped, kek_id)
        on conflict (id) do nothing
        returning id`.execute(db);
      return new Set(result.rows.map((r) => r.id));
    },
    fetch: async (ids) => {
      if (ids.length === 0) return [];
      // One id by equality, so that the planner reads its one partition only.
      const rows =
        ids.length === 1
          ? await sql<{ id: string; wrapped: Buffer; kek_id: string }>`select id, wrapped, kek_id from lethe_keyring.data_keys where id = ${ids[0]}`.execute(db)
          : await sql<{ id: string; wrapped: Buffer; kek_id: string }>`select id, wrapped, kek_id from lethe_keyring.data_keys where id = any(${[...ids]}::text[])`.execute(db);
      return rows.rows.map(toWrapped);
    },
    delete: async (ids) => {
      if (ids.length === 0) return 0;
      const result = await sql<{ n: number }>`
        with gone as (delete from lethe_keyring.data_keys where id = any(${[...ids]}::text[]) returning tableoid::regclass::text as part),
        owed as (
          insert into lethe_keyring.scrub_owed (partition, mark)
          select part, nextval('lethe_keyring.scrub_mark') from (select distinct part from gone) as d
          on conflict (partition) do update set mark = excluded.mark
        )
        select count(*)::int as n from gone`.execute(db);
      return result.rows[0]?.n ?? 0;
    },
    scrub: async (maxWaitMs) => {
      const started = Date.now();
      const owed = (await sql<{ partition: string; mark: string }>`select partition, mark::text as mark from lethe_keyring.scrub_owed order by partition`.execute(db)).rows;
      const report: KeyringScrubReport = { engine: 'postgres', method: 'rewrite', partitions: 0, durationMs: 0, waitedMs: 0 };
      if (owed.length === 0) return report;
      // Every delete recorded above committed before this snapshot: once no session is
      // older than it, their tuples are dead to all and the rewrite drops them.
      await waitForOlderSnapshots(db, await snapshotHorizon(db), maxWaitMs);
      report.waitedMs = Date.now() - started;
      for (const { partition, mark } of owed) {
        if (!PARTITION_NAME.test(partition)) continue;
        while (!(await rewrite(partition))) {
          if (Date.now() - started >= maxWaitMs) throw new AppError('CONFLICT', `the keyring partition stayed locked for ${maxWaitMs} ms; retry the scrub later`);
          await sleep(POLL_MS);
        }
        // A delete that came after the read above left a newer mark: that partition stays owed.
        await sql`delete from lethe_keyring.scrub_owed where partition = ${partition} and mark = ${mark}::bigint`.execute(db);
        report.partitions += 1;
      }
      report.durationMs = Date.now() - started;
      return report;
    },
    wrappedOtherwise: async (kekId, afterId, limit) =>
      (
        await sql<{ id: string; wrapped: Buffer; kek_id: string }>`
          select id, wrapped, kek_id from lethe_keyring.data_keys where id > ${afterId} and kek_id <> ${kekId} order by id limit ${limit}`.execute(db)
      ).rows.map(toWrapped),
    rewrap: async (rows) => {
      if (rows.length === 0) return 0;
      // The old wrappings stay in the partitions' pages as dead tuples: owed a scrub too.
      const result = await sql<{ n: number }>`
        with changed as (
          update lethe_keyring.data_keys as k set wrapped = r.wrapped, kek_id = r.kek_id
          from unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.wrapped)}::bytea[], ${rows.map((r) => r.kekId)}::text[], ${rows.map((r) => r.fromKekId)}::text[])
            as r(id, wrapped, kek_id, from_kek_id)
          where k.id = r.id and k.kek_id = r.from_kek_id
          returning k.tableoid::regclass::text as part
        ),
        owed as (
          insert into lethe_keyring.scrub_owed (partition, mark)
          select part, nextval('lethe_keyring.scrub_mark') from (select distinct part from changed) as d
          on conflict (partition) do update set mark = excluded.mark
        )
        select count(*)::int as n from changed`.execute(db);
      return result.rows[0]?.n ?? 0;
    },
    sampleKekId: async () => (await sql<{ kek_id: string }>`select kek_id from lethe_keyring.data_keys limit 1`.execute(db)).rows[0]?.kek_id,
    count: async () => (await sql<{ n: number }>`select count(*)::int as n from lethe_keyring.data_keys`.execute(db)).rows[0]?.n ?? 0,
    close: () => db.destroy(),
  };
}
