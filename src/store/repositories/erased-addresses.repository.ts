import type { Kysely } from 'kysely';
import type { ErasedAddress, ErasedAddressesRepository } from '../../core/reimport/erased-address.js';
import { chunked } from '../batching.js';
import type { Capabilities } from '../database.js';
import type { Database } from '../schema.js';

/** Bound values per suppression row in a multi-row insert. */
const COLUMNS = 4;

export class KyselyErasedAddressesRepository implements ErasedAddressesRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {}

  async record(accountId: number, entries: readonly ErasedAddress[]): Promise<void> {
    const unique = [...new Map(entries.map((e) => [e.addressHash, e])).values()];
    for (const run of chunked(unique, Math.floor((this.capabilities.maxBindParams - 10) / COLUMNS))) {
      await this.db
        .insertInto('erased_addresses')
        .values(run.map((e) => ({ account_id: accountId, address_hash: e.addressHash, operation_id: e.operationId, erased_at: e.erasedAt })))
        .onConflict((oc) => oc.columns(['account_id', 'address_hash']).doNothing())
        .execute();
    }
  }

  async findHashes(accountId: number, hashes: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const run of chunked([...new Set(hashes)], this.capabilities.maxBindParams - 10)) {
      const rows = await this.db.selectFrom('erased_addresses').select('address_hash').where('account_id', '=', accountId).where('address_hash', 'in', run).execute();
      for (const row of rows) found.add(row.address_hash);
    }
    return found;
  }

  async find(accountId: number, hash: string): Promise<ErasedAddress | undefined> {
    const row = await this.db.selectFrom('erased_addresses').selectAll().where('account_id', '=', accountId).where('address_hash', '=', hash).executeTakeFirst();
    return row && { addressHash: row.address_hash, operationId: row.operation_id === null ? null : Number(row.operation_id), erasedAt: Number(row.erased_at) };
  }

  async remove(accountId: number, hash: string): Promise<boolean> {
    const result = await this.db.deleteFrom('erased_addresses').where('account_id', '=', accountId).where('address_hash', '=', hash).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async list(accountId: number, page: { afterHash?: string; limit: number }): Promise<ErasedAddress[]> {
    let query = this.db.selectFrom('erased_addresses').selectAll().where('account_id', '=', accountId);
    if (page.afterHash !== undefined) query = query.where('address_hash', '>', page.afterHash);
    const rows = await query.orderBy('address_hash').limit(page.limit).execute();
    return rows.map((row) => ({ addressHash: row.address_hash, operationId: row.operation_id === null ? null : Number(row.operation_id), erasedAt: Number(row.erased_at) }));
  }

  async count(accountId: number): Promise<number> {
    const row = await this.db.selectFrom('erased_addresses').select((eb) => eb.fn.countAll<number | string>().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
