import type { Kysely } from 'kysely';
import { engineOf, timeType, withoutRowid } from './helpers.js';

/**
 * The re-import guard: an account's `reimport_policy` (allow, warn, block) and its
 * erased-address suppressions, one per address erased in the account, kept as a keyed
 * hash (HMAC under the server's secret; never the address) with the operation that erased
 * it and when. Suppressions go with their account. Frozen: later changes are new migrations.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const engine = engineOf(db);
  const time = timeType(engine);
  await db.schema.alterTable('accounts').addColumn('reimport_policy', 'text', (c) => c.notNull().defaultTo('allow')).execute();
  await withoutRowid(
    engine,
    db.schema
      .createTable('erased_addresses')
      .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('address_hash', 'text', (c) => c.notNull())
      .addColumn('operation_id', 'bigint')
      .addColumn('erased_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('erased_addresses_pk', ['account_id', 'address_hash']),
  ).execute();
}

export async function down(): Promise<void> {
  throw new Error('Lethe migrations are forward-only');
}
