import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * Keyed hashing with the server's secret. A plain hash of an email can be reversed
 * by guessing; an HMAC cannot without the secret, which never sits in the database.
 */
export class KeyedHasher {
  readonly #secret: Buffer;
  constructor(secret: Buffer) {
    if (secret.length < 32) throw new Error('the server secret must be at least 32 bytes');
    this.#secret = secret;
  }
  /** Hex HMAC-SHA256 of a value, under a purpose label so that hashes of one use never match another. */
  hash(purpose: string, value: string): string {
    return createHmac('sha256', this.#secret).update(purpose).update('\0').update(value).digest('hex');
  }
  /** The keyed hash of an email address, case-folded as Lethe compares addresses. */
  emailHash(email: string): string {
    return this.hash('email', normalizeEmail(email));
  }
  /** A short fingerprint of the secret, stored to detect processes started with different secrets. */
  fingerprint(): string {
    return this.hash('fingerprint', 'lethe').slice(0, 16);
  }
}

/** Email addresses are compared case-insensitively (and stored as given). */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export const newUuid = (): string => randomUUID();

export const sha256Hex = (value: string | Buffer): string => createHash('sha256').update(value).digest('hex');

export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

export function safeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}
