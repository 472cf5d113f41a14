import type { Kysely, Selectable } from 'kysely';
import type { ApiKey, ApiKeysRepository, StoredApiKey } from '../../core/keys/api-key.js';
import { isScope } from '../../core/keys/scopes.js';
import { withDriverErrors } from '../errors.js';
import type { ApiKeysTable, Database } from '../schema.js';

const toKey = (row: Selectable<ApiKeysTable>): StoredApiKey => ({
  id: row.id,
  accountId: row.account_id,
  name: row.name,
  scopes: row.scopes.split(' ').filter(isScope),
  secretHash: row.secret_hash,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

const withoutSecret = ({ secretHash: _secretHash, ...key }: StoredApiKey): ApiKey => key;

export class KyselyApiKeysRepository implements ApiKeysRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(key: StoredApiKey): Promise<void> {
    await withDriverErrors(() =>
      this.db
        .insertInto('api_keys')
        .values({
          id: key.id,
          account_id: key.accountId,
          name: key.name,
          secret_hash: key.secretHash,
          scopes: key.scopes.join(' '),
          created_at: key.createdAt,
          last_used_at: key.lastUsedAt,
          revoked_at: key.revokedAt,
        })
        .execute(),
    );
  }

  async findById(id: string): Promise<StoredApiKey | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toKey(row);
  }

  async listByAccount(accountId: number): Promise<ApiKey[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
    return rows.map((row) => withoutSecret(toKey(row)));
  }

  async revoke(accountId: number, id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
  }
}
