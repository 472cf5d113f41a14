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

/** Values per `inValues` run: a whole chunk at once (one parameter however many), bounded for memory. */
export const VALUES_RUN = 100_000;

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

/** Types a bulk column may have, as PostgreSQL names them. */
export type BulkType = 'text' | 'bigint' | 'integer' | 'bytea';

/**
 * `column IN (values)` with the whole run bound as one parameter: an array on PostgreSQL
 * (`= any($1::text[])`), one JSON text read with `json_each` on SQLite. The statement's
 * size, its compile time and its bind count stay the same however many values there are.
 */
export function inValues(capabilities: Capabilities, column: string, values: readonly (string | number)[], type: BulkType): RawBuilder<SqlBool> {
  return capabilities.arrayParams
    ? sql<SqlBool>`${sql.ref(column)} = any(cast(${values} as ${sql.raw(type)}[]))`
    : sql<SqlBool>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(values)}))`;
}

/** Ids as a relation `alias(id)` bound as one parameter: an array on PostgreSQL, a JSON text on SQLite. */
export function idsRelation(capabilities: Capabilities, alias: string, ids: readonly number[]): RawBuilder<unknown> {
  return capabilities.arrayParams
    ? sql`unnest(cast(${ids} as bigint[])) as ${sql.raw(alias)}(id)`
    : sql`(select value as id from json_each(${JSON.stringify(ids)})) as ${sql.raw(alias)}`;
}

/**
 * Rows as a relation `alias(col, ...)` bound as one parameter, for set-based writes
 * (`insert … select … from`, `update … from`): a JSON text of row arrays, read as JSONB so
 * that it is parsed once (`jsonb_array_elements` on PostgreSQL, `jsonb_each` on SQLite),
 * not once per column. JSON.stringify is native and a few times cheaper for the driver
 * than one array parameter per column (pg escapes arrays element by element in
 * JavaScript). `rows` are arrays of values in the order of `columns`: strings (well-formed:
 * JSONB refuses a lone surrogate), numbers, null, and for `bytea` columns hex strings.
 */
export function rowsRelation(capabilities: Capabilities, alias: string, columns: ReadonlyArray<readonly [name: string, type: BulkType]>, rows: readonly (readonly unknown[])[]): RawBuilder<unknown> {
  const json = JSON.stringify(rows);
  if (capabilities.arrayParams) {
    // Bytes travel as hex text inside the JSON.
    const picks = sql.raw(columns.map(([name, type], k) => (type === 'bytea' ? `decode(j.value ->> ${k}, 'hex') as ${name}` : `cast(j.value ->> ${k} as ${type}) as ${name}`)).join(', '));
    return sql`(select ${picks} from jsonb_array_elements(cast(${json} as jsonb)) as j(value)) as ${sql.raw(alias)}`;
  }
  const picks = sql.raw(columns.map(([name, type], k) => (type === 'bytea' ? `unhex(j.value ->> ${k}) as ${name}` : `j.value ->> ${k} as ${name}`)).join(', '));
  // `limit -1` (no limit) keeps SQLite from flattening the subquery: flattened, it ran the
  // JSON rows as the inner loop of every row the other side's index found (all of an
  // operation's targets, once per chunk); materialized, it reads them once and probes by key.
  return sql`(select ${picks} from jsonb_each(${json}) as j limit -1) as ${sql.raw(alias)}`;
}
