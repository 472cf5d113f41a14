import type { LockOptions } from '../locks.js';

export interface List {
  id: number;
  accountId: number;
  uuid: string;
  /** Unique within the account. */
  name: string;
  description: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewList {
  uuid: string;
  name: string;
  description: string | null;
}

export interface ListPatch {
  name?: string;
  description?: string | null;
}

/** One membership to add: contact and list of one account. */
export interface Membership {
  contactId: number;
  listId: number;
}

/** Port: stored lists and memberships. Every method is scoped by the account it is given. */
export interface ListsRepository {
  /** Throws ALREADY_EXISTS when the name is taken in the account. */
  create(accountId: number, list: NewList, now: number): Promise<List>;
  findById(accountId: number, id: number, options?: LockOptions): Promise<List | undefined>;
  findByName(accountId: number, name: string): Promise<List | undefined>;
  /** Those of `ids` that are lists of the account. */
  existingIds(accountId: number, ids: readonly number[], options?: LockOptions): Promise<Set<number>>;
  /** A page in id order, after `afterId`. */
  list(accountId: number, page: { afterId?: number; limit: number }): Promise<List[]>;
  /** Throws ALREADY_EXISTS when the new name is taken; undefined when no such list. */
  update(accountId: number, id: number, patch: ListPatch, now: number): Promise<List | undefined>;
  /** Removes the list and its memberships (never contacts); false when no such list. */
  delete(accountId: number, id: number): Promise<boolean>;
  /** Adds memberships, keeping those that exist (idempotent), in batches under the bind limit. Returns how many were new. */
  addMemberships(accountId: number, memberships: readonly Membership[], now: number): Promise<number>;
  /** Removes a list's memberships of these contacts; returns how many there were. */
  removeMemberships(accountId: number, listId: number, contactIds: readonly number[]): Promise<number>;
  /** Lists of the account with these uuids, in id order. */
  findByUuids(accountId: number, uuids: readonly string[]): Promise<List[]>;
  /** Lists of the account with these ids, in id order. */
  findByIds(accountId: number, ids: readonly number[]): Promise<List[]>;
}
