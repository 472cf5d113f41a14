import { CONTACT_TEXT_FIELDS as TEXT_FIELDS, CONTACT_TIME_FIELDS as TIME_FIELDS } from '../contacts/contact.js';
import type { ContactInput, CustomFieldValue } from '../contacts/contact.js';
import { RESERVED_FIELD_NAMES } from '../contacts/contact-input.js';
import type { ErrorDetail } from '../errors.js';

/**
 * The import file format, one contact per row, the same for CSV and JSON: snake_case
 * names as in the /v1 contact body. In CSV, a custom field is a column `custom.<name>`
 * and an attribute a column `attributes.<name>`; in JSON they are the objects
 * `custom_fields` and `attributes`. Rows are stored as this JSON until processed.
 *
 * Unknown CSV columns are refused (400) rather than turned into custom fields: a typo
 * such as `emial` must not silently import every address as a custom field.
 */
export type ImportRow = Record<string, unknown>;


/** Every column a CSV header may name, besides `custom.<name>` and `attributes.<name>`. */
export const IMPORT_FIELDS: readonly string[] = [...Object.keys(TEXT_FIELDS), ...Object.keys(TIME_FIELDS), 'excluded_from_campaigns'];

export const CUSTOM_PREFIX = 'custom.';
export const ATTRIBUTE_PREFIX = 'attributes.';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A column of a CSV header: a field, a custom field or an attribute. */
export type Column = { kind: 'field'; name: string } | { kind: 'custom'; name: string } | { kind: 'attribute'; name: string };

/**
 * Reads a CSV header. Names are matched case-insensitively after trimming (`Email`,
 * ` first_name `); custom field and attribute names keep their case. Returns the
 * columns, or the problems (unknown or repeated columns) that make the file unusable.
 */
export function columnsOf(header: readonly string[]): { columns: Column[]; problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  const columns = header.map((raw, index): Column => {
    const text = raw.trim();
    const lower = text.toLowerCase();
    let column: Column;
    if (lower.startsWith(CUSTOM_PREFIX) && text.length > CUSTOM_PREFIX.length) column = { kind: 'custom', name: text.slice(CUSTOM_PREFIX.length) };
    else if (lower.startsWith(ATTRIBUTE_PREFIX) && text.length > ATTRIBUTE_PREFIX.length) column = { kind: 'attribute', name: text.slice(ATTRIBUTE_PREFIX.length) };
    else if (IMPORT_FIELDS.includes(lower)) column = { kind: 'field', name: lower };
    else {
      // The header names no person, but it may be a data row by mistake: name the position only.
      problems.push({ field: 'csv', message: `column ${index + 1} of the header is not a known field: use ${IMPORT_FIELDS.join(', ')}, custom.<name> or attributes.<name>` });
      column = { kind: 'field', name: '' };
    }
    if (column.kind !== 'field' && RESERVED_FIELD_NAMES.includes(column.name)) {
      problems.push({ field: 'csv', message: `column ${index + 1} of the header names a field ${RESERVED_FIELD_NAMES.join(', ')}: these names are refused` });
    }
    const key = `${column.kind}:${column.name}`;
    if (column.name !== '' && seen.has(key)) problems.push({ field: 'csv', message: `column ${index + 1} of the header repeats another column` });
    seen.add(key);
    return column;
  });
  return { columns, problems };
}

/**
 * The stored row of a CSV record. An empty cell leaves the field out (it does not clear
 * it): a CSV cannot tell an empty value from a missing one.
 */
export function rowOfRecord(columns: readonly Column[], record: readonly string[]): ImportRow {
  // Plain objects are safe here: columnsOf refuses `__proto__` (and the other reserved names) as a column.
  const row: ImportRow = {};
  let custom: Record<string, string> | undefined;
  let attributes: Record<string, string> | undefined;
  columns.forEach((column, index) => {
    const value = record[index];
    if (value === undefined || value === '' || column.name === '') return;
    if (column.kind === 'field') row[column.name] = value;
    else if (column.kind === 'custom') (custom ??= {})[column.name] = value;
    else (attributes ??= {})[column.name] = value;
  });
  if (custom) row.custom_fields = custom;
  if (attributes) row.attributes = attributes;
  return row;
}

const BOOLEANS: Record<string, boolean> = { true: true, false: false, yes: true, no: false, '1': true, '0': false };

/**
 * The contact input of a stored row, or the first problem with it. Types are checked
 * here; lengths and formats by the contact rules the bulk upsert applies. Messages
 * name the field, never the value.
 */
export function inputOfRow(row: unknown): { input: ContactInput } | { problem: ErrorDetail } {
  if (!isPlainObject(row)) return { problem: { field: 'row', message: 'a row must be an object' } };
  const input: ContactInput = {};
  for (const name of Object.keys(row)) {
    const value = row[name];
    // Own names only: `constructor` or `toString` is `in` every object.
    if (Object.hasOwn(TEXT_FIELDS, name)) {
      if (value !== null && typeof value !== 'string') return { problem: { field: name, message: `${name} must be a string` } };
      input[TEXT_FIELDS[name as keyof typeof TEXT_FIELDS]] = value;
    } else if (Object.hasOwn(TIME_FIELDS, name)) {
      if (value === null) input[TIME_FIELDS[name as keyof typeof TIME_FIELDS]] = null;
      else {
        const ms = typeof value === 'string' && ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
        if (Number.isNaN(ms)) return { problem: { field: name, message: `${name} must be an ISO 8601 date or date-time` } };
        input[TIME_FIELDS[name as keyof typeof TIME_FIELDS]] = ms;
      }
    } else if (name === 'excluded_from_campaigns') {
      const flag = typeof value === 'boolean' ? value : typeof value === 'string' ? BOOLEANS[value.trim().toLowerCase()] : undefined;
      if (flag === undefined) return { problem: { field: name, message: `${name} must be true or false` } };
      input.excludedFromCampaigns = flag;
    } else if (name === 'custom_fields') {
      if (value !== null && !isPlainObject(value)) return { problem: { field: name, message: `${name} must be an object` } };
      input.customFields = value as Record<string, CustomFieldValue | null> | null;
    } else if (name === 'attributes') {
      if (value !== null && !isPlainObject(value)) return { problem: { field: name, message: `${name} must be an object` } };
      input.attributes = value as Record<string, string | null> | null;
    } else {
      return { problem: { field: 'row', message: 'the row has a field that is not a contact field' } };
    }
  }
  return { input };
}
