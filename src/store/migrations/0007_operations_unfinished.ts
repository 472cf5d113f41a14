import type { Kysely } from 'kysely';

/**
 * Counting an account's unfinished operations (at most 1,000 queued or running per account)
 * reads this index rather than every operation the account ever had. Frozen: later changes
 * are new migrations.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('operations_account_state_idx').on('operations').columns(['account_id', 'state']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Lethe migrations are forward-only');
}
