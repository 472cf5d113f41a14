import { Type } from 'typebox';
import type { TSchema } from 'typebox';
import type { Contact, ContactSortKey } from '../../../core/contacts/contact.js';
import type { ActivitySummary } from '../../../core/events/event.js';
import type { List, ListMembership, ListSortKey } from '../../../core/lists/list.js';
import { parseNumericId } from '../../../core/refs.js';
import { MailjetError } from './errors.js';

/** Mailjet's wire format: PascalCase fields, integer ids, second-precision UTC times, `""` for unset times. */

/** `2017-09-26T14:12:32Z`, or `""` when unset, as Mailjet writes dates. */
export const mjTime = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

const Time = (description: string) => Type.String({ description: `${description}: RFC 3339 UTC, or "" when unset` });

/** `{"Count","Data","Total"}`: the envelope of every v3 answer. */
export const Envelope = <T extends TSchema>(item: T) => Type.Object({ Count: Type.Integer(), Data: Type.Array(item), Total: Type.Integer() });
export const envelope = <T>(data: T[]) => ({ Count: data.length, Data: data, Total: data.length });
/** `countOnly=1`: the number of all matching items, without them. */
export const countEnvelope = (total: number) => ({ Count: total, Data: [] as never[], Total: total });

export const ContactSchema = Type.Object({
  CreatedAt: Time('When the contact was created'),
  DeliveredCount: Type.Integer(),
  Email: Type.String({ description: 'An anonymized contact shows `\\x` + 40 hex characters + `@domain.invalid`' }),
  ExclusionFromCampaignsUpdatedAt: Time('Not tracked by Lethe'),
  ID: Type.Integer(),
  IsExcludedFromCampaigns: Type.Boolean(),
  IsOptInPending: Type.Boolean(),
  IsSpamComplaining: Type.Boolean(),
  LastActivityAt: Time('The latest message activity'),
  LastUpdateAt: Time('The last change (the anonymization, for a GDPR-deleted contact)'),
  Name: Type.String({ description: '"Anonymized" once the contact is GDPR-deleted' }),
  UnsubscribedAt: Time('When the contact unsubscribed'),
  UnsubscribedBy: Type.String(),
});

const NO_ACTIVITY: ActivitySummary = { delivered: 0, spamReports: 0, lastActivityAt: null };

/** A Lethe contact as Mailjet shows one; an erased contact is Mailjet's anonymized record. */
export function presentContact(c: Contact, activity: ActivitySummary = NO_ACTIVITY) {
  const erased = c.status === 'erased';
  const name = [c.firstName, c.lastName].filter((part): part is string => part !== null && part !== '').join(' ');
  return {
    CreatedAt: mjTime(c.createdAt),
    DeliveredCount: activity.delivered,
    Email: erased ? (c.placeholderEmail ?? '') : (c.email ?? ''),
    ExclusionFromCampaignsUpdatedAt: '',
    ID: c.id,
    IsExcludedFromCampaigns: c.excludedFromCampaigns,
    IsOptInPending: c.optInStatus !== null && /pending/i.test(c.optInStatus),
    IsSpamComplaining: activity.spamReports > 0,
    LastActivityAt: mjTime(activity.lastActivityAt),
    LastUpdateAt: erased ? mjTime(c.erasedAt ?? c.updatedAt) : c.updatedAt > c.createdAt ? mjTime(c.updatedAt) : '',
    Name: erased ? 'Anonymized' : name,
    UnsubscribedAt: mjTime(c.unsubscribedAt),
    UnsubscribedBy: c.unsubscribedAt === null ? '' : (c.unsubscribeSource ?? ''),
  };
}

export const ListSchema = Type.Object({
  Address: Type.String({ description: 'The list\'s address key' }),
  CreatedAt: Time('When the list was created'),
  ID: Type.Integer(),
  IsDeleted: Type.Boolean(),
  Name: Type.String(),
  SubscriberCount: Type.Integer({ description: 'Active contacts subscribed to the list' }),
});

export const presentList = (l: List, subscribers: number) => ({
  Address: l.uuid.replace(/-/g, '').slice(0, 12),
  CreatedAt: mjTime(l.createdAt),
  ID: l.id,
  IsDeleted: false,
  Name: l.name,
  SubscriberCount: subscribers,
});

export const ContactListSchema = Type.Object({ IsActive: Type.Boolean(), IsUnsub: Type.Boolean(), ListID: Type.Integer(), SubscribedAt: Time('When the contact joined the list') });

