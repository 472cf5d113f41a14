import { Type } from 'typebox';
import type { Static } from 'typebox';
import type { Attributes, Contact, ContactInput } from '../../../core/contacts/contact.js';
import { invalid } from '../../../core/errors.js';
import { parseIsoTime } from '../../native/wire.js';

/** Constant Contact's contact resource, and its request bodies, mapped to Lethe's contact. */

export const PERMISSIONS = ['explicit', 'implicit', 'not_set', 'pending_confirmation', 'temp_hold', 'unsubscribed'] as const;
const SOURCES = ['Account', 'Contact'] as const;
/** Sub-resources `include=` may ask for; Lethe keeps no tags or notes, so those show empty. */
export const INCLUDES = ['custom_fields', 'list_memberships', 'phone_numbers', 'street_addresses', 'taggings', 'notes'] as const;
export type Include = (typeof INCLUDES)[number];

/** Constant Contact fields with no Lethe column, kept as contact attributes (erased with the contact). */
const ATTRIBUTE = {
  jobTitle: 'job_title',
  companyName: 'company_name',
  birthdayMonth: 'birthday_month',
  birthdayDay: 'birthday_day',
  anniversary: 'anniversary',
  confirmStatus: 'confirm_status',
  phoneKind: 'phone_kind',
  addressKind: 'address_kind',
  street: 'address_line_1',
  city: 'city',
  state: 'state_province_region',
  postalCode: 'postal_code',
  country: 'country',
} as const;
const ADDRESS_KEYS = [ATTRIBUTE.addressKind, ATTRIBUTE.street, ATTRIBUTE.city, ATTRIBUTE.state, ATTRIBUTE.postalCode, ATTRIBUTE.country] as const;

const Text = (max: number) => Type.String({ maxLength: max });
const Permission = Type.Unsafe<(typeof PERMISSIONS)[number]>({ type: 'string', enum: [...PERMISSIONS] });
const Source = Type.Unsafe<(typeof SOURCES)[number]>({ type: 'string', enum: [...SOURCES] });

const EmailAddressInput = Type.Object(
  {
    address: Type.String({ maxLength: 80 }),
    permission_to_send: Type.Optional(Permission),
    opt_in_source: Type.Optional(Source),
    opt_in_date: Type.Optional(Type.String()),
    opt_out_source: Type.Optional(Source),
    opt_out_date: Type.Optional(Type.String()),
    opt_out_reason: Type.Optional(Text(255)),
    confirm_status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('confirmed'), Type.Literal('off')])),
  },
  { additionalProperties: false },
);

const CustomFieldInput = Type.Object({ custom_field_id: Type.String({ minLength: 1, maxLength: 100 }), value: Text(255) }, { additionalProperties: false });
const PhoneInput = Type.Object({ phone_number: Type.String({ minLength: 1, maxLength: 25 }), kind: Type.Optional(Type.String({ maxLength: 20 })) }, { additionalProperties: false });
const AddressInput = Type.Object(
  {
    kind: Type.Optional(Type.String({ maxLength: 20 })),
    street: Type.Optional(Text(255)),
    city: Type.Optional(Text(50)),
    state: Type.Optional(Text(50)),
    postal_code: Type.Optional(Text(50)),
    country: Type.Optional(Text(50)),
  },
  { additionalProperties: false },
);

const commonFields = {
  email_address: Type.Optional(EmailAddressInput),
  first_name: Type.Optional(Text(50)),
  last_name: Type.Optional(Text(50)),
  job_title: Type.Optional(Text(50)),
  company_name: Type.Optional(Text(50)),
  birthday_month: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
  birthday_day: Type.Optional(Type.Integer({ minimum: 1, maximum: 31 })),
  anniversary: Type.Optional(Text(10)),
  custom_fields: Type.Optional(Type.Array(CustomFieldInput, { maxItems: 25 })),
  phone_numbers: Type.Optional(Type.Array(PhoneInput, { maxItems: 3 })),
  street_addresses: Type.Optional(Type.Array(AddressInput, { maxItems: 3 })),
  list_memberships: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
};

