/** A data key as the keyring's storage holds it: wrapped under a KEK, never in the clear. */
export interface WrappedKey {
  id: string;
  wrapped: Buffer;
  kekId: string;
}

/** What a keyring scrub did (no key material, no ids). */
export interface KeyringScrubReport {
  engine: 'sqlite' | 'postgres';
  /** SQLite: `checkpoint` of the keyring file; PostgreSQL: `rewrite` of the touched partitions. */
  method: 'checkpoint' | 'rewrite';
  /** PostgreSQL: partitions rewritten. */
  partitions: number;
  durationMs: number;
  waitedMs: number;
}

/**
 * Where the wrapped data keys live: its own SQLite file, or its own PostgreSQL schema
 * (`lethe_keyring`, hash-partitioned), in the data's database or another one.
 * Each method is its own short transaction: the keyring never joins the data's transactions.
 */
export interface KeyringBackend {
  readonly engine: 'sqlite' | 'postgres';
  /** Stores keys whose ids are not there yet; returns the ids it stored (the others were there already). */
  insert(rows: readonly WrappedKey[]): Promise<Set<string>>;
  fetch(ids: readonly string[]): Promise<WrappedKey[]>;
  /**
   * Deletes keys; returns how many were there. The storage they occupied is marked
   * owed a scrub, durably, in the same transaction.
   */
  delete(ids: readonly string[]): Promise<number>;
  /** Makes deleted keys unrecoverable from the keyring's storage. Throws CONFLICT when it cannot yet. */
  scrub(maxWaitMs: number): Promise<KeyringScrubReport>;
  /** Keys not wrapped under `kekId`, in id order after `afterId`. */
  wrappedOtherwise(kekId: string, afterId: string, limit: number): Promise<WrappedKey[]>;
  /** Replaces wrappings, each only if the key still has the wrapping it was read with. */
  rewrap(rows: ReadonlyArray<{ id: string; fromKekId: string; wrapped: Buffer; kekId: string }>): Promise<number>;
  /** The KEK id of one stored key (any), for the check at open; undefined when empty. */
  sampleKekId(): Promise<string | undefined>;
  count(): Promise<number>;
  close(): Promise<void>;
}
