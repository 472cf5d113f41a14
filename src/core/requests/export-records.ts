import { toIso } from '../clock.js';
import type { Contact } from '../contacts/contact.js';
import type { ContactEvent } from '../events/event.js';
import type { AuditRecord } from '../audit/audit.js';
import type { List, ListMembership } from '../lists/list.js';
import type { Operation } from '../operations/operation.js';

/**
 * The records of an access request's export, one shape per section, flat (a nested value
 * is a JSON object or array): the same records make the JSON document and the CSV files.
 */
export type ExportRecord = Record<string, string | number | boolean | null | object>;

export const contactRecord = (accountId: number, c: Contact): ExportRecord => ({
  account_id: accountId,
  contact_id: c.id,
  uuid: c.uuid,
  external_key: c.externalKey,
  email: c.email,
  first_name: c.firstName,
  last_name: c.lastName,
  phone: c.phone,
  status: c.status,
  custom_fields: c.customFields,
  attributes: c.attributes,
  create_source: c.createSource,
  update_source: c.updateSource,
  opt_in_status: c.optInStatus,
  opt_in_at: toIso(c.optInAt),
  opt_in_source: c.optInSource,
  opt_in_ip: c.optInIp,
  excluded_from_campaigns: c.excludedFromCampaigns,
  unsubscribed_at: toIso(c.unsubscribedAt),
  unsubscribe_source: c.unsubscribeSource,
  unsubscribe_reason: c.unsubscribeReason,
  created_at: toIso(c.createdAt),
  updated_at: toIso(c.updatedAt),
  deleted_at: toIso(c.deletedAt),
});

export const listRecord = (accountId: number, m: ListMembership, list: List | undefined): ExportRecord => ({
  account_id: accountId,
  contact_id: m.contactId,
  list_id: m.listId,
  list_name: list?.name ?? null,
  joined_at: toIso(m.createdAt),
  unsubscribed_at: toIso(m.unsubscribedAt),
});

export const eventRecord = (accountId: number, e: ContactEvent): ExportRecord => ({
  account_id: accountId,
  contact_id: e.contactId,
  event_id: e.id,
  type: e.type,
  message_id: e.messageId,
  subject: e.subject,
  categories: e.categories,
  ip: e.ip,
  user_agent: e.userAgent,
  url: e.url,
  occurred_at: toIso(e.occurredAt),
});

export const auditRecord = (a: AuditRecord): ExportRecord => ({
  account_id: a.accountId,
  seq: a.seq,
  at: toIso(a.at),
  action: a.action,
  via: a.via,
  subject_type: a.subjectType,
  subject_id: a.subjectId,
  data: a.data,
  hash: a.hash,
});

export const operationRecord = (o: Operation): ExportRecord => ({
  account_id: o.accountId,
  operation_id: o.id,
  uuid: o.uuid,
  kind: o.kind,
  action: o.action,
  state: o.state,
  selector_kind: o.selectorKind,
  label: o.label,
  via: o.via,
  created_at: toIso(o.createdAt),
  finished_at: toIso(o.finishedAt),
});

/** CSV columns per section, in order (a record's nested values are written as JSON). */
export const EXPORT_COLUMNS = {
  contacts: Object.keys(contactRecord(0, { customFields: {}, attributes: {} } as unknown as Contact)),
  lists: ['account_id', 'contact_id', 'list_id', 'list_name', 'joined_at', 'unsubscribed_at'],
  events: ['account_id', 'contact_id', 'event_id', 'type', 'message_id', 'subject', 'categories', 'ip', 'user_agent', 'url', 'occurred_at'],
  audit: ['account_id', 'seq', 'at', 'action', 'via', 'subject_type', 'subject_id', 'data', 'hash'],
  operations: ['account_id', 'operation_id', 'uuid', 'kind', 'action', 'state', 'selector_kind', 'label', 'via', 'created_at', 'finished_at'],
} as const;
