import { AppError } from '../errors.js';

/**
 * Lethe's scopes. `admin` implies every other scope. Each route names the one it needs,
 * and core's use cases check the ones an action needs (see `scopeForAction`), so that no
 * surface can forget them.
 * - read:   read contacts, lists, events, operations, receipts
 * - write:  create and change contacts, lists, memberships, events; imports
 * - delete: soft delete and restore
 * - erase:  erase and purge (irreversible)
 * - admin:  accounts, sub-accounts, keys, settings, audit
 */
export const SCOPES = ['read', 'write', 'delete', 'erase', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const isScope = (value: string): value is Scope => (SCOPES as readonly string[]).includes(value);

export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  return granted.includes('admin') || granted.includes(needed);
}

/** Throws `FORBIDDEN` unless the granted scopes include `needed` (or `admin`). */
export function requireScope(granted: { scopes: readonly Scope[] }, needed: Scope): void {
  if (!hasScope(granted.scopes, needed)) throw new AppError('FORBIDDEN', `this key lacks the "${needed}" scope`);
}

/** Throws `FORBIDDEN` unless the granted scopes include one of `anyOf`. */
export function requireAnyScope(granted: { scopes: readonly Scope[] }, anyOf: readonly Scope[]): void {
  if (anyOf.length === 1) return requireScope(granted, anyOf[0] as Scope);
  if (!anyOf.some((s) => hasScope(granted.scopes, s))) throw new AppError('FORBIDDEN', `this key lacks any of the scopes ${anyOf.map((s) => `"${s}"`).join(', ')}`);
}
