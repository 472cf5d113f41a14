import type { Kysely } from 'kysely';
import { engineOf, timeType } from './helpers.js';

/**
 * Access tokens issued for API keys (OAuth2 client credentials): only the token's sha256
 * is kept, with the key it acts as, its scopes and its expiry. Expired rows are deleted as
 * new tokens are issued; a revoked key's rows at once. Frozen: later changes are new migrations.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const time = timeType(engineOf(db));
  await db.schema
    .createTable('access_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey().notNull())
    .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id'))
    .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('access_tokens_key_idx').on('access_tokens').column('key_id').execute();
  await db.schema.createIndex('access_tokens_expires_idx').on('access_tokens').column('expires_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('Lethe migrations are forward-only');
}
