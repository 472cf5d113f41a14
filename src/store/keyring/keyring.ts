import { LRUCache } from 'lru-cache';
import { AppError } from '../../core/errors.js';
import { isPostgresUrl } from '../database.js';
import type { KeyringBackend, KeyringScrubReport } from './backend.js';
import { deriveKek, newDataKeys, unwrapKey, wrapKey } from './cipher.js';
import type { Kek } from './cipher.js';
import { openPostgresKeyring } from './postgres-backend.js';
import { openSqliteKeyring } from './sqlite-backend.js';

/** The id of the key an operation's staged values (import rows) are sealed under while they wait. */
export const stagingKeyId = (operationId: number): string => `operation:${operationId}`;

export interface KeyringOptions {
  /** `postgres://…` (the schema `lethe_keyring` there) or the path of the keyring's SQLite file. */
  url: string;
  /** The secret the key-encryption key is derived from (never stored in the database). */
  secret: Buffer;
  /** Secrets of earlier key-encryption keys: keys still wrapped by them open, and `rotate()` re-wraps them. */
  previousSecrets?: readonly Buffer[];
  /** Unwrapped keys kept in memory for reads (default 100,000: about 15 MB). */
  cacheSize?: number;
  /** How long an unwrapped key stays cached, in ms (default 5 minutes). */
  cacheTtlMs?: number;
}

export interface RotationProgress {
  rewrapped: number;
}

/**
 * Per-contact data keys (AES-256), each stored only wrapped under the key-encryption key
 * (KEK), apart from the data they protect. Destroying a key makes every copy of the data
 * it encrypted unreadable, backups included; `scrub()` then removes the destroyed keys'
 * bytes from the keyring's own storage.
 */
export class Keyring {
  readonly #backend: KeyringBackend;
  readonly #kek: Kek;
  readonly #keks: Map<string, Kek>;
  readonly #cache: LRUCache<string, Buffer>;

  private constructor(backend: KeyringBackend, kek: Kek, previous: readonly Kek[], options: KeyringOptions) {
    this.#backend = backend;
    this.#kek = kek;
    this.#keks = new Map([kek, ...previous].map((k) => [k.id, k]));
    this.#cache = new LRUCache({ max: options.cacheSize ?? 100_000, ttl: options.cacheTtlMs ?? 5 * 60_000 });
  }

  /** Opens (and on first use creates) the keyring; refuses a KEK that opens none of its keys. */
  static async open(options: KeyringOptions): Promise<Keyring> {
    const backend = isPostgresUrl(options.url) ? await openPostgresKeyring(options.url) : openSqliteKeyring(options.url.replace(/^sqlite:(\/\/)?/i, ''));
    const keyring = new Keyring(backend, deriveKek(options.secret), (options.previousSecrets ?? []).map(deriveKek), options);
    try {
      const sample = await backend.sampleKekId();
      if (sample !== undefined && !keyring.#keks.has(sample)) {
        throw new Error('the keyring holds keys wrapped under another key-encryption key: give this process the keyring secret it was set up with (LETHE_KEYRING_SECRET or LETHE_SECRET), or the old one as LETHE_KEYRING_PREVIOUS_SECRET');
      }
    } catch (error) {
      await backend.close();
      throw error;
    }
    return keyring;
  }

  get engine(): 'sqlite' | 'postgres' {
    return this.#backend.engine;
  }

  /** The id of the current KEK (a fingerprint; not secret). */
  get kekId(): string {
    return this.#kek.id;
  }

  /** The data keys of `ids`, created (and stored wrapped) for those that have none. */
  async ensure(ids: readonly string[]): Promise<Map<string, Buffer>> {
    const keys = await this.get(ids);
    const missing = [...new Set(ids.filter((id) => !keys.has(id)))];
    if (missing.length === 0) return keys;
    const fresh = newDataKeys(missing.length);
    const rows = missing.map((id, i) => ({ id, wrapped: wrapKey(this.#kek, id, fresh[i] as Buffer), kekId: this.#kek.id }));
    const stored = await this.#backend.insert(rows);
    missing.forEach((id, i) => {
      if (!stored.has(id)) return;
      const key = fresh[i] as Buffer;
      keys.set(id, key);
      this.#cache.set(id, key);
    });
    // Another writer stored a key for some of these first: theirs is the key.
    const raced = missing.filter((id) => !stored.has(id));
    if (raced.length > 0) for (const [id, key] of await this.get(raced)) keys.set(id, key);
    return keys;
  }

  /** The data keys of `ids` that exist; a destroyed or never created key is absent. */
  async get(ids: readonly string[]): Promise<Map<string, Buffer>> {
    const keys = new Map<string, Buffer>();
    const wanted: string[] = [];
    for (const id of ids) {
      const cached = this.#cache.get(id);
      if (cached) keys.set(id, cached);
      else if (!keys.has(id)) wanted.push(id);
    }
    if (wanted.length === 0) return keys;
    for (const row of await this.#backend.fetch([...new Set(wanted)])) {
      const kek = this.#keks.get(row.kekId);
      if (!kek) throw new AppError('INTERNAL', 'a data key is wrapped under an unknown key-encryption key (see LETHE_KEYRING_PREVIOUS_SECRET)');
      const key = unwrapKey(kek, row.id, row.wrapped);
      keys.set(row.id, key);
      this.#cache.set(row.id, key);
    }
    return keys;
  }

  /**
   * Destroys the data keys of `ids`: whatever they encrypted can no longer be read, in this
   * database or any copy of it. Their bytes leave the keyring's storage at the next `scrub()`.
   * Returns how many keys existed.
   */
  async destroy(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    for (const id of ids) this.#cache.delete(id);
    return this.#backend.delete([...new Set(ids)]);
  }

  /**
   * Removes destroyed keys' bytes from the keyring's storage: on SQLite a truncating WAL
   * checkpoint (secure_delete zeroed the cells already); on PostgreSQL a rewrite of each
   * partition a destroy touched since the last scrub, once no older snapshot can see them.
   * Throws AppError CONFLICT when it cannot complete yet.
   */
  scrub(maxWaitMs = 30_000): Promise<KeyringScrubReport> {
    return this.#backend.scrub(maxWaitMs);
  }

  /**
   * Re-wraps every key not wrapped under the current KEK (opened with a previous one), in
   * batches, without touching the data. Resumable: a key already re-wrapped is skipped.
   */
  async rotate(onProgress?: (progress: RotationProgress) => void, batchSize = 5_000): Promise<RotationProgress> {
    const progress: RotationProgress = { rewrapped: 0 };
    let afterId = '';
    for (;;) {
      const rows = await this.#backend.wrappedOtherwise(this.#kek.id, afterId, batchSize);
      if (rows.length === 0) break;
      const rewrapped = rows.map((row) => {
        const kek = this.#keks.get(row.kekId);
        if (!kek) throw new Error('a data key is wrapped under a key-encryption key this process was not given: pass the old secret as LETHE_KEYRING_PREVIOUS_SECRET');
        return { id: row.id, fromKekId: row.kekId, wrapped: wrapKey(this.#kek, row.id, unwrapKey(kek, row.id, row.wrapped)), kekId: this.#kek.id };
      });
      progress.rewrapped += await this.#backend.rewrap(rewrapped);
      afterId = (rows[rows.length - 1] as { id: string }).id;
      onProgress?.({ ...progress });
    }
    return progress;
  }

  /** Keys stored (for status and tests). */
  count(): Promise<number> {
    return this.#backend.count();
  }

  async close(): Promise<void> {
    this.#cache.clear();
    await this.#backend.close();
  }
}
