import type { ContactStatus } from '../contacts/contact.js';
import type { LockOptions } from '../locks.js';

/** A contact as the deletion engine needs it: identity, status and the address its placeholder derives from. */
export interface LifecycleContact {
  id: number;
  status: ContactStatus;
  emailNorm: string | null;
  uuid: string;
  externalKey: string | null;
}

/** How a value selector finds contacts. */
export type IdentityColumn = 'id' | 'uuid' | 'external_key' | 'email_norm';

/** Which contacts a range-planned selector (list, all, due for purge) covers. */
export interface ContactFilter {
  statuses: readonly ContactStatus[];
  listId?: number;
  /** Members of any of these lists. */
  listIds?: readonly number[];
  /** Only contacts whose purge_at is at or before this time. */
  purgeDueAt?: number;
}

/** An erased contact's new placeholder email_norm (null for a contact that had no email). */
export interface ErasedContact {
  id: number;
  placeholder: string | null;
}

/**
 * Port: set-based lifecycle changes, one bounded chunk of contacts at a time. Every
 * statement names the account and the ids (`WHERE account_id = ? AND id IN (…)`);
 * callers keep chunks bounded, the store splits them under the bind limit.
 */
export interface LifecycleRepository {
  /** Contacts of the account whose `column` is one of `values` (any status). */
  findBy(accountId: number, column: IdentityColumn, values: readonly (string | number)[], options?: LockOptions): Promise<LifecycleContact[]>;
  /** Contacts with ids in [start, end] that match the filter, in id order. */
  findInRange(accountId: number, filter: ContactFilter, start: number, end: number, options?: LockOptions): Promise<LifecycleContact[]>;
  /** How many contacts of the account match the filter. */
  countMatching(accountId: number, filter: ContactFilter): Promise<number>;
  /** Splits the matching contacts into id ranges of at most `size` contacts each; and how many match. */
  planRanges(accountId: number, filter: ContactFilter, size: number): Promise<{ ranges: Array<{ rangeStart: number; rangeEnd: number }>; total: number }>;
  /** active → deleted: memberships removed, personal data kept. */
  softDelete(accountId: number, ids: readonly number[], now: number, purgeAt: number | null): Promise<void>;
  /** deleted → active, optionally onto lists. */
  restore(accountId: number, ids: readonly number[], now: number, listIds: readonly number[]): Promise<void>;
  /** Personal data gone: contact fields, memberships, and the personal columns of its events. */
  erase(accountId: number, contacts: readonly ErasedContact[], now: number, purgeAt: number): Promise<void>;
  /** Rows gone: events, memberships, contacts. */
  purge(accountId: number, ids: readonly number[]): Promise<void>;
  /** Accounts that have contacts due for purge (purge_at at or before `now`). */
  accountsWithDuePurges(now: number, limit: number): Promise<number[]>;
}
