/**
 * Lethe's scopes. `admin` implies every other scope. Each route names the one it needs.
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
