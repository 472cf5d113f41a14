import type { MatchBy } from '../contacts/contact.js';

/** The operation kind of a bulk import; the worker runs it in chunks of rows. */
export const IMPORT_KIND = 'import.contacts';
export const IMPORT_ACTION = 'import';

/** Most rows one import may hold. */
export const MAX_IMPORT_ROWS = 1_000_000;
/**
 * Rows per chunk the worker processes in one transaction. Every statement of a chunk is
 * set-based, so a chunk costs a few statements whatever its size. Larger chunks write
 * each page of the contacts' random-order indexes (email, uuid) fewer times, which is
 * most of SQLite's commit cost; the bound is how long one chunk holds SQLite's write
 * lock (a few hundred milliseconds for 10,000 new contacts on a small machine; readers
 * are not blocked).
 */
export const DEFAULT_IMPORT_CHUNK = 10_000;
/** Most rows per chunk a configuration may ask for. */
export const MAX_IMPORT_CHUNK = 20_000;

/** What an import was asked to do, kept in the operation's params (no personal data). */
export interface ImportParams {
  matchBy: MatchBy;
  listIds: number[];
  /** Recorded as the contacts' create/update source. */
  source: string;
  format: 'csv' | 'json';
}

/** One row the import could not write: its 1-based number, the field at fault and why. Never the value. */
export interface ImportRowError {
  row: number;
  field: string;
  code: string;
  message: string;
  /** `once_erased`: the row's address was once erased in the account (refused under `block`, warned under `warn`). */
  reason?: string;
}

/**
 * A chunk's rows as stored at creation: one target per chunk (a million single-row
 * tuples and their index entries cost PostgreSQL a minute; a thousand batches, seconds).
 */
export interface RowBatch {
  /** The row number of the batch's first row; the batch holds rows firstRow, firstRow + 1, … */
  firstRow: number;
  /**
   * The rows as JSON (personal data: removed once processed): an array of row objects,
   * or for a CSV `{"columns": [...], "records": [[cells], ...]}`, about the file's size.
   */
  rows: string;
}

/** What an import wrote, beyond the operation's own counts. */
export interface ImportTallies {
  created: number;
  updated: number;
}

/**
 * Port: the rows of imports, kept in the operations' targets. Every method is scoped by
 * the account it is given.
 */
export interface ImportsRepository {
  /** Stores batches of rows as pending targets of the operation (seq = the batch's first row number). */
  insertBatches(accountId: number, operationId: number, batches: readonly RowBatch[]): Promise<void>;
  /** The pending batches whose first row is in [from, to], in order (values already forgotten read as null). */
  pendingBatches(accountId: number, operationId: number, from: number, to: number): Promise<Array<{ firstRow: number; rows: string | null }>>;
  /**
   * Settles the rows of [from, to]: the pending batches are removed, their data with them,
   * and the rows in `invalid` are kept as targets of their own (seq = row number) holding
   * only their error.
   */
  settleRows(accountId: number, operationId: number, from: number, to: number, invalid: readonly ImportRowError[], warned?: readonly ImportRowError[]): Promise<void>;
  /** Adds to the operation's created and updated counters. */
  addTallies(accountId: number, operationId: number, tallies: ImportTallies): Promise<void>;
  tallies(accountId: number, operationId: number): Promise<ImportTallies>;
  /** Row errors (or, with `warned`, the warnings of rows imported) in row order, after `afterRow`. */
  errors(accountId: number, operationId: number, page: { afterRow?: number; limit: number }, outcome?: 'invalid' | 'warned'): Promise<ImportRowError[]>;
}

/** How imports run (from config): read by core's context, so it lives here, beside the import's types. */
export interface ImportSettings {
  /** Rows per chunk (one transaction each); default 10,000, at most 20,000. */
  chunkSize?: number;
  /** Most rows per import; default 1,000,000. */
  maxRows?: number;
}
