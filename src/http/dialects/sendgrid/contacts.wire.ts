import { Type } from 'typebox';
import { toIso } from '../../../core/clock.js';
import type { Contact } from '../../../core/contacts/contact.js';

/** SendGrid's marketing contact (`ContactDetails3`) and the mapping to Lethe's contact. */

/** SendGrid's reserved fields with no column of their own in Lethe: kept as contact attributes. */
export const ATTRIBUTE_FIELDS = [
  'address_line_1',
  'address_line_2',
  'city',
  'state_province_region',
  'country',
  'postal_code',
  'whatsapp',
  'line',
  'facebook',
  'unique_name',
  'phone_number_id',
  'anonymous_id',
] as const;

const Str = (maxLength: number) => Type.Optional(Type.String({ maxLength }));

export const ContactRequest = Type.Object(
  {
    email: Str(254),
    first_name: Str(50),
    last_name: Str(50),
    phone_number: Str(64),
    external_id: Str(254),
    alternate_emails: Type.Optional(Type.Array(Type.String({ maxLength: 254 }), { maxItems: 5 })),
    address_line_1: Str(100),
    address_line_2: Str(100),
    city: Str(60),
    state_province_region: Str(50),
    country: Str(50),
    postal_code: Str(60),
    whatsapp: Str(100),
    line: Str(100),
    facebook: Str(100),
    unique_name: Str(100),
    phone_number_id: Str(254),
    anonymous_id: Str(254),
    custom_fields: Type.Optional(
      Type.Unsafe<Record<string, string | number>>({
        type: 'object',
        additionalProperties: { anyOf: [{ type: 'string', maxLength: 1000 }, { type: 'number' }] },
        description: 'Custom field values by field name or id',
      }),
    ),
  },
  { description: 'A contact to create or update; needs one of email, phone_number_id, external_id or anonymous_id' },
);

export type SendGridContactRequest = {
  email?: string;
  first_name?: string;
  last_name?: string;
  phone_number?: string;
  external_id?: string;
  alternate_emails?: string[];
  custom_fields?: Record<string, string | number>;
} & Partial<Record<(typeof ATTRIBUTE_FIELDS)[number], string>>;

const text = Type.String();
export const ContactDetails = Type.Object({
  id: Type.String({ description: 'The contact\'s uuid' }),
  email: text,
  first_name: text,
  last_name: text,
  phone_number: text,
  external_id: text,
  alternate_emails: Type.Array(Type.String()),
  ...Object.fromEntries(ATTRIBUTE_FIELDS.map((name) => [name, text])),
  list_ids: Type.Array(Type.String(), { description: 'Uuids of the contact\'s lists' }),
  segment_ids: Type.Array(Type.String(), { description: 'Always empty: Lethe has no segments' }),
  custom_fields: Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  _metadata: Type.Object({ self: Type.String() }),
});

/** Alternate emails are one attribute, comma-separated (an address holds no comma). */
const ALTERNATE = 'alternate_emails';

/** The import row (Lethe's snake_case contact) of a SendGrid contact. */
export function importRowOf(contact: SendGridContactRequest): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  if (contact.email !== undefined) row.email = contact.email;
  if (contact.first_name !== undefined) row.first_name = contact.first_name;
  if (contact.last_name !== undefined) row.last_name = contact.last_name;
  if (contact.phone_number !== undefined) row.phone = contact.phone_number;
  if (contact.external_id !== undefined) row.external_key = contact.external_id;
  const attributes: Record<string, string> = {};
  for (const name of ATTRIBUTE_FIELDS) {
    const value = contact[name];
    if (value !== undefined) attributes[name] = value;
  }
  if (contact.alternate_emails !== undefined) attributes[ALTERNATE] = contact.alternate_emails.join(',');
  if (Object.keys(attributes).length > 0) row.attributes = attributes;
  if (contact.custom_fields !== undefined) row.custom_fields = contact.custom_fields;
  return row;
}

/** A Lethe contact as SendGrid shows it; `listUuids` maps the contact's list ids. */
export function presentContact(contact: Contact, listUuids: ReadonlyMap<number, string>, baseUrl: string) {
  const attributes = contact.attributes;
  const alternate = attributes[ALTERNATE];
  return {
    id: contact.uuid,
    email: contact.email ?? '',
    first_name: contact.firstName ?? '',
    last_name: contact.lastName ?? '',
    phone_number: contact.phone ?? '',
    external_id: contact.externalKey ?? '',
    alternate_emails: alternate ? alternate.split(',') : [],
    ...Object.fromEntries(ATTRIBUTE_FIELDS.map((name) => [name, attributes[name] ?? ''])),
    list_ids: contact.listIds.flatMap((id) => {
      const uuid = listUuids.get(id);
      return uuid === undefined ? [] : [uuid];
    }),
    segment_ids: [],
    custom_fields: contact.customFields,
    created_at: toIso(contact.createdAt) ?? '',
    updated_at: toIso(contact.updatedAt) ?? '',
    _metadata: { self: `${baseUrl}/v3/marketing/contacts/${contact.uuid}` },
  };
}
