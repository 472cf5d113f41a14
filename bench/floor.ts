import pg from 'pg';
import { openDatabase } from '../src/store/database.js';
import type { Place } from './places.js';

/**
 * The floor: the fastest raw SQL that makes the same change, on a copy of the same data,
 * through the same driver and (on SQLite) the same connection settings as Lethe
 * (WAL, secure_delete, cache). No chunking, no bookkeeping, one transaction.
 * Times are seconds; `scrubSeconds` is the storage scrub after it (SQLite: WAL checkpoint;
 * PostgreSQL: VACUUM of the touched tables), which Lethe's erasure also owes.
 */
export interface FloorFigures {
  seconds: number;
  scrubSeconds: number;
  statements: string;
}

type Statement = { sql: string; params?: unknown[] };

async function timedSqlite(place: Place, transactions: Statement[][], scrub: boolean): Promise<{ seconds: number; scrubSeconds: number }> {
  const handle = openDatabase({ url: place.databaseUrl });
  const db = handle.sqlite;
  if (!db) throw new Error('not a SQLite place');
  try {
    const started = performance.now();
    for (const statements of transactions) {
      db.exec('begin immediate');
      for (const s of statements) db.prepare(s.sql).run(...(s.params ?? []));
      db.exec('commit');
    }
    const seconds = (performance.now() - started) / 1000;
    const scrubStarted = performance.now();
    if (scrub) db.pragma('wal_checkpoint(TRUNCATE)');
    return { seconds, scrubSeconds: (performance.now() - scrubStarted) / 1000 };
  } finally {
    await handle.close();
  }
}

async function timedPostgres(place: Place, transactions: Statement[][], scrub: boolean): Promise<{ seconds: number; scrubSeconds: number }> {
  const client = new pg.Client({ connectionString: place.databaseUrl });
  await client.connect();
  // Lethe's own connection settings (src/store/database.ts), so that both get the same plans.
  await client.query('set random_page_cost = 1.1');
  try {
    const started = performance.now();
    for (const statements of transactions) {
      await client.query('begin');
      for (const s of statements) await client.query(s.sql, s.params ?? []);
      await client.query('commit');
    }
    const seconds = (performance.now() - started) / 1000;
    const scrubStarted = performance.now();
    if (scrub) await client.query('vacuum contacts, list_memberships, events');
    return { seconds, scrubSeconds: (performance.now() - scrubStarted) / 1000 };
  } finally {
    await client.end();
  }
}

const timed = (engine: 'sqlite' | 'postgres', place: Place, transactions: Statement[][], scrub: boolean) =>
  engine === 'sqlite' ? timedSqlite(place, transactions, scrub) : timedPostgres(place, transactions, scrub);

/** Erase all / purge all: the three plain DELETEs of the account's rows. */
export async function floorRemoveAll(engine: 'sqlite' | 'postgres', place: Place, accountId: number): Promise<FloorFigures> {
  const p = engine === 'sqlite' ? '?' : '$1';
  const statements = ['events', 'list_memberships', 'contacts'].map((table) => ({ sql: `delete from ${table} where account_id = ${p}`, params: [accountId] }));
  return { ...(await timed(engine, place, [statements], true)), statements: 'DELETE events, list_memberships, contacts (one transaction)' };
}

/** An erase job by emails: the same three DELETEs for the contacts with those addresses. */
export async function floorRemoveEmails(engine: 'sqlite' | 'postgres', place: Place, accountId: number, emails: string[]): Promise<FloorFigures> {
  const norms = emails.map((e) => e.toLowerCase());
  let statements: Statement[];
  if (engine === 'sqlite') {
    // A JSON array parameter: one statement whatever the number of addresses. `+account_id`
    // keeps SQLite (no statistics) on the primary keys rather than the (account_id, …) indexes.
    const ids = `select id from contacts where account_id = ? and email_norm in (select value from json_each(?))`;
    statements = [
      { sql: `delete from events where +account_id = ? and contact_id in (${ids})`, params: [accountId, accountId, JSON.stringify(norms)] },
      { sql: `delete from list_memberships where +account_id = ? and contact_id in (${ids})`, params: [accountId, accountId, JSON.stringify(norms)] },
      { sql: 'delete from contacts where account_id = ? and email_norm in (select value from json_each(?))', params: [accountId, JSON.stringify(norms)] },
    ];
  } else {
    const ids = 'select id from contacts where account_id = $1 and email_norm = any($2::text[])';
    statements = [
      { sql: `delete from events where account_id = $1 and contact_id in (${ids})`, params: [accountId, norms] },
      { sql: `delete from list_memberships where account_id = $1 and contact_id in (${ids})`, params: [accountId, norms] },
      { sql: 'delete from contacts where account_id = $1 and email_norm = any($2::text[])', params: [accountId, norms] },
    ];
  }
  return { ...(await timed(engine, place, [statements], true)), statements: 'DELETE events, list_memberships, contacts by email (one transaction)' };
}

/** Soft delete then restore of the given contacts: mark deleted and drop memberships, then mark active. */
export async function floorSoftDeleteRestore(engine: 'sqlite' | 'postgres', place: Place, accountId: number, ids: number[]): Promise<FloorFigures> {
  const now = Date.now();
  const list = engine === 'sqlite' ? '(select value from json_each(?))' : 'any($2::bigint[])';
  const param = engine === 'sqlite' ? JSON.stringify(ids) : ids;
  const a = engine === 'sqlite' ? '?' : '$1';
  const t = engine === 'sqlite' ? '?' : '$3';
  const inList = engine === 'sqlite' ? `in ${list}` : `= ${list}`;
  const args = engine === 'sqlite' ? (time?: number) => (time === undefined ? [accountId, param] : [time, accountId, param]) : (time?: number) => (time === undefined ? [accountId, param] : [accountId, param, time]);
  const softDelete: Statement[] = [
    { sql: `update contacts set status = 'deleted', deleted_at = ${t} where account_id = ${a} and id ${inList}`, params: args(now) },
    { sql: `delete from list_memberships where account_id = ${a} and contact_id ${inList}`, params: args() },
  ];
  const restore: Statement[] = [{ sql: `update contacts set status = 'active', deleted_at = null where account_id = ${a} and id ${inList}`, params: args() }];
  return { ...(await timed(engine, place, [softDelete, restore], false)), statements: 'UPDATE contacts + DELETE list_memberships, then UPDATE contacts (two transactions)' };
}
