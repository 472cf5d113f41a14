/**
 * Structural validity of an email address: what a mail system could accept,
 * without DNS. Local part and domain per RFC 5321 limits; no whitespace, one @,
 * a dotted domain of letters, digits and hyphens (or IDN labels).
 */
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const LABEL = /^(?!-)[A-Za-z0-9\u00a1-\uffff-]{1,63}(?<!-)$/;

/**
 * One rule for every address Lethe is given (contacts, imports, lookups, events, operations):
 * surrounding spaces are not part of it. A string is trimmed; anything else is left as it is
 * (and then refused by `isValidEmail`).
 */
export const cleanEmail = <T>(value: T): T => (typeof value === 'string' ? (value.trim() as T) : value);

export function isValidEmail(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) return false;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  return labels.every((label) => LABEL.test(label)) && !/^[0-9]+$/.test(labels[labels.length - 1] ?? '');
}