/** `POST /v3/contacts`: `create_source` is required. Tags, notes and SMS are not kept by Lethe: refused as unknown fields. */
export const ContactPostBody = Type.Object({ ...commonFields, create_source: Source }, { additionalProperties: false });
/** `PUT /v3/contacts/{id}`: `update_source` is required. */
export const ContactPutBody = Type.Object({ ...commonFields, update_source: Source }, { additionalProperties: false });
/** `POST /v3/contacts/sign_up_form`: by address, onto lists. */
export const SignUpFormBody = Type.Object(
  {
    email_address: Type.String({ maxLength: 80 }),
    first_name: Type.Optional(Text(50)),
    last_name: Type.Optional(Text(50)),
    job_title: Type.Optional(Text(50)),
    company_name: Type.Optional(Text(50)),
    birthday_month: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
    birthday_day: Type.Optional(Type.Integer({ minimum: 1, maximum: 31 })),
    anniversary: Type.Optional(Text(10)),
    phone_number: Type.Optional(Type.String({ maxLength: 25 })),
    custom_fields: Type.Optional(Type.Array(CustomFieldInput, { maxItems: 25 })),
    street_address: Type.Optional(AddressInput),
    list_memberships: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 50 }),
  },
  { additionalProperties: false },
);

export type ContactPost = Static<typeof ContactPostBody>;
export type ContactPut = Static<typeof ContactPutBody>;
export type SignUpForm = Static<typeof SignUpFormBody>;

const Time = Type.String({ format: 'date-time' });
export const ContactResource = Type.Object({
  contact_id: Type.String(),
  email_address: Type.Optional(
    Type.Object({
      address: Type.String(),
      permission_to_send: Type.String(),
      created_at: Time,
      updated_at: Time,
      opt_in_source: Type.Optional(Type.String()),
      opt_in_date: Type.Optional(Time),
      opt_out_source: Type.Optional(Type.String()),
      opt_out_date: Type.Optional(Time),
      opt_out_reason: Type.Optional(Type.String()),
      confirm_status: Type.String(),
    }),
  ),
  first_name: Type.Optional(Type.String()),
  last_name: Type.Optional(Type.String()),
  job_title: Type.Optional(Type.String()),
  company_name: Type.Optional(Type.String()),
  birthday_month: Type.Optional(Type.Integer()),
  birthday_day: Type.Optional(Type.Integer()),
  anniversary: Type.Optional(Type.String()),
  create_source: Type.String(),
  update_source: Type.String(),
  created_at: Time,
  updated_at: Time,
  deleted_at: Type.Optional(Type.String({ format: 'date', description: 'Date only, for deleted contacts' })),
  custom_fields: Type.Optional(Type.Array(Type.Object({ custom_field_id: Type.String(), value: Type.String() }))),
  phone_numbers: Type.Optional(Type.Array(Type.Object({ phone_number: Type.String(), kind: Type.Optional(Type.String()) }))),
  street_addresses: Type.Optional(Type.Array(AddressInput)),
  list_memberships: Type.Optional(Type.Array(Type.String())),
  taggings: Type.Optional(Type.Array(Type.String())),
  notes: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
});

export const iso = (ms: number): string => new Date(ms).toISOString();
/** Constant Contact shows `deleted_at` as a date only (`2015-03-17`), in UTC. */
export const dateOnly = (ms: number): string => iso(ms).slice(0, 10);

function timeOf(field: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseIsoTime(value);
  if (Number.isNaN(ms)) throw invalid(field, `${field} must be an ISO-8601 date-time`);
  return ms;
}

type Body = Omit<ContactPost, 'create_source'>;

/**
 * The Lethe input for a create (`mode: 'create'`) or a PUT (`'replace'`): a PUT clears the
 * top-level fields it omits (names, job, company, birthday, anniversary), keeps the email's
 * permission when it names none and the sub-resources it does not send; the sub-resources
 * it sends replace the stored ones (custom fields, the phone, the address). `existing`:
 * the contact a PUT replaces; `now`: the opt-out time of an unsubscribe that names none.
 */
