import type { MatchBy } from '../contacts/contact.js';

/** The operation kind of a bulk import; the worker runs it in chunks of rows. */
export const IMPORT_KIND = 'import.contacts';
export const IMPORT_ACTION = 'import';

/** Most rows one import may hold. */
export const MAX_IMPORT_ROWS = 1_000_000;
/** Rows per chunk the worker processes in one transaction. */
export const DEFAULT_IMPORT_CHUNK = 1000;

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
}

/** One stored row waiting to be processed. */
export interface PendingRow {
  seq: number;
  /** The row as JSON (personal data: cleared once processed). */
  value: string | null;
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
  /** Sets the number of rows once they are all stored. */
  setRowCount(accountId: number, operationId: number, rows: number): Promise<void>;
  /** Stores rows `firstSeq`, `firstSeq + 1`, … as pending targets of the operation. */
  insertRows(accountId: number, operationId: number, firstSeq: number, values: readonly string[]): Promise<void>;
  /** The pending rows with seq in [from, to], in order. */
  pendingRows(accountId: number, operationId: number, from: number, to: number): Promise<PendingRow[]>;
  /**
   * Settles the rows of [from, to]: the rows in `invalid` keep only their error (the value
   * is cleared); every other pending row of the range is removed, its data with it.
   */
  settleRows(accountId: number, operationId: number, from: number, to: number, invalid: readonly ImportRowError[]): Promise<void>;
  /** Adds to the operation's created and updated counters. */
  addTallies(accountId: number, operationId: number, tallies: ImportTallies): Promise<void>;
  tallies(accountId: number, operationId: number): Promise<ImportTallies>;
  /** Row errors in row order, after `afterRow`. */
  errors(accountId: number, operationId: number, page: { afterRow?: number; limit: number }): Promise<ImportRowError[]>;
}
