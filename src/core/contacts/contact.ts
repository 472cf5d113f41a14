import type { LockOptions } from '../locks.js';

/** A contact's place in its lifecycle. Purged contacts have no row, hence no status. */
export const CONTACT_STATUSES = ['active', 'deleted', 'erased'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

export type CustomFieldValue = string | number | boolean;
/** The team's own fields (SendGrid custom fields, Mailjet contact data, Marketing Cloud attributes). */
export type CustomFields = Record<string, CustomFieldValue>;
/** Vendor-reserved personal fields with no column of their own: address lines, city, country, postal code. */
export type Attributes = Record<string, string>;

/** A stored contact, as core and every API surface see it. Times are epoch milliseconds. */
export interface Contact {
  id: number;
  accountId: number;
  uuid: string;
  externalKey: string | null;
  /** As the caller gave it; compared case-insensitively. */
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  customFields: CustomFields;
  attributes: Attributes;
  createSource: string | null;
  updateSource: string | null;
  optInStatus: string | null;
  optInAt: number | null;
  optInSource: string | null;
  optInIp: string | null;
  excludedFromCampaigns: boolean;
  unsubscribedAt: number | null;
  unsubscribeSource: string | null;
  unsubscribeReason: string | null;
  status: ContactStatus;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  erasedAt: number | null;
  purgeAt: number | null;
  /**
   * An erased contact's stand-in address (`\x<40 hex>@domain.invalid`, a keyed hash of the
   * address it had), for dialects that must show one; null otherwise.
   */
  placeholderEmail: string | null;
  /** The lists the contact belongs to, ascending. */
  listIds: number[];
}

/**
 * What a caller may set on a contact. An omitted field stays as it is; `null` clears it.
 * `customFields` and `attributes` merge key by key, and a key set to `null` is removed
 * (JSON merge patch, one level deep); the whole object set to `null` empties it.
 */
export interface ContactInput {
  externalKey?: string | null;
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  customFields?: Record<string, CustomFieldValue | null> | null;
  attributes?: Record<string, string | null> | null;
  optInStatus?: string | null;
  optInAt?: number | null;
  optInSource?: string | null;
  optInIp?: string | null;
  excludedFromCampaigns?: boolean;
  unsubscribedAt?: number | null;
  unsubscribeSource?: string | null;
  unsubscribeReason?: string | null;
}

/**
 * A contact's stored fields as core computes them before a write: everything but the
 * id, the status and the lifecycle times, which the store and the deletion engine own.
 */
export interface ContactRecord {
  uuid: string;
  externalKey: string | null;
  email: string | null;
  /** Lower-cased email: the key for lookups and uniqueness. */
  emailNorm: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  customFields: CustomFields;
  attributes: Attributes;
  createSource: string | null;
  updateSource: string | null;
  optInStatus: string | null;
  optInAt: number | null;
  optInSource: string | null;
  optInIp: string | null;
  excludedFromCampaigns: boolean;
  unsubscribedAt: number | null;
  unsubscribeSource: string | null;
  unsubscribeReason: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A stored contact as the bulk upsert reads it: its record, id and status, without list ids. */
export interface ExistingContact extends ContactRecord {
  id: number;
  status: ContactStatus;
}

/** The identity a bulk upsert matches on. */
export type MatchBy = 'email' | 'externalKey';

/** A contact a bulk upsert writes: a new one (no `id`), or the matched contact with this `id`. */
export interface ContactWrite {
  id?: number;
  record: ContactRecord;
}

/** One row a bulk upsert wrote. */
export interface UpsertedRow {
  id: number;
  uuid: string;
  /** The value of the matched identity (email_norm or external_key). */
  key: string;
}

export interface ContactQuery {
  /** `all` for every status. */
  status: ContactStatus | 'all';
  listId?: number;
  /** Only contacts updated at or after this time. */
  updatedSince?: number;
  /** Keyset pagination: contacts with a greater id. */
  afterId?: number;
  limit: number;
}

/** Port: stored contacts. Every method is scoped by the account it is given. */
export interface ContactsRepository {
  /** Inserts a new active contact; throws ALREADY_EXISTS when its email or external key is taken. */
  insert(accountId: number, record: ContactRecord): Promise<Contact>;
  findById(accountId: number, id: number, options?: LockOptions): Promise<Contact | undefined>;
  findByUuid(accountId: number, uuid: string): Promise<Contact | undefined>;
  findByExternalKey(accountId: number, externalKey: string): Promise<Contact | undefined>;
  /** Contacts (not erased) whose normalized email is one of these. */
  findByEmailNorms(accountId: number, emailNorms: readonly string[]): Promise<Contact[]>;
  /**
   * Contacts of any status holding one of these normalized emails or external keys
   * (without list ids): what a write must check for uniqueness and merge into.
   */
  findByIdentities(accountId: number, identities: { emailNorms: readonly string[]; externalKeys: readonly string[] }, options?: LockOptions): Promise<ExistingContact[]>;
  /** Ids and statuses of those of `ids` that exist in the account. */
  statusesOf(accountId: number, ids: readonly number[], options?: LockOptions): Promise<Map<number, ContactStatus>>;
  /** Writes a contact's fields unless it is erased; undefined when no such (unerased) contact. */
  update(accountId: number, id: number, record: ContactRecord): Promise<Contact | undefined>;
  /**
   * Writes many contacts in a few set-based statements, however many there are: a write
   * with an `id` updates that contact (read and locked by the caller), one without inserts
   * a new contact. A new one whose `matchBy` key another writer has just inserted updates
   * that contact instead. An updated contact becomes active again (deleted_at and purge_at
   * cleared); an erased contact is never written. Returns the rows written, by key.
   */
  upsertMany(accountId: number, writes: readonly ContactWrite[], matchBy: MatchBy): Promise<UpsertedRow[]>;
  /** A page of contacts in id order. */
  list(accountId: number, query: ContactQuery): Promise<Contact[]>;
  /** How many contacts match a status and, optionally, a list. */
  count(accountId: number, query: ContactCountQuery): Promise<number>;
  /** Contacts (any status) with these uuids, in id order. */
  findByUuids(accountId: number, uuids: readonly string[]): Promise<Contact[]>;
}

export interface ContactCountQuery {
  /** `all` for every status. */
  status: ContactStatus | 'all';
  listId?: number;
}

/** Orders an offset-paged listing can take (vendor APIs that sort, e.g. Mailjet's `Sort`). */
export const CONTACT_SORT_KEYS = ['id', 'email', 'name', 'createdAt', 'updatedAt', 'excludedFromCampaigns'] as const;
export type ContactSortKey = (typeof CONTACT_SORT_KEYS)[number];

/** Which contacts an offset-paged listing or its count covers. */
export interface ContactFilter {
  /** At least one status. */
  statuses: readonly ContactStatus[];
  listId?: number;
  /** Members of any of these lists (at most 100). */
  listIds?: readonly number[];
  excludedFromCampaigns?: boolean;
  /** Only the contact with this normalized email. */
  emailNorm?: string;
  /** Updated at or after this time (epoch ms). */
  updatedAfter?: number;
  /** Updated before this time (epoch ms). */
  updatedBefore?: number;
  /** Keyset paging in id order: contacts with a greater id. */
  afterId?: number;
  /** Unsubscribed (unsubscribed_at set) or not. */
  unsubscribed?: boolean;
  /** With this opt-in status. */
  optInStatus?: string;
  /** Created at or after this time (epoch ms). */
  createdAfter?: number;
  /** Created before this time (epoch ms). */
  createdBefore?: number;
}

/** A page by offset in a chosen order; ties are broken by id, so pages never overlap. */
export interface ContactOffsetQuery extends ContactFilter {
  offset: number;
  limit: number;
  sort: { key: ContactSortKey; descending: boolean };
}

/** Port, continued: offset paging, for vendor dialects that page by index rather than by key. */
export interface ContactsRepository {
  /** A page of contacts matching a filter, in the query's order, from `offset`. */
  listByOffset(accountId: number, query: ContactOffsetQuery): Promise<Contact[]>;
  /** How many contacts match a filter. */
  countMatching(accountId: number, filter: ContactFilter): Promise<number>;
}

/** Text fields of a contact as the API and imports name them, and the input key each sets. */
export const CONTACT_TEXT_FIELDS = {
  email: 'email',
  external_key: 'externalKey',
  first_name: 'firstName',
  last_name: 'lastName',
  phone: 'phone',
  opt_in_status: 'optInStatus',
  opt_in_source: 'optInSource',
  opt_in_ip: 'optInIp',
  unsubscribe_source: 'unsubscribeSource',
  unsubscribe_reason: 'unsubscribeReason',
} as const satisfies Record<string, keyof ContactInput>;

/** Time fields of a contact as the API and imports name them, and the input key each sets. */
export const CONTACT_TIME_FIELDS = { opt_in_at: 'optInAt', unsubscribed_at: 'unsubscribedAt' } as const satisfies Record<string, keyof ContactInput>;
