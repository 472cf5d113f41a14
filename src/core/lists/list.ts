import type { LockOptions } from '../locks.js';

export interface List {
  id: number;
  accountId: number;
  uuid: string;
  /** Unique within the account. */
  name: string;
  /** Optional, unique within the account: the key a Marketing Cloud delete names the list by. */
  externalKey: string | null;
  description: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewList {
  uuid: string;
  name: string;
  externalKey?: string | null;
  description: string | null;
}

export interface ListPatch {
  name?: string;
  externalKey?: string | null;
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
  findByExternalKey(accountId: number, externalKey: string): Promise<List | undefined>;
  /** Those of `ids` that are lists of the account. */
  existingIds(accountId: number, ids: readonly number[], options?: LockOptions): Promise<Set<number>>;
  /** A page in id order, after `afterId`. */
  list(accountId: number, page: { afterId?: number; limit: number }): Promise<List[]>;
  /** Throws ALREADY_EXISTS when the new name is taken; undefined when no such list. */
  update(accountId: number, id: number, patch: ListPatch, now: number): Promise<List | undefined>;
  /** Removes the list and its memberships (never contacts); false when no such list. */
  delete(accountId: number, id: number): Promise<boolean>;
  /** Adds memberships, keeping those that exist (idempotent), in set-based statements. Returns how many were new. */
  addMemberships(accountId: number, memberships: readonly Membership[], now: number): Promise<number>;
  /**
   * Adds every one of these contacts to every one of these lists, in one statement,
   * keeping memberships that exist. `newContacts`: the contacts were created in the
   * caller's transaction, so none of them can have a membership yet, and the rows go in
   * without a conflict check (on PostgreSQL that check costs about a third of the insert).
   */
  addContactsToLists(accountId: number, contactIds: readonly number[], listIds: readonly number[], now: number, options?: { newContacts?: boolean }): Promise<void>;
  /** Removes a list's memberships of these contacts; returns how many there were. */
  removeMemberships(accountId: number, listId: number, contactIds: readonly number[]): Promise<number>;
  /** Lists of the account with these uuids, in id order. */
  findByUuids(accountId: number, uuids: readonly string[]): Promise<List[]>;
  /** Lists of the account with these ids, in id order. */
  findByIds(accountId: number, ids: readonly number[]): Promise<List[]>;
}

/** One contact's place on one list. */
export interface ListMembership {
  listId: number;
  contactId: number;
  /** When the contact joined the list. */
  createdAt: number;
  /** Set when the contact unsubscribed from this list (it stays a member, unsubscribed). */
  unsubscribedAt: number | null;
}

export const LIST_SORT_KEYS = ['id', 'name', 'createdAt'] as const;
export type ListSortKey = (typeof LIST_SORT_KEYS)[number];

/** Port, continued: per-list subscription state and offset paging (vendor dialects). */
export interface ListsRepository {
  /** The contact's memberships, in list id order. */
  membershipsOf(accountId: number, contactId: number): Promise<ListMembership[]>;
  /** Adds the membership or sets its unsubscribe time (null: subscribed). */
  putMembership(accountId: number, membership: Membership, unsubscribedAt: number | null, now: number): Promise<void>;
  /** A page of lists in the given order from `offset` (ties broken by id). */
  listByOffset(accountId: number, query: { offset: number; limit: number; sort: { key: ListSortKey; descending: boolean } }): Promise<List[]>;
  countLists(accountId: number): Promise<number>;
  /** Per list: its active contacts that have not unsubscribed from it. */
  subscriberCounts(accountId: number, listIds: readonly number[]): Promise<Map<number, number>>;
}
