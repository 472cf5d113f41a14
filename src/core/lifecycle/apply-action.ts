import type { Account } from '../accounts/account.js';
import { DAY_MS } from '../clock.js';
import type { ContactStatus } from '../contacts/contact.js';
import type { KeyedHasher } from '../crypto.js';
import type { OperationAction } from '../operations/operation.js';
import { erasedAddressHash } from '../reimport/erased-address.js';
import { emitEvent } from '../webhooks/emit.js';
import type { Repositories } from '../ports.js';
import type { LifecycleContact } from './lifecycle.js';

/** The statuses each action changes; a contact in another status is skipped. */
export const ELIGIBLE: Record<OperationAction, readonly ContactStatus[]> = {
  soft_delete: ['active'],
  restore: ['deleted'],
  erase: ['active', 'deleted'],
  purge: ['active', 'deleted', 'erased'],
};

const SKIP_REASON: Record<OperationAction, Partial<Record<ContactStatus, string>>> = {
  soft_delete: { deleted: 'already deleted', erased: 'erased' },
  restore: { active: 'not deleted', erased: 'erased: cannot be restored' },
  erase: { erased: 'already erased' },
  purge: {},
};

/**
 * The placeholder an erased contact keeps in email_norm: a keyed hash (HMAC with the
 * server's secret) of the address it had. A plain hash could be reversed by guessing.
 * The `.invalid` domain (RFC 2606) can never be a real address.
 */
export const placeholderEmail = (hasher: KeyedHasher, emailNorm: string): string => `\\x${hasher.hash('erased-email', emailNorm).slice(0, 40)}@domain.invalid`;

/** When a soft-deleted contact is purged: unset window → kept until restored; -1 → at once. */
export function softDeletePurgeAt(account: Pick<Account, 'restoreWindowDays'>, now: number): number | null {
  if (account.restoreWindowDays === null) return null;
  if (account.restoreWindowDays < 0) return now;
  return now + account.restoreWindowDays * DAY_MS;
}

/** Whether a soft delete made now purges at once (restore window -1). */
export function softDeletePurgesAtOnce(account: Pick<Account, 'restoreWindowDays'>, now: number): boolean {
  const purgeAt = softDeletePurgeAt(account, now);
  return purgeAt !== null && purgeAt <= now;
}

/** When an erased shell is purged: retention 0 → at once. */
export const erasePurgeAt = (account: Pick<Account, 'retentionDays'>, now: number): number => now + Math.max(0, account.retentionDays) * DAY_MS;

export interface ActionOptions {
  now: number;
  dryRun: boolean;
  restoreToLists: readonly number[];
  /** soft_delete: purge instead, as decided when the operation was requested (default: the account's window now). */
  purgesAtOnce?: boolean;
  /** soft_delete: the window (days; -1 none) decided when the operation was requested, instead of the account's restore window now. */
  windowDays?: number;
  /** erase: the operation erasing, recorded with each erased address's suppression. */
  operationId?: number | null;
}

export interface ActionResult {
  /** Contacts the action changed (or would change, in a dry run). */
  done: LifecycleContact[];
  /** Contacts left as they were, with the reason. */
  skipped: Array<{ contact: LifecycleContact; reason: string }>;
  /** True when rows were deleted or personal data removed: storage must be scrubbed afterwards. */
  removedData: boolean;
}

/**
 * Applies one action to one bounded chunk of contacts, set-based, inside the caller's
 * transaction. A soft delete with a restore window of -1, and an erase with a retention
 * of 0, purge at once.
 */
export async function applyAction(
  tx: Repositories,
  hasher: KeyedHasher,
  account: Account,
  action: OperationAction,
  contacts: readonly LifecycleContact[],
  options: ActionOptions,
): Promise<ActionResult> {
  const eligible = ELIGIBLE[action];
  const done: LifecycleContact[] = [];
  const skipped: ActionResult['skipped'] = [];
  for (const contact of contacts) {
    if (eligible.includes(contact.status)) done.push(contact);
    else skipped.push({ contact, reason: SKIP_REASON[action][contact.status] ?? 'not eligible' });
  }
  if (done.length === 0 || options.dryRun) return { done, skipped, removedData: false };
  const ids = done.map((c) => c.id);
  const { now } = options;
  switch (action) {
    case 'soft_delete': {
      if (options.purgesAtOnce ?? softDeletePurgesAtOnce(account, now)) {
        await tx.lifecycle.purge(account.id, ids);
        return { done, skipped, removedData: true };
      }
      // Never before now: a window shortened to -1 since the request leaves the contact for the scheduler's purge.
      const purgeAt = softDeletePurgeAt(options.windowDays === undefined ? account : { restoreWindowDays: options.windowDays }, now);
      await tx.lifecycle.softDelete(account.id, ids, now, purgeAt);
      return { done, skipped, removedData: false };
    }
    case 'restore':
      await tx.lifecycle.restore(account.id, ids, now, options.restoreToLists);
      return { done, skipped, removedData: false };
    case 'erase': {
      // The re-import guard: a keyed hash of each erased address stays, in the same transaction.
      const erased = done.flatMap((c) => (c.emailNorm === null ? [] : [{ addressHash: erasedAddressHash(hasher, c.emailNorm), operationId: options.operationId ?? null, erasedAt: now }]));
      if (erased.length > 0) await tx.erasedAddresses.record(account.id, erased);
      // Webhooks: one contact.erased per chunk, ids and uuids only.
      await emitEvent(tx, account.id, 'contact.erased', { operation_id: options.operationId ?? null, contacts: done.map((c) => ({ id: c.id, uuid: c.uuid })) }, now);
      const purgeAt = erasePurgeAt(account, now);
      if (purgeAt <= now) await tx.lifecycle.purge(account.id, ids);
      else await tx.lifecycle.erase(account.id, done.map((c) => ({ id: c.id, placeholder: c.emailNorm === null ? null : placeholderEmail(hasher, c.emailNorm) })), now, purgeAt);
      return { done, skipped, removedData: true };
    }
    case 'purge':
      await tx.lifecycle.purge(account.id, ids);
      return { done, skipped, removedData: true };
  }
}
