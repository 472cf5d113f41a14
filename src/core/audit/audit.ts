import type { Surface } from '../actor.js';

/** Who made a change, as the audit records it (an Actor fits). CLI and first start: no key. */
export interface AuditActor {
  keyId: string | null;
  via: Surface;
  /** The person acting without a key (CLI), recorded as `by` in the entry's data. */
  operator?: string;
}

export const OPERATOR: AuditActor = { keyId: null, via: 'cli' };

/** A value the audit may hold: counts, ids, kinds, times. Never personal data. */
export type AuditValue = string | number | boolean | null;

export interface AuditEntryInput {
  accountId: number;
  actorKeyId: string | null;
  via: Surface;
  /** Stable action name, e.g. `operation.completed`, `settings.updated`, `key.created`. */
  action: string;
  subjectType?: string;
  subjectId?: string;
  data: Record<string, AuditValue>;
  /** The person acting without a key (CLI): added to `data` as `by`. */
  operator?: string | undefined;
}

export interface AuditRecord {
  accountId: number;
  seq: number;
  at: number;
  actorKeyId: string | null;
  via: string;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  data: Record<string, AuditValue>;
  prevHash: string;
  hash: string;
}

/** Port: the append-only audit log, one hash chain per account. */
export interface AuditRepository {
  /**
   * Appends to the account's chain: reads the last link and writes the next one. Call
   * it inside the transaction that makes the change it records, so both land or neither.
   * `link` computes the hash from the previous one (core owns the chain's rules).
   */
  append(input: AuditEntryInput, at: number, link: (prev: { seq: number; hash: string } | undefined) => { seq: number; prevHash: string; hash: string }): Promise<AuditRecord>;
  /**
   * Serializes appends to these accounts' chains until the transaction ends (ascending
   * order; a single-writer engine needs nothing). `append` takes it too; a transaction
   * takes it first, through `Store.transaction`'s `lockAccounts`, to hold it before its rows.
   */
  lockChains(accountIds: readonly number[]): Promise<void>;
  /** The account's records in chain order, from `afterSeq` (exclusive). */
  list(accountId: number, options: { afterSeq?: number; limit: number }): Promise<AuditRecord[]>;
  /** Accounts that have any audit record. */
  accountsWithRecords(): Promise<number[]>;
  findBySubject(accountId: number, subjectType: string, subjectId: string): Promise<AuditRecord[]>;
}
