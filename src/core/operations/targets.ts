import { normalizeEmail } from '../crypto.js';
import type { KeyedHasher } from '../crypto.js';
import { isValidEmail } from '../email.js';
import { isUuid } from '../refs.js';
import { hasControlChars } from '../text.js';
import type { NewTarget, ValueSelectorKind } from './operation.js';

const MAX_EXTERNAL_KEY = 255;

/** A value in the form the store compares, or why it is invalid. */
function normalize(kind: ValueSelectorKind, value: unknown): { value: string } | { problem: string } {
  switch (kind) {
    case 'ids':
      if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return { value: String(value) };
      if (typeof value === 'string' && /^[1-9][0-9]{0,15}$/.test(value) && Number.isSafeInteger(Number(value))) return { value };
      return { problem: 'not a contact id (a positive integer)' };
    case 'uuids':
      if (typeof value === 'string' && isUuid(value.trim())) return { value: value.trim().toLowerCase() };
      return { problem: 'not a uuid' };
    case 'external_keys':
      if (typeof value === 'string' && value.length > 0 && value.length <= MAX_EXTERNAL_KEY && !hasControlChars(value)) return { value };
      return { problem: `not an external key (1 to ${MAX_EXTERNAL_KEY} characters, no control characters)` };
    case 'emails':
      if (isValidEmail(typeof value === 'string' ? value.trim() : value)) return { value: normalizeEmail(value as string) };
      return { problem: 'not a valid email address' };
  }
}

/** The keyed hash a target keeps once its value is forgotten. */
export const targetHash = (hasher: KeyedHasher, kind: ValueSelectorKind, value: string): string => hasher.hash('operation-target', `${kind}:${value}`);

export interface PreparedTargets {
  targets: NewTarget[];
  invalid: number;
  duplicates: number;
}

/**
 * Turns a request's raw values into target rows: normalized, without repeats (counted
 * as duplicates), invalid ones kept as settled rows with the reason (and no value).
 */
export function prepareTargets(kind: ValueSelectorKind, values: readonly unknown[]): PreparedTargets {
  const seen = new Set<string>();
  const targets: NewTarget[] = [];
  let invalid = 0;
  let duplicates = 0;
  values.forEach((raw, index) => {
    const result = normalize(kind, raw);
    if ('problem' in result) {
      invalid++;
      targets.push({ seq: targets.length + 1, value: null, valueHash: null, outcome: 'invalid', detail: `values[${index}]: ${result.problem}` });
      return;
    }
    if (seen.has(result.value)) {
      duplicates++;
      return;
    }
    seen.add(result.value);
    // The keyed hash is computed when the target is processed (in its chunk's transaction),
    // which keeps creating a million-target operation fast.
    targets.push({ seq: targets.length + 1, value: result.value, valueHash: null, outcome: 'pending', detail: null });
  });
  return { targets, invalid, duplicates };
}