export const presentMembership = (m: ListMembership) => ({
  IsActive: m.unsubscribedAt === null,
  IsUnsub: m.unsubscribedAt !== null,
  ListID: m.listId,
  SubscribedAt: mjTime(m.createdAt),
});

// ---- query strings -----------------------------------------------------------------------

/** Mailjet's query parameters, documented; names are matched case-insensitively. */
export const CollectionQuery = (filters: Record<string, TSchema>) =>
  Type.Object(
    {
      Limit: Type.Optional(Type.String({ description: 'Page size: 10 by default, at most 1000; 0 means 1000' })),
      Offset: Type.Optional(Type.String({ description: 'Index of the first item (0 by default)' })),
      Sort: Type.Optional(Type.String({ description: 'A property, optionally followed by a space and DESC (e.g. `CreatedAt DESC`)' })),
      countOnly: Type.Optional(Type.String({ description: '1: answer Count and Total of all matching items, with no Data' })),
      ...filters,
    },
    { additionalProperties: true },
  );

export interface Collection<K extends string> {
  limit: number;
  offset: number;
  sort: { key: K; descending: boolean };
  countOnly: boolean;
  /** The other (filter) parameters, by lower-case name. */
  filters: Map<string, string>;
}

const bad = (message: string) => new MailjetError(400, message);

function integerParam(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = parseNumericId(raw);
  if (value === undefined || value > max) throw bad(`Invalid value for "${name}": a whole number from 0 to ${max} is expected`);
  return value;
}

export function booleanParam(name: string, raw: string): boolean {
  if (/^(1|true)$/i.test(raw)) return true;
  if (/^(0|false)$/i.test(raw)) return false;
  throw bad(`Invalid value for "${name}": true or false is expected`);
}

/**
 * Reads Limit, Offset, Sort and countOnly (case-insensitively: Mailjet's filters are) and
 * keeps the rest as filters, refusing those the resource does not know. Only the first
 * occurrence of a repeated parameter counts, as on Mailjet.
 */
export function readCollection<K extends string>(query: unknown, sortable: Record<string, K>, knownFilters: readonly string[]): Collection<K> {
  const params = new Map<string, string>();
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    const key = name.toLowerCase();
    if (params.has(key)) continue;
    params.set(key, String(Array.isArray(value) ? value[0] : value));
  }
  const limit = integerParam('Limit', params.get('limit'), 10, 1000) || 1000;
  const offset = integerParam('Offset', params.get('offset'), 0, Number.MAX_SAFE_INTEGER);
  const countOnly = params.has('countonly') ? booleanParam('countOnly', params.get('countonly') as string) : false;

  let sort = { key: sortable.id as K, descending: false };
  const rawSort = params.get('sort');
  if (rawSort !== undefined && rawSort.trim() !== '') {
    const [prop = '', order = 'ASC', ...rest] = rawSort.trim().split(/[\s+]+/);
    const key = sortable[prop.toLowerCase()];
    if (!key || rest.length > 0 || !/^(asc|desc)$/i.test(order)) {
      throw bad(`Invalid Sort "${rawSort}": sort by one of ${Object.keys(sortable).map(pascal).join(', ')}, optionally followed by DESC`);
    }
    sort = { key, descending: /^desc$/i.test(order) };
  }

  const filters = new Map<string, string>();
  for (const [key, value] of params) {
    if (['limit', 'offset', 'sort', 'countonly', 'style'].includes(key)) continue;
    if (!knownFilters.includes(key)) throw bad(`Unknown or unsupported filter "${key}"`);
    filters.set(key, value);
  }
  return { limit, offset, sort, countOnly, filters };
}

const PASCAL: Record<string, string> = { id: 'ID', email: 'Email', name: 'Name', createdat: 'CreatedAt', lastupdateat: 'LastUpdateAt', isexcludedfromcampaigns: 'IsExcludedFromCampaigns' };
const pascal = (key: string) => PASCAL[key] ?? key;

export const CONTACT_SORTS: Record<string, ContactSortKey> = {
  id: 'id',
  email: 'email',
  name: 'name',
  createdat: 'createdAt',
  lastupdateat: 'updatedAt',
  isexcludedfromcampaigns: 'excludedFromCampaigns',
};

export const LIST_SORTS: Record<string, ListSortKey> = { id: 'id', name: 'name', createdat: 'createdAt' };

/** A path segment that names a contact: its integer ID, or else its email. */
export function contactRef(raw: string): { id: number } | { email: string } {
  const id = parseNumericId(raw);
  return id === undefined ? { email: raw } : { id };
}
