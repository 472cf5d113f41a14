import { isIP } from 'node:net';
import { normalizeEmail } from '../crypto.js';
import { cleanEmail, isValidEmail } from '../email.js';
import { hasControlChars } from '../text.js';
import type { ErrorDetail } from '../errors.js';
import type { ContactInput, ContactRecord, CustomFields, Attributes } from './contact.js';

/**
 * Limits on a contact's values. Generous enough for every vendor Lethe speaks for
 * (Constant Contact caps custom values at 255 characters, SendGrid at 1,000), small
 * enough that one contact cannot fill a page of the database.
 */
export const CONTACT_LIMITS = {
  externalKey: 255,
  name: 255,
  phone: 64,
  source: 64,
  optInStatus: 64,
  unsubscribeReason: 1000,
  customFieldKeys: 100,
  customFieldKeyLength: 100,
  customFieldValueLength: 2000,
  /** Serialized size of all custom fields of a contact, in characters. */
  customFieldsSize: 32_768,
  attributeKeys: 50,
  attributeValueLength: 1000,
} as const;

/**
 * Names no custom field or attribute may take: copied into an ordinary object, `__proto__`
 * would replace its prototype (and vanish), and `constructor` and `prototype` pass `in`
 * checks of any object. Refused with a clear message rather than dropped.
 */
export const RESERVED_FIELD_NAMES: readonly string[] = ['__proto__', 'constructor', 'prototype'];
const reserved = (name: string): boolean => RESERVED_FIELD_NAMES.includes(name);

/** Attribute names are the vendors' reserved field names: `address_line_1`, `city`, `postal_code`. */
export const ATTRIBUTE_KEY = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_TIME = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

type Text = keyof Pick<ContactInput, 'externalKey' | 'firstName' | 'lastName' | 'phone' | 'optInStatus' | 'optInSource' | 'unsubscribeSource' | 'unsubscribeReason'>;

const TEXT_FIELDS: ReadonlyArray<[Text, string, number]> = [
  ['externalKey', 'external_key', CONTACT_LIMITS.externalKey],
  ['firstName', 'first_name', CONTACT_LIMITS.name],
  ['lastName', 'last_name', CONTACT_LIMITS.name],
  ['phone', 'phone', CONTACT_LIMITS.phone],
  ['optInStatus', 'opt_in_status', CONTACT_LIMITS.optInStatus],
  ['optInSource', 'opt_in_source', CONTACT_LIMITS.source],
  ['unsubscribeSource', 'unsubscribe_source', CONTACT_LIMITS.source],
  ['unsubscribeReason', 'unsubscribe_reason', CONTACT_LIMITS.unsubscribeReason],
];

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isValidTime = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_TIME;

/**
 * Checks a contact input field by field and returns every problem (empty when valid).
 * Messages name the field and the rule, never the value: they may reach logs of clients.
 */
export function contactInputProblems(input: ContactInput, prefix = ''): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const problem = (field: string, message: string) => problems.push({ field: prefix + field, message: `${prefix + field} ${message}` });

  if (input.email !== undefined && input.email !== null && !isValidEmail(cleanEmail(input.email))) problem('email', 'is not a valid email address');
  for (const [key, field, max] of TEXT_FIELDS) {
    const value = input[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') problem(field, 'must be a string');
    else if (value.length > max) problem(field, `must be at most ${max} characters`);
    else if (key === 'externalKey' && (value.trim() === '' || hasControlChars(value))) problem(field, 'must be non-blank text without control characters');
    else if (hasControlChars(value, { freeText: key === 'unsubscribeReason' })) problem(field, 'must not contain control characters');
  }
  if (input.optInIp !== undefined && input.optInIp !== null && (typeof input.optInIp !== 'string' || isIP(input.optInIp) === 0)) problem('opt_in_ip', 'must be an IPv4 or IPv6 address');
  if (input.optInAt !== undefined && input.optInAt !== null && !isValidTime(input.optInAt)) problem('opt_in_at', 'must be a valid time');
  if (input.unsubscribedAt !== undefined && input.unsubscribedAt !== null && !isValidTime(input.unsubscribedAt)) problem('unsubscribed_at', 'must be a valid time');
  if (input.excludedFromCampaigns !== undefined && typeof input.excludedFromCampaigns !== 'boolean') problem('excluded_from_campaigns', 'must be true or false');

  // Keys, then a lookup per key, rather than Object.entries: an import checks this per row.
  if (input.customFields !== undefined && input.customFields !== null) {
    if (!isPlainObject(input.customFields)) problem('custom_fields', 'must be an object');
    else {
      const fields = input.customFields;
      const keys = Object.keys(fields);
      if (keys.length > CONTACT_LIMITS.customFieldKeys) problem('custom_fields', `may hold at most ${CONTACT_LIMITS.customFieldKeys} fields`);
      for (const key of keys) {
        const value = fields[key];
        if (reserved(key)) {
          problem('custom_fields', `names may not be ${RESERVED_FIELD_NAMES.join(', ')}`);
        } else if (key.length === 0 || key.length > CONTACT_LIMITS.customFieldKeyLength || hasControlChars(key)) {
          problem('custom_fields', `names are 1 to ${CONTACT_LIMITS.customFieldKeyLength} characters without control characters`);
        } else if (value !== null && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value)) && typeof value !== 'string') {
          problem(`custom_fields.${key}`, 'must be a string, a number, a boolean or null');
        } else if (typeof value === 'string' && value.length > CONTACT_LIMITS.customFieldValueLength) {
          problem(`custom_fields.${key}`, `must be at most ${CONTACT_LIMITS.customFieldValueLength} characters`);
        } else if (typeof value === 'string' && hasControlChars(value, { freeText: true })) {
          problem(`custom_fields.${key}`, 'must not contain control characters');
        }
      }
    }
  }
  if (input.attributes !== undefined && input.attributes !== null) {
    if (!isPlainObject(input.attributes)) problem('attributes', 'must be an object');
    else {
      const attributes = input.attributes;
      const keys = Object.keys(attributes);
      if (keys.length > CONTACT_LIMITS.attributeKeys) problem('attributes', `may hold at most ${CONTACT_LIMITS.attributeKeys} fields`);
      for (const key of keys) {
        const value = attributes[key];
        if (reserved(key)) problem('attributes', `names may not be ${RESERVED_FIELD_NAMES.join(', ')}`);
        else if (!ATTRIBUTE_KEY.test(key)) problem('attributes', 'names are lower-case letters, digits and underscores (at most 64), starting with a letter');
        else if (value !== null && typeof value !== 'string') problem(`attributes.${key}`, 'must be a string or null');
        else if (typeof value === 'string' && value.length > CONTACT_LIMITS.attributeValueLength) problem(`attributes.${key}`, `must be at most ${CONTACT_LIMITS.attributeValueLength} characters`);
        else if (typeof value === 'string' && hasControlChars(value, { freeText: true })) problem(`attributes.${key}`, 'must not contain control characters');
      }
    }
  }
  return problems;
}

