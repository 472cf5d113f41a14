import { sql } from 'kysely';
import type { RawBuilder, SelectQueryBuilder } from 'kysely';
import type { LockOptions } from '../core/locks.js';
import type { Capabilities } from './database.js';

/** Splits values into runs of at most `size`, so that no statement binds more than the engine allows. */
export function chunked<T>(values: readonly T[], size: number): T[][] {
  const step = Math.max(1, Math.floor(size));
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += step) out.push(values.slice(i, i + step));
  return out;
}

/** Values per IN list: well under the bind limit, leaving room for the statement's other parameters. */
export const inListSize = (capabilities: Capabilities): number => Math.min(10_000, capabilities.maxBindParams - 100);

/**
 * Applies a read's row lock where the engine has several writers. On a single-writer
 * engine the write transaction (BEGIN IMMEDIATE) already excludes other writers, and
 * FOR UPDATE is not even valid SQL there.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function withLock<Q extends SelectQueryBuilder<any, any, any>>(query: Q, capabilities: Capabilities, options: LockOptions | undefined): Q {
  if (!options?.lock || capabilities.singleWriter) return query;
  return (options.lock === 'update' ? query.forUpdate() : query.forShare()) as Q;
}

/**
 * The account filter of a statement that names its rows by key (contact ids): `+account_id`.
 * It still filters by account (tenant isolation) but cannot pick an index. Without
 * statistics, SQLite takes an equality on an index's first column for a selective one, so
 * `account_id = ? AND contact_id IN (…2,000 ids)` walked every event of the account through
 * (account_id, occurred_at) — per chunk, quadratic over a bulk erase — instead of the
 * 2,000 ranges of the primary key. PostgreSQL plans the unary plus the same as the column.
 */
export const accountOfKeyedRows = (column: 'account_id' | 'contacts.account_id' = 'account_id'): RawBuilder<number> => sql<number>`+${sql.ref(column)}`;
