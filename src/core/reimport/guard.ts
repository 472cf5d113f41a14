import { AppError } from '../errors.js';
import type { KeyedHasher } from '../crypto.js';
import type { Repositories } from '../ports.js';
import { erasedAddressHash } from './erased-address.js';
import type { ReimportPolicy } from './erased-address.js';

/** The message of an item refused under `block`: never the address. */
export const BLOCKED_MESSAGE = 'this address was erased from the account and its reimport_policy is block; an admin can lift the suppression';
/** The reason code a refused or warned item carries on every surface. */
export const ONCE_ERASED = 'once_erased';

/** What the account's policy says about a set of addresses about to be written. */
export interface ReimportVerdict {
  policy: ReimportPolicy;
  /** Whether this normalized address was once erased in the account (always false under `allow`: not even looked up). */
  onceErased(emailNorm: string): boolean;
}

const ALLOWED: ReimportVerdict = { policy: 'allow', onceErased: () => false };

/**
 * The re-import guard, the one place every write path asks: the account's policy and, unless
 * it is `allow` (today's behaviour, at no cost), which of these normalized addresses the
 * account once erased. The caller then refuses (`block`) or reports (`warn`) the items that
 * would bring one back: a new contact with it, or a contact taking it as its new address.
 */
export async function reimportVerdict(tx: Repositories, hasher: KeyedHasher, accountId: number, emailNorms: Iterable<string>): Promise<ReimportVerdict> {
  const account = await tx.accounts.findById(accountId);
  const policy = account?.reimportPolicy ?? 'allow';
  if (policy === 'allow') return ALLOWED;
  const hashOf = new Map<string, string>();
  for (const norm of emailNorms) hashOf.set(norm, erasedAddressHash(hasher, norm));
  const found = hashOf.size === 0 ? new Set<string>() : await tx.erasedAddresses.findHashes(accountId, [...hashOf.values()]);
  return { policy, onceErased: (norm) => found.has(hashOf.get(norm) ?? '') };
}

/**
 * For a single write (create, patch, replace): refuses under `block` when `emailNorm` (the
 * contact's address after the write, `previous` its address before) brings back an erased
 * address; answers whether it does (`warn` reports it).
 */
export async function guardSingle(tx: Repositories, hasher: KeyedHasher, accountId: number, emailNorm: string | null, previous: string | null): Promise<boolean> {
  if (emailNorm === null || emailNorm === previous) return false;
  const verdict = await reimportVerdict(tx, hasher, accountId, [emailNorm]);
  if (!verdict.onceErased(emailNorm)) return false;
  if (verdict.policy === 'block') throw new AppError('CONFLICT', BLOCKED_MESSAGE, { field: 'email', details: [{ field: 'email', message: BLOCKED_MESSAGE }] });
  return true;
}
