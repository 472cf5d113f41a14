import type { Scope } from '../../../core/keys/scopes.js';
import { SCOPES } from '../../../core/keys/scopes.js';

/**
 * SendGrid's names for what a Lethe scope allows. SendGrid's contact delete is
 * permanent, so it needs Lethe's `erase` scope, as the erase job does; Lethe's
 * `delete` (soft delete, restorable) has nothing to do on this surface.
 */
export const SENDGRID_SCOPES_OF: Record<Scope, readonly string[]> = {
  read: ['marketing.read', 'recipients.erasejob.read'],
  write: ['marketing.write'],
  delete: [],
  erase: ['marketing.delete', 'recipients.erasejob.create'],
  admin: ['scopes.read'],
};

/** The SendGrid scopes a key holds, sorted (admin holds every scope). */
export function sendgridScopesOf(scopes: readonly Scope[]): string[] {
  const granted = scopes.includes('admin') ? SCOPES : scopes;
  return [...new Set(granted.flatMap((scope) => SENDGRID_SCOPES_OF[scope]))].sort();
}
