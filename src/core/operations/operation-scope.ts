import type { Scope } from '../keys/scopes.js';

/**
 * The scope an operation's action needs, whichever surface asks: a dry run changes nothing
 * and tells no more than a `read` key can already learn; soft delete and restore need
 * `delete`; erase and purge `erase`; an access request's export `read`; any other kind of
 * work (imports) `write`. Canceling an
 * operation needs the scope that starting it needed.
 */
export function scopeForAction(action: string, dryRun: boolean): Scope {
  if (dryRun) return 'read';
  if (action === 'soft_delete' || action === 'restore') return 'delete';
  if (action === 'erase' || action === 'purge') return 'erase';
  if (action === 'export') return 'read';
  return 'write';
}

/** Every scope that can start some operation: the gate a route opens before its body is read. */
export const ANY_OPERATION_SCOPE: readonly Scope[] = ['read', 'write', 'delete', 'erase'];
