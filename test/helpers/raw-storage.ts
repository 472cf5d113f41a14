import { existsSync, readFileSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import type { DatabaseHandle } from '../../src/store/database.js';

/** Where a searched value was found in the raw bytes of the database. */
export interface RawHit {
  value: string;
  /** The file (`lethe.db`, `lethe.db-wal`) or relation (`contacts`, `contacts_account_email_uq`, `pg_toast.pg_toast_16420`). */
  where: string;
  /** Page number in the relation (PostgreSQL) or byte offset in the file (SQLite). */
  at: number;
  encoding: Encoding;
}

type Encoding = 'utf8' | 'utf16le' | 'utf16be';

function encodings(value: string): Array<[Encoding, Buffer]> {
  const le = Buffer.from(value, 'utf16le');
  const be = Buffer.from(le).swap16();
  return [
    ['utf8', Buffer.from(value, 'utf8')],
    ['utf16le', le],
    ['utf16be', be],
  ];
}

/** Records each value found in `bytes`, at `page` when given, else at its byte offset. */
function search(bytes: Buffer, where: string, values: readonly string[], hits: RawHit[], page?: number): void {
  for (const value of values) {
    for (const [encoding, needle] of encodings(value)) {
      const offset = bytes.indexOf(needle);
      if (offset >= 0) hits.push({ value, where, at: page ?? offset, encoding });
    }
  }
}

/**
 * Searches every byte the database keeps for the given values (in UTF-8 and UTF-16):
 * - SQLite: the database file, its WAL and any rollback journal, read straight from disk;
 * - PostgreSQL: every page of every table of the public schema, of their indexes, and of
 *   their TOAST tables and TOAST indexes, read with pageinspect's `get_raw_page` — live
 *   tuples, dead tuples and the free space between them alike.
 * Values are searched as written: keep them short enough not to be compressed (under ~2 kB).
 */
export async function searchRawStorage(handle: DatabaseHandle, values: readonly string[]): Promise<RawHit[]> {
  const hits: RawHit[] = [];
  if (handle.sqlitePath !== undefined) {
    for (const suffix of ['', '-wal', '-journal']) {
      const path = `${handle.sqlitePath}${suffix}`;
      if (!existsSync(path)) continue;
      search(readFileSync(path), path.slice(path.lastIndexOf('/') + 1), values, hits);
    }
    return hits;
  }
  await sql`create extension if not exists pageinspect`.execute(handle.db);
  for (const relation of await relationsOf(handle)) {
    const pages = await sql<{ blkno: number; page: Buffer }>`
      select b.blkno::int as blkno, get_raw_page(${relation}::text, 'main', b.blkno) as page
      from generate_series(0::bigint, (pg_relation_size(${relation}::regclass) / current_setting('block_size')::bigint) - 1) as b(blkno)
    `.execute(handle.db);
    for (const { blkno, page } of pages.rows) search(page, relation, values, hits, blkno);
  }
  return hits;
}

/** Tables, indexes, TOAST tables and TOAST indexes of the public schema (PostgreSQL). */
export async function relationsOf(handle: DatabaseHandle): Promise<string[]> {
  const result = await sql<{ name: string }>`
    with tables as (
      select c.oid, c.reltoastrelid from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'm')
    ),
    rels as (
      select oid from tables
      union all select i.indexrelid from pg_index i join tables t on i.indrelid = t.oid
      union all select reltoastrelid from tables where reltoastrelid <> 0
      union all select i.indexrelid from pg_index i join tables t on i.indrelid = t.reltoastrelid where t.reltoastrelid <> 0
    )
    select oid::regclass::text as name from rels order by 1
  `.execute(handle.db);
  return result.rows.map((r) => r.name);
}

/** A readable summary of hits for assertion messages. */
export function describeHits(hits: readonly RawHit[]): string {
  return hits.map((h) => `${JSON.stringify(h.value)} in ${h.where} @${h.at} (${h.encoding})`).join('\n');
}

/**
 * Another connection with an open read transaction whose snapshot predates what follows:
 * until it closes, a scrub cannot complete (SQLite's checkpoint cannot truncate the WAL,
 * PostgreSQL's VACUUM must keep what the snapshot may see).
 */
export async function openReader(handle: DatabaseHandle, databaseUrl: string): Promise<{ close(): Promise<void> }> {
  if (handle.sqlitePath !== undefined) {
    const reader = new SQLite(handle.sqlitePath, { readonly: true });
    reader.exec('begin');
    reader.prepare('select count(*) from contacts').get();
    return {
      close: async () => {
        reader.exec('commit');
        reader.close();
      },
    };
  }
  const reader = new pg.Client({ connectionString: databaseUrl });
  await reader.connect();
  await reader.query('begin isolation level repeatable read');
  await reader.query('select count(*) from contacts');
  return {
    close: async () => {
      await reader.query('commit');
      await reader.end();
    },
  };
}

/**
 * Where any of `needles` (raw bytes: keys, wrapped keys) is in the keyring's storage: its
 * SQLite file and WAL, or every page of every relation of the `lethe_keyring` schema
 * (partitions, their indexes) read with `get_raw_page`. Returns the indexes of the needles
 * found, with where.
 */
export async function searchKeyringStorage(keyringUrl: string, needles: readonly Buffer[]): Promise<Array<{ needle: number; where: string }>> {
  const hits: Array<{ needle: number; where: string }> = [];
  const look = (bytes: Buffer, where: string) => needles.forEach((needle, i) => bytes.includes(needle) && hits.push({ needle: i, where }));
  if (!/^postgres(ql)?:\/\//i.test(keyringUrl)) {
    for (const suffix of ['', '-wal', '-journal']) {
      const path = `${keyringUrl}${suffix}`;
      if (existsSync(path)) look(readFileSync(path), path.slice(path.lastIndexOf('/') + 1));
    }
    return hits;
  }
  const client = new pg.Client({ connectionString: keyringUrl });
  await client.connect();
  try {
    await client.query('create extension if not exists pageinspect');
    const relations = await client.query<{ name: string }>(`
      select c.oid::regclass::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'lethe_keyring' and c.relkind in ('r', 'i', 't') order by 1`);
    for (const { name } of relations.rows) {
      const pages = await client.query<{ page: Buffer }>(
        `select get_raw_page($1::text, 'main', b.blkno) as page
         from generate_series(0::bigint, (pg_relation_size($1::regclass) / current_setting('block_size')::bigint) - 1) as b(blkno)`,
        [name],
      );
      for (const { page } of pages.rows) look(page, name);
    }
  } finally {
    await client.end();
  }
  return hits;
}
