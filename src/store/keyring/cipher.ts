import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The cipher of the keyring and of the data it protects: AES-256-GCM from node:crypto
 * (OpenSSL, AES-NI), a fresh 96-bit nonce per message, and associated data that binds a
 * ciphertext to where it belongs (a wrapped key to its key id, a contact's blob to its
 * contact), so that a ciphertext moved to another row does not open.
 *
 * Sealed layout: version (1 byte, 1) ‖ nonce (12) ‖ ciphertext ‖ tag (16).
 */

/** Bytes of a data key and of a key-encryption key (AES-256). */
export const KEY_BYTES = 32;
const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes a sealed message adds to its plaintext. */
export const SEALED_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

/** A key-encryption key and its id (a fingerprint stored beside each key it wraps, never the key). */
export interface Kek {
  id: string;
  key: Buffer;
}

/**
 * The key-encryption key derived (HKDF-SHA256) from a secret that never sits in the
 * database: the server's secret, or the keyring's own (`LETHE_KEYRING_SECRET`).
 */
export function deriveKek(secret: Buffer): Kek {
  if (secret.length < 32) throw new Error('the keyring secret must be at least 32 bytes');
  const key = Buffer.from(hkdfSync('sha256', secret, 'lethe-keyring', 'key-encryption key v1', KEY_BYTES));
  const id = createHmac('sha256', key).update('lethe-keyring kek id').digest('hex').slice(0, 16);
  return { id, key };
}

/**
 * Nonces drawn from one call to the random source per 4,096 messages: a call per message
 * cost a third of a seal's CPU time. Each nonce is still 96 fresh random bits.
 */
const NONCES_PER_POOL = 4096;
let noncePool = Buffer.alloc(0);
let nonceAt = 0;
function nextNonce(): Buffer {
  if (nonceAt >= noncePool.length) {
    noncePool = randomBytes(NONCE_BYTES * NONCES_PER_POOL);
    nonceAt = 0;
  }
  const nonce = noncePool.subarray(nonceAt, nonceAt + NONCE_BYTES);
  nonceAt += NONCE_BYTES;
  return nonce;
}

/** Encrypts and authenticates `plaintext` under `key`, bound to `aad`. */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = nextNonce();
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const head = Buffer.allocUnsafe(1 + NONCE_BYTES);
  head[0] = VERSION;
  nonce.copy(head, 1);
  const body = cipher.update(plaintext);
  const tail = cipher.final();
  return Buffer.concat([head, body, tail, cipher.getAuthTag()]);
}

/** The plaintext of a sealed message; throws when the key, the associated data or any byte is wrong. */
export function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < SEALED_OVERHEAD || sealed[0] !== VERSION) throw new Error('not a sealed message of a known version');
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const body = decipher.update(sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES));
  return Buffer.concat([body, decipher.final()]);
}

/** `count` fresh data keys, from one call to the system's random source. */
export function newDataKeys(count: number): Buffer[] {
  const pool = randomBytes(count * KEY_BYTES);
  const keys: Buffer[] = [];
  for (let i = 0; i < count; i++) keys.push(pool.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES));
  return keys;
}

/** A data key wrapped under the KEK, bound to its key id. */
export const wrapKey = (kek: Kek, id: string, key: Buffer): Buffer => seal(kek.key, key, Buffer.from(id, 'utf8'));

/** A wrapped data key opened under the KEK; throws when it was wrapped for another id or under another KEK. */
export const unwrapKey = (kek: Kek, id: string, wrapped: Buffer): Buffer => open(kek.key, wrapped, Buffer.from(id, 'utf8'));