export function contactInputOf(body: Body, mode: 'create' | 'replace', now: number, existing?: Contact): ContactInput {
  const replace = mode === 'replace';
  const orNull = <T>(value: T | undefined): T | null | undefined => (value === undefined ? (replace ? null : undefined) : value);
  const attributes: Record<string, string | null> = {};
  const setAttribute = (key: string, value: string | number | undefined) => {
    if (value !== undefined) attributes[key] = String(value);
    else if (replace) attributes[key] = null;
  };
  setAttribute(ATTRIBUTE.jobTitle, body.job_title);
  setAttribute(ATTRIBUTE.companyName, body.company_name);
  setAttribute(ATTRIBUTE.birthdayMonth, body.birthday_month);
  setAttribute(ATTRIBUTE.birthdayDay, body.birthday_day);
  setAttribute(ATTRIBUTE.anniversary, body.anniversary);
  const email = body.email_address;
  const input: ContactInput = {
    email: email?.address ?? (replace ? null : undefined),
    firstName: orNull(body.first_name),
    lastName: orNull(body.last_name),
  };
  // The permission is part of the address: a PUT that does not name it keeps the consent on
  // record, and an unsubscribe keeps it too (the opt-out is recorded beside it).
  const permission = email?.permission_to_send;
  if (permission !== undefined && permission !== 'unsubscribed') input.optInStatus = permission;
  if (email) {
    setAttribute(ATTRIBUTE.confirmStatus, email.confirm_status);
    if (email.opt_in_source !== undefined) input.optInSource = email.opt_in_source;
    const optIn = timeOf('email_address.opt_in_date', email.opt_in_date);
    if (optIn !== undefined) input.optInAt = optIn;
    if (email.permission_to_send === 'unsubscribed') {
      input.unsubscribedAt = timeOf('email_address.opt_out_date', email.opt_out_date) ?? existing?.unsubscribedAt ?? now;
      input.unsubscribeSource = email.opt_out_source ?? existing?.unsubscribeSource ?? 'Account';
      if (email.opt_out_reason !== undefined) input.unsubscribeReason = email.opt_out_reason;
    } else if (email.permission_to_send !== undefined) {
      // A permission other than unsubscribed resubscribes (as Constant Contact's PUT does).
      input.unsubscribedAt = null;
      input.unsubscribeSource = null;
      input.unsubscribeReason = null;
    }
  }
  if (body.custom_fields !== undefined) {
    const fields: Record<string, string | null> = {};
    for (const key of Object.keys(existing?.customFields ?? {})) fields[key] = null;
    for (const field of body.custom_fields) fields[field.custom_field_id] = field.value;
    input.customFields = fields;
  }
  if (body.phone_numbers !== undefined) {
    const [phone] = body.phone_numbers;
    input.phone = phone?.phone_number ?? null;
    attributes[ATTRIBUTE.phoneKind] = phone?.kind ?? null;
  }
  if (body.street_addresses !== undefined) {
    const [address] = body.street_addresses;
    const values = [address?.kind, address?.street, address?.city, address?.state, address?.postal_code, address?.country];
    ADDRESS_KEYS.forEach((key, i) => (attributes[key] = values[i] ?? null));
  }
  input.attributes = attributes;
  return input;
}

/** The Lethe input of a sign-up form: only the fields it sends change. */
export function signUpInputOf(body: SignUpForm, now: number): ContactInput {
  const input = contactInputOf(
    {
      email_address: { address: body.email_address },
      ...(body.first_name !== undefined ? { first_name: body.first_name } : {}),
      ...(body.last_name !== undefined ? { last_name: body.last_name } : {}),
      ...(body.job_title !== undefined ? { job_title: body.job_title } : {}),
      ...(body.company_name !== undefined ? { company_name: body.company_name } : {}),
      ...(body.birthday_month !== undefined ? { birthday_month: body.birthday_month } : {}),
      ...(body.birthday_day !== undefined ? { birthday_day: body.birthday_day } : {}),
      ...(body.anniversary !== undefined ? { anniversary: body.anniversary } : {}),
      ...(body.phone_number !== undefined ? { phone_numbers: [{ phone_number: body.phone_number }] } : {}),
      ...(body.street_address !== undefined ? { street_addresses: [body.street_address] } : {}),
    },
    'create',
    now,
  );
  if (body.custom_fields !== undefined) input.customFields = Object.fromEntries(body.custom_fields.map((f) => [f.custom_field_id, f.value]));
  return input;
}

const sourceOf = (source: string | null): string => ((SOURCES as readonly string[]).includes(source ?? '') ? (source as string) : 'Account');

/** The permission Constant Contact shows: unsubscribed when the contact is, else its opt-in status if it is one of Constant Contact's. */
export function permissionOf(contact: Contact): string {
  if (contact.unsubscribedAt !== null) return 'unsubscribed';
  return (PERMISSIONS as readonly string[]).includes(contact.optInStatus ?? '') ? (contact.optInStatus as string) : 'implicit';
}

const int = (value: string | undefined): number | undefined => (value !== undefined && /^\d{1,2}$/.test(value) ? Number(value) : undefined);