/** Problems of a record after a merge: limits that only the result can break, and the need for an identity. */
export function recordProblems(record: ContactRecord, prefix = ''): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (record.email === null && record.externalKey === null) {
    problems.push({ field: `${prefix}email`, message: `a contact needs an ${prefix}email or an ${prefix}external_key` });
  }
  if (Object.keys(record.customFields).length > CONTACT_LIMITS.customFieldKeys) {
    problems.push({ field: `${prefix}custom_fields`, message: `${prefix}custom_fields may hold at most ${CONTACT_LIMITS.customFieldKeys} fields` });
  } else if (JSON.stringify(record.customFields).length > CONTACT_LIMITS.customFieldsSize) {
    problems.push({ field: `${prefix}custom_fields`, message: `${prefix}custom_fields may take at most ${CONTACT_LIMITS.customFieldsSize} characters in all` });
  }
  if (Object.keys(record.attributes).length > CONTACT_LIMITS.attributeKeys) {
    problems.push({ field: `${prefix}attributes`, message: `${prefix}attributes may hold at most ${CONTACT_LIMITS.attributeKeys} fields` });
  }
  return problems;
}

/** A merge into a null-prototype object: no name, however odd, reaches a prototype. */
function mergeObject<V>(base: Record<string, V> | undefined, patch: Record<string, V | null> | null | undefined): Record<string, V> {
  if (patch === undefined) return base ?? {};
  if (patch === null) return {};
  const merged = Object.assign(Object.create(null) as Record<string, V>, base);
  for (const key of Object.keys(patch)) {
    const value = patch[key] as V | null;
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

const pick = <T>(given: T | undefined, current: T): T => (given === undefined ? current : given);

/**
 * The record after applying an input: to `base` (an existing contact) or to an empty
 * contact with `uuid`. Pure; the input must have passed `contactInputProblems`.
 */
export function applyContactInput(base: Omit<ContactRecord, 'emailNorm'> | undefined, input: ContactInput, at: { now: number; source: string; uuid: string }): ContactRecord {
  const email = pick(cleanEmail(input.email), base?.email ?? null);
  return {
    uuid: base?.uuid ?? at.uuid,
    externalKey: pick(input.externalKey, base?.externalKey ?? null),
    email,
    emailNorm: email === null ? null : normalizeEmail(email),
    firstName: pick(input.firstName, base?.firstName ?? null),
    lastName: pick(input.lastName, base?.lastName ?? null),
    phone: pick(input.phone, base?.phone ?? null),
    customFields: mergeObject<CustomFields[string]>(base?.customFields, input.customFields),
    attributes: mergeObject<Attributes[string]>(base?.attributes, input.attributes),
    createSource: base ? base.createSource : at.source,
    updateSource: at.source,
    optInStatus: pick(input.optInStatus, base?.optInStatus ?? null),
    optInAt: pick(input.optInAt, base?.optInAt ?? null),
    optInSource: pick(input.optInSource, base?.optInSource ?? null),
    optInIp: pick(input.optInIp, base?.optInIp ?? null),
    excludedFromCampaigns: pick(input.excludedFromCampaigns, base?.excludedFromCampaigns ?? false),
    unsubscribedAt: pick(input.unsubscribedAt, base?.unsubscribedAt ?? null),
    unsubscribeSource: pick(input.unsubscribeSource, base?.unsubscribeSource ?? null),
    unsubscribeReason: pick(input.unsubscribeReason, base?.unsubscribeReason ?? null),
    createdAt: base?.createdAt ?? at.now,
    updatedAt: at.now,
  };
}
