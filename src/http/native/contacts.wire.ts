import { Type } from 'typebox';
import type { Static } from 'typebox';
import { toIso } from '../../core/clock.js';
import { CONTACT_STATUSES, CONTACT_TEXT_FIELDS } from '../../core/contacts/contact.js';
import type { Contact, ContactInput, ContactStatus, CustomFieldValue } from '../../core/contacts/contact.js';
import { CONTACT_LIMITS } from '../../core/contacts/contact-input.js';
import { MAX_LISTS_PER_WRITE } from '../../core/contacts/contact-rules.js';
import { IsoTime } from './schemas.js';
import { Nullable, parseIsoTime } from './wire.js';

/** Contacts on the wire: snake_case JSON with ISO times, and the mapping to and from core. */

const L = CONTACT_LIMITS;
const Text = (maxLength: number, description?: string) => Type.String({ maxLength, ...(description ? { description } : {}) });

const CustomFields = (nullableValues: boolean) =>
  Type.Unsafe<Record<string, CustomFieldValue | null>>({
    type: 'object',
    maxProperties: L.customFieldKeys,
    additionalProperties: {
      anyOf: [{ type: 'string', maxLength: L.customFieldValueLength }, { type: 'number' }, { type: 'boolean' }, ...(nullableValues ? [{ type: 'null' }] : [])],
    },
    description: nullableValues
      ? `The team's own fields: up to ${L.customFieldKeys} names, each a string, number or boolean. Merged by name: a name set to null is removed; custom_fields: null removes all.`
      : "The team's own fields",
  });

const Attributes = (nullableValues: boolean) =>
  Type.Unsafe<Record<string, string | null>>({
    type: 'object',
    maxProperties: L.attributeKeys,
    additionalProperties: nullableValues ? { anyOf: [{ type: 'string', maxLength: L.attributeValueLength }, { type: 'null' }] } : { type: 'string' },
    description: nullableValues
      ? 'Vendor-reserved personal fields (address_line_1, city, country, postal_code, ...): lower-case names, string values. Merged by name like custom_fields.'
      : 'Vendor-reserved personal fields (address_line_1, city, country, postal_code, ...)',
  });

const StatusSchema = Type.Unsafe<ContactStatus>({ type: 'string', enum: [...CONTACT_STATUSES] });

export const ContactSchema = Type.Object({
  id: Type.Integer({ description: 'Numeric id (Mailjet, Marketing Cloud)' }),
  uuid: Type.String({ description: 'UUID (SendGrid, Constant Contact)' }),
  external_key: Nullable(Type.String({ description: 'Your key for the contact (Marketing Cloud ContactKey); unique per account' })),
  email: Nullable(Type.String({ description: 'As given; unique per account, compared case-insensitively' })),
  first_name: Nullable(Type.String()),
  last_name: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  custom_fields: CustomFields(false),
  attributes: Attributes(false),
  create_source: Nullable(Type.String()),
  update_source: Nullable(Type.String()),
  opt_in_status: Nullable(Type.String()),
  opt_in_at: IsoTime,
  opt_in_source: Nullable(Type.String()),
  opt_in_ip: Nullable(Type.String()),
  excluded_from_campaigns: Type.Boolean(),
  unsubscribed_at: IsoTime,
  unsubscribe_source: Nullable(Type.String()),
  unsubscribe_reason: Nullable(Type.String()),
  status: StatusSchema,
  list_ids: Type.Array(Type.Integer()),
  created_at: IsoTime,
  updated_at: IsoTime,
  deleted_at: IsoTime,
  erased_at: IsoTime,
  purge_at: IsoTime,
  once_erased: Type.Optional(Type.Boolean({ description: 'On a create or upsert under the account\'s reimport_policy warn: true when this address was once erased in the account' })),
});

const Time = (description: string) => Nullable(Type.String({ format: 'date-time', description }));

/** The writable fields; every one optional, and null clears the nullable ones. */
const fields = {
  external_key: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: L.externalKey }))),
  email: Type.Optional(Nullable(Text(254))),
  first_name: Type.Optional(Nullable(Text(L.name))),
  last_name: Type.Optional(Nullable(Text(L.name))),
  phone: Type.Optional(Nullable(Text(L.phone))),
  custom_fields: Type.Optional(Nullable(CustomFields(true))),
  attributes: Type.Optional(Nullable(Attributes(true))),
  opt_in_status: Type.Optional(Nullable(Text(L.optInStatus, 'Your opt-in state, e.g. explicit, implicit, pending_confirmation'))),
  opt_in_at: Type.Optional(Time('When the contact opted in')),
  opt_in_source: Type.Optional(Nullable(Text(L.source))),
  opt_in_ip: Type.Optional(Nullable(Text(45, 'IPv4 or IPv6 address the opt-in came from'))),
  excluded_from_campaigns: Type.Optional(Type.Boolean()),
  unsubscribed_at: Type.Optional(Time('When the contact unsubscribed')),
  unsubscribe_source: Type.Optional(Nullable(Text(L.source))),
  unsubscribe_reason: Type.Optional(Nullable(Text(L.unsubscribeReason))),
};

const ListIds = Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), { maxItems: MAX_LISTS_PER_WRITE, description: 'Lists the contact joins (memberships are added, never removed)' }));

export const CreateContactBody = Type.Object({ ...fields, list_ids: ListIds }, { additionalProperties: false, description: 'A contact needs an email or an external_key' });

export const UpsertContactBody = Type.Object(
  { ...fields, email: Text(254, 'The address to match (case-insensitively)'), list_ids: ListIds },
  { additionalProperties: false },
);

export const PatchContactBody = Type.Object(fields, { additionalProperties: false, minProperties: 1 });

export type ContactBody = Static<typeof PatchContactBody>;

const TEXT_KEYS = CONTACT_TEXT_FIELDS;

const time = (value: string | null): number | null => (value === null ? null : parseIsoTime(value));

/** The core input of a body: only the fields it names. */
export function contactInputOf(body: ContactBody): ContactInput {
  const input: ContactInput = {};
  for (const [wire, key] of Object.entries(TEXT_KEYS) as Array<[keyof typeof TEXT_KEYS, (typeof TEXT_KEYS)[keyof typeof TEXT_KEYS]]>) {
    const value = body[wire];
    if (value !== undefined) input[key] = value;
  }
  if (body.custom_fields !== undefined) input.customFields = body.custom_fields;
  if (body.attributes !== undefined) input.attributes = body.attributes;
  if (body.opt_in_at !== undefined) input.optInAt = time(body.opt_in_at);
  if (body.unsubscribed_at !== undefined) input.unsubscribedAt = time(body.unsubscribed_at);
  if (body.excluded_from_campaigns !== undefined) input.excludedFromCampaigns = body.excluded_from_campaigns;
  return input;
}

export const presentContact = (c: Contact): Static<typeof ContactSchema> => ({
  id: c.id,
  uuid: c.uuid,
  external_key: c.externalKey,
  email: c.email,
  first_name: c.firstName,
  last_name: c.lastName,
  phone: c.phone,
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
  status: c.status,
  list_ids: c.listIds,
  created_at: toIso(c.createdAt),
  updated_at: toIso(c.updatedAt),
  deleted_at: toIso(c.deletedAt),
  erased_at: toIso(c.erasedAt),
  purge_at: toIso(c.purgeAt),
});
