import type { KeyedHasher } from '../crypto.js';
import { normalizeEmail } from '../crypto.js';

/**
 * What an account does when an address it once erased is written again:
 * `allow` (the default; the vendors' behaviour: it comes back as a new contact),
 * `warn` (it comes back, and the write reports the item as once erased),
 * `block` (the item is refused, the others proceed).
 */
export const REIMPORT_POLICIES = ['allow', 'warn', 'block'] as const;
export type ReimportPolicy = (typeof REIMPORT_POLICIES)[number];

export const isReimportPolicy = (value: unknown): value is ReimportPolicy => typeof value === 'string' && (REIMPORT_POLICIES as readonly string[]).includes(value);

/** An erased-address suppression: the keyed hash of an address erased in the account. Never the address. */
export interface ErasedAddress {
  /** Hex HMAC-SHA256 of the normalized address under the server's secret (purpose `erased-address`). */
  addressHash: string;
  /** The operation that erased it (null when unknown). */
  operationId: number | null;
  erasedAt: number;
}

/** The keyed hash a suppression holds for an address (compared case-insensitively, as Lethe compares addresses). */
export const erasedAddressHash = (hasher: KeyedHasher, email: string): string => hasher.hash('erased-address', normalizeEmail(email));

/** Port: the erased-address suppressions. Every method is scoped by the account it is given. */
export interface ErasedAddressesRepository {
  /** Records suppressions; an address erased again keeps its first record. */
  record(accountId: number, entries: readonly ErasedAddress[]): Promise<void>;
  /** Of these hashes, those the account holds. */
  findHashes(accountId: number, hashes: readonly string[]): Promise<Set<string>>;
  find(accountId: number, hash: string): Promise<ErasedAddress | undefined>;
  /** Removes one suppression; false when there was none. */
  remove(accountId: number, hash: string): Promise<boolean>;
  /** A page in hash order, after `afterHash`. */
  list(accountId: number, page: { afterHash?: string; limit: number }): Promise<ErasedAddress[]>;
  count(accountId: number): Promise<number>;
}
