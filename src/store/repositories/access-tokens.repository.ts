import type { Kysely } from 'kysely';
import type { AccessTokensRepository, StoredAccessToken } from '../../core/keys/access-token.js';
import { isScope } from '../../core/keys/scopes.js';
import { withDriverErrors } from '../errors.js';
import type { Database } from '../schema.js';

export class KyselyAccessTokensRepository implements AccessTokensRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(token: StoredAccessToken): Promise<void> {
    await withDriverErrors(() =>
      this.db
        .insertInto('access_tokens')
        .values({
          token_hash: token.tokenHash,
          key_id: token.keyId,
          account_id: token.accountId,
          scopes: token.scopes.join(' '),
          created_at: token.createdAt,
          expires_at: token.expiresAt,
        })
        .execute(),
    );
  }

  async findByHash(tokenHash: string): Promise<StoredAccessToken | undefined> {
    const row = await this.db.selectFrom('access_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return (
      row && {
        tokenHash: row.token_hash,
        keyId: row.key_id,
        accountId: row.account_id,
        scopes: row.scopes.split(' ').filter(isScope),
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      }
    );
  }

  async deleteByHash(tokenHash: string): Promise<number> {
    const result = await this.db.deleteFrom('access_tokens').where('token_hash', '=', tokenHash).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteByKey(keyId: string): Promise<number> {
    const result = await this.db.deleteFrom('access_tokens').where('key_id', '=', keyId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom('access_tokens').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