/** A contact as Constant Contact shows it; `listUuids` maps Lethe list ids to their uuids. */
export function presentContact(contact: Contact, include: ReadonlySet<Include>, listUuids: ReadonlyMap<number, string>): Static<typeof ContactResource> {
  const a: Attributes = contact.attributes;
  const shown: Static<typeof ContactResource> = {
    contact_id: contact.uuid,
    ...(contact.email !== null
      ? {
          email_address: {
            address: contact.email,
            permission_to_send: permissionOf(contact),
            created_at: iso(contact.createdAt),
            updated_at: iso(contact.updatedAt),
            ...(contact.optInSource !== null ? { opt_in_source: sourceOf(contact.optInSource) } : {}),
            ...(contact.optInAt !== null ? { opt_in_date: iso(contact.optInAt) } : {}),
            ...(contact.unsubscribedAt !== null ? { opt_out_source: sourceOf(contact.unsubscribeSource), opt_out_date: iso(contact.unsubscribedAt) } : {}),
            ...(contact.unsubscribedAt !== null && contact.unsubscribeReason !== null ? { opt_out_reason: contact.unsubscribeReason } : {}),
            confirm_status: a[ATTRIBUTE.confirmStatus] ?? 'off',
          },
        }
      : {}),
    ...(contact.firstName !== null ? { first_name: contact.firstName } : {}),
    ...(contact.lastName !== null ? { last_name: contact.lastName } : {}),
    ...(a[ATTRIBUTE.jobTitle] !== undefined ? { job_title: a[ATTRIBUTE.jobTitle] } : {}),
    ...(a[ATTRIBUTE.companyName] !== undefined ? { company_name: a[ATTRIBUTE.companyName] } : {}),
    ...(int(a[ATTRIBUTE.birthdayMonth]) !== undefined ? { birthday_month: int(a[ATTRIBUTE.birthdayMonth]) as number } : {}),
    ...(int(a[ATTRIBUTE.birthdayDay]) !== undefined ? { birthday_day: int(a[ATTRIBUTE.birthdayDay]) as number } : {}),
    ...(a[ATTRIBUTE.anniversary] !== undefined ? { anniversary: a[ATTRIBUTE.anniversary] } : {}),
    create_source: sourceOf(contact.createSource),
    update_source: sourceOf(contact.updateSource),
    created_at: iso(contact.createdAt),
    updated_at: iso(contact.updatedAt),
    ...(contact.status === 'deleted' && contact.deletedAt !== null ? { deleted_at: dateOnly(contact.deletedAt) } : {}),
  };
  if (include.has('custom_fields')) shown.custom_fields = Object.entries(contact.customFields).map(([id, value]) => ({ custom_field_id: id, value: String(value) }));
  if (include.has('phone_numbers')) shown.phone_numbers = contact.phone === null ? [] : [{ phone_number: contact.phone, ...(a[ATTRIBUTE.phoneKind] ? { kind: a[ATTRIBUTE.phoneKind] } : {}) }];
  if (include.has('street_addresses')) {
    const has = ADDRESS_KEYS.some((key) => a[key] !== undefined);
    shown.street_addresses = has
      ? [
          {
            ...(a[ATTRIBUTE.addressKind] !== undefined ? { kind: a[ATTRIBUTE.addressKind] } : {}),
            ...(a[ATTRIBUTE.street] !== undefined ? { street: a[ATTRIBUTE.street] } : {}),
            ...(a[ATTRIBUTE.city] !== undefined ? { city: a[ATTRIBUTE.city] } : {}),
            ...(a[ATTRIBUTE.state] !== undefined ? { state: a[ATTRIBUTE.state] } : {}),
            ...(a[ATTRIBUTE.postalCode] !== undefined ? { postal_code: a[ATTRIBUTE.postalCode] } : {}),
            ...(a[ATTRIBUTE.country] !== undefined ? { country: a[ATTRIBUTE.country] } : {}),
          },
        ]
      : [];
  }
  if (include.has('list_memberships')) shown.list_memberships = contact.listIds.flatMap((id) => (listUuids.has(id) ? [listUuids.get(id) as string] : []));
  if (include.has('taggings')) shown.taggings = [];
  if (include.has('notes')) shown.notes = [];
  return shown;
}

/** The `include` parameter: a comma list of sub-resources; 400 naming an unknown one. */
export function includesOf(value: string | undefined): Set<Include> {
  const parts = (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const part of parts) if (!(INCLUDES as readonly string[]).includes(part)) throw invalid('include', `include is a comma list of ${INCLUDES.join(', ')}`);
  return new Set(parts as Include[]);
}
