import { sql } from 'kysely';
import type { RawBuilder, SelectQueryBuilder, SqlBool } from 'kysely';
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

/** Values per `inValues` run: a whole chunk as one array where the engine binds arrays. */
export const valuesRunSize = (capabilities: Capabilities): number => (capabilities.arrayParams ? 100_000 : inListSize(capabilities));

/**
 * `column IN (values)`. Where the engine binds arrays (PostgreSQL) the values travel as one
 * parameter, `column = any($1::bigint[])`: the statement's text, parse and plan are the same
 * for 3 values or 5,000 (a 2,000-value IN list took longer to plan than to run). Elsewhere,
 * an IN list of bound parameters. Keep `values` within `valuesRunSize`.
 */
export function inValues(column: string, values: readonly (string | number)[], type: 'bigint' | 'text', capabilities: Capabilities): RawBuilder<SqlBool> {
  if (capabilities.arrayParams) return sql<SqlBool>`${sql.ref(column)} = any(cast(${values} as ${sql.raw(type)}[]))`;
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join(values)})`;
}

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
 * The account filter of a statement that names its rows by key (contact ids). It always
 * filters by account (tenant isolation); what differs is how the engine may use it.
 * SQLite, without statistics, takes an equality on an index's first column for a selective
 * one: `account_id = ? AND contact_id IN (…2,000 ids)` walked every event of the account
 * through (account_id, occurred_at), per chunk, quadratic over a bulk erase, instead of the
 * 2,000 ranges of the primary key. There `+account_id` keeps the term out of index choice.
 * PostgreSQL, with statistics, must see the plain column: `+account_id` is an expression
 * it can only guess at (0.5% of rows), and the guess led it to hash-join whole tables.
 */
export const accountOfKeyedRows = (capabilities: Capabilities, column: 'account_id' | 'contacts.account_id' = 'account_id'): RawBuilder<number> =>
  capabilities.plannerStatistics ? sql<number>`${sql.ref(column)}` : sql<number>`+${sql.ref(column)}`;
