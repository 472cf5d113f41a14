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

/** Attribute names, as the contact rules have them (lower-case). */
const ATTRIBUTE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

export const CUSTOM_PREFIX = 'custom.';
export const ATTRIBUTE_PREFIX = 'attributes.';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A column of a CSV header: a field, a custom field or an attribute. */
export type Column = { kind: 'field'; name: string } | { kind: 'custom'; name: string } | { kind: 'attribute'; name: string };

/** `First Name`, `first-name`, ` FIRST_NAME ` → `first_name`. */
const fieldNameOf = (text: string): string => text.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** Edit distance, for "did you mean" (names are short). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** The known field a near miss (`emial`, `firstname`) was probably meant to be. */
export function suggestField(name: string): string | undefined {
  const plain = name.replace(/_/g, '');
  let best: { field: string; d: number } | undefined;
  for (const field of IMPORT_FIELDS) {
    const d = Math.min(distance(name, field), distance(plain, field.replace(/_/g, '')));
    if (d <= Math.max(2, Math.floor(field.length / 4)) && (!best || d < best.d)) best = { field, d };
  }
  return best?.field;
}

/**
 * Reads a CSV header. Field names are matched case-insensitively, with spaces and hyphens
 * read as underscores (`Email`, `First Name` → `first_name`); custom field names keep their
 * case; attribute names are lower-cased the same way (`attributes.Country` → `country`), as
 * every attribute name is. Returns the columns, or the problems (unknown, repeated or
 * badly named columns, with a "did you mean" for near misses) that make the file unusable
 * before anything is stored.
 */
export function columnsOf(header: readonly string[]): { columns: Column[]; problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  const columns = header.map((raw, index): Column => {
    const text = raw.trim();
    const lower = text.toLowerCase();
    const field = fieldNameOf(text);
    let column: Column;
    if (lower.startsWith(CUSTOM_PREFIX) && text.length > CUSTOM_PREFIX.length) column = { kind: 'custom', name: text.slice(CUSTOM_PREFIX.length) };
    else if (lower.startsWith(ATTRIBUTE_PREFIX) && text.length > ATTRIBUTE_PREFIX.length) {
      const name = fieldNameOf(text.slice(ATTRIBUTE_PREFIX.length));
      if (!ATTRIBUTE_NAME.test(name)) {
        problems.push({ field: 'csv', message: `column ${index + 1} of the header: attribute names are letters, digits and underscores (at most 64), starting with a letter` });
      }
      column = { kind: 'attribute', name };
    } else if (IMPORT_FIELDS.includes(field)) column = { kind: 'field', name: field };
    else {
      // The header names no person, but it may be a data row by mistake: name the position
      // (and a known field it resembles), never the text.
      const hint = suggestField(field);
      problems.push({
        field: 'csv',
        message: `column ${index + 1} of the header is not a known field${hint ? ` (did you mean ${hint}?)` : ''}: use ${IMPORT_FIELDS.join(', ')}, custom.<name> or attributes.<name>`,
      });
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

/** A CSV line whose cells do not match the header: one invalid row (its cells are not kept). */
export const MALFORMED_CSV_LINE = 'lethe:malformed-csv-line';

const BOOLEANS: Record<string, boolean> = { true: true, false: false, yes: true, no: false, '1': true, '0': false };

/**
 * The contact input of a stored row, or the first problem with it. Types are checked
 * here; lengths and formats by the contact rules the bulk upsert applies. Messages
 * name the field, never the value.
 */
export function inputOfRow(row: unknown): { input: ContactInput } | { problem: ErrorDetail } {
  if (row === MALFORMED_CSV_LINE) return { problem: { field: 'csv', message: 'the line has more or fewer cells than the header names columns' } };
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
