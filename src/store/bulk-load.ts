import { sql } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { DatabaseHandle } from './database.js';

/**
 * The store's bulk path: rows written as they are, with multi-row statements in large
 * transactions, skipping the per-row checks of the import path. For loading data sets
 * into a fresh account (the benchmark's million contacts); the caller vouches for the
 * rows (valid, unique, ids free). SQLite uses prepared multi-row inserts through
 * better-sqlite3; PostgreSQL inserts whole arrays at once through `unnest` (COPY-like).
 */

export interface BulkContact {
  id: number;
  uuid: string;
  email: string;
  emailNorm: string;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  /** JSON text. */
  customFields: string;
  optInIp: string | null;
  createdAt: number;
}

export interface BulkMembership {
  contactId: number;
  listId: number;
  createdAt: number;
}

export interface BulkEvent {
  contactId: number;
  id: number;
  type: string;
  messageId: string | null;
  subject: string | null;
  /** JSON text or null. */
  categories: string | null;
  ip: string | null;
  userAgent: string | null;
  url: string | null;
  occurredAt: number;
}

export interface BulkLoader {
  contacts(rows: readonly BulkContact[]): Promise<void>;
  memberships(rows: readonly BulkMembership[]): Promise<void>;
  events(rows: readonly BulkEvent[]): Promise<void>;
  /** Makes the loaded rows visible to other connections in their final state (checkpoint, sequences, statistics). */
  finish(): Promise<void>;
}

const CONTACT_COLS = ['account_id', 'id', 'uuid', 'email', 'email_norm', 'first_name', 'last_name', 'phone', 'custom_fields', 'opt_in_ip', 'status', 'created_at', 'updated_at'];
const MEMBERSHIP_COLS = ['account_id', 'contact_id', 'list_id', 'created_at'];
const EVENT_COLS = ['account_id', 'contact_id', 'id', 'type', 'message_id', 'subject', 'categories', 'ip', 'user_agent', 'url', 'occurred_at'];

const contactValues = (accountId: number, c: BulkContact): unknown[] => [
  accountId, c.id, c.uuid, c.email, c.emailNorm, c.firstName, c.lastName, c.phone, c.customFields, c.optInIp, 'active', c.createdAt, c.createdAt,
];
const membershipValues = (accountId: number, m: BulkMembership): unknown[] => [accountId, m.contactId, m.listId, m.createdAt];
const eventValues = (accountId: number, e: BulkEvent): unknown[] => [
  accountId, e.contactId, e.id, e.type, e.messageId, e.subject, e.categories, e.ip, e.userAgent, e.url, e.occurredAt,
];

/**
 * @param expectedBytes the data set's approximate size: SQLite sizes its page cache to hold it
 *   (memory is held only while loading).
 */
export function bulkLoader(handle: DatabaseHandle, accountId: number, expectedBytes = 256 * 1024 * 1024): BulkLoader {
  return handle.sqlite ? sqliteLoader(handle.sqlite, accountId, expectedBytes) : postgresLoader(handle, accountId);
}

/** Rows per multi-row statement on SQLite: well under its 32,766 bound parameters. */
const SQLITE_ROWS_PER_STATEMENT = 256;

function sqliteLoader(db: SQLite.Database, accountId: number, cacheBytes: number): BulkLoader {
  // One transaction for the whole load, without a journal, in a page cache that holds the
  // data set: rows arriving in scattered key order (as real activity does) then rewrite
  // pages in memory, and each page reaches the file once, at commit. A crash mid-load
  // leaves a data set to reload anyway. Needs the only connection to the file.
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma(`cache_size = -${Math.ceil(cacheBytes / 1024)}`);
  db.exec('begin');
  const cache = new Map<string, SQLite.Statement>();
  const statement = (table: string, cols: readonly string[], rows: number) => {
    const key = `${table}:${rows}`;
    let stmt = cache.get(key);
    if (!stmt) {
      const tuple = `(${cols.map(() => '?').join(',')})`;
      stmt = db.prepare(`insert into ${table} (${cols.join(',')}) values ${Array.from({ length: rows }, () => tuple).join(',')}`);
      cache.set(key, stmt);
    }
    return stmt;
  };
  const insert = <T>(table: string, cols: readonly string[], rows: readonly T[], values: (accountId: number, row: T) => unknown[]) => {
    for (let i = 0; i < rows.length; i += SQLITE_ROWS_PER_STATEMENT) {
      const run = rows.slice(i, i + SQLITE_ROWS_PER_STATEMENT);
      statement(table, cols, run.length).run(run.flatMap((row) => values(accountId, row)));
    }
  };
  return {
    contacts: async (rows) => insert('contacts', CONTACT_COLS, rows, contactValues),
    memberships: async (rows) => insert('list_memberships', MEMBERSHIP_COLS, rows, membershipValues),
    events: async (rows) => insert('events', EVENT_COLS, rows, eventValues),
    finish: async () => {
      db.exec('commit');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('cache_size = -65536');
    },
  };
}

function postgresLoader(handle: DatabaseHandle, accountId: number): BulkLoader {
  const { db } = handle;
  const types: Record<string, string> = {
    account_id: 'bigint', id: 'bigint', contact_id: 'bigint', list_id: 'bigint', created_at: 'bigint', updated_at: 'bigint', occurred_at: 'bigint',
  };
  const insert = async <T>(table: string, cols: readonly string[], rows: readonly T[], values: (accountId: number, row: T) => unknown[]) => {
    if (rows.length === 0) return;
    const columns: unknown[][] = cols.map(() => []);
    for (const row of rows) values(accountId, row).forEach((v, i) => (columns[i] as unknown[]).push(v));
    const arrays = cols.map((col, i) => sql`${columns[i]}::${sql.raw(types[col] ?? 'text')}[]`);
    await db.connection().execute(async (conn) => {
      await sql`set synchronous_commit = off`.execute(conn);
      try {
        await sql`insert into ${sql.table(table)} (${sql.join(cols.map((c) => sql.ref(c)))}) select * from unnest(${sql.join(arrays)})`.execute(conn);
      } finally {
        // The connection goes back to the pool: later transactions must commit durably.
        await sql`reset synchronous_commit`.execute(conn);
      }
    });
  };
  return {
    contacts: (rows) => insert('contacts', CONTACT_COLS, rows, contactValues),
    memberships: (rows) => insert('list_memberships', MEMBERSHIP_COLS, rows, membershipValues),
    events: (rows) => insert('events', EVENT_COLS, rows, eventValues),
    finish: async () => {
      // Explicit ids bypass the identity sequence: move it past them.
      await sql`select setval(pg_get_serial_sequence('contacts', 'id'), (select coalesce(max(id), 1) from contacts))`.execute(db);
      // What autovacuum would have done by the time anyone deletes: statistics, hint bits, visibility map.
      await sql`vacuum analyze contacts, list_memberships, events`.execute(db);
    },
  };
}
