import { open, seal } from './cipher.js';
import type { Keyring } from './keyring.js';

/** What a sealed blob belongs to: its AAD, so that a blob copied onto another row does not open. */
const aadOf = (owner: string): Buffer => Buffer.from(`contact:${owner}`, 'utf8');

/**
 * A contact's personal values as ONE AES-256-GCM blob under its own data key: one cipher
 * operation per row, however many fields, and one keyring round trip per batch of rows.
 * The values are JSON inside the blob; the blob is bound to its owner (the contact's uuid).
 */
export class Sealer {
  constructor(private readonly keyring: Keyring) {}

  /** Seals each item's values under its owner's key, creating the keys that do not exist yet. */
  async sealMany(items: ReadonlyArray<{ owner: string; values: unknown }>): Promise<Buffer[]> {
    if (items.length === 0) return [];
    const keys = await this.keyring.ensure(items.map((i) => i.owner));
    return items.map((item) => seal(keys.get(item.owner) as Buffer, Buffer.from(JSON.stringify(item.values), 'utf8'), aadOf(item.owner)));
  }

  /**
   * Opens each item's blob; `undefined` where there is no blob or its owner's key is gone
   * (destroyed: the values are erased, wherever a copy of the blob may be).
   */
  async openMany<T>(items: ReadonlyArray<{ owner: string; sealed: Buffer | null }>): Promise<Array<T | undefined>> {
    const owners = items.flatMap((i) => (i.sealed === null ? [] : [i.owner]));
    if (owners.length === 0) return items.map(() => undefined);
    const keys = await this.keyring.get(owners);
    return items.map((item) => {
      const key = keys.get(item.owner);
      if (item.sealed === null || key === undefined) return undefined;
      return JSON.parse(open(key, item.sealed, aadOf(item.owner)).toString('utf8')) as T;
    });
  }
}
