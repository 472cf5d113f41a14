import type { Kysely } from 'kysely';

/**
 * The deletion engine's counts that 0001 lacked: targets skipped (already in the
 * asked-for state) and values removed as duplicates of another in the same request.
 * Frozen: later changes are new migrations.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('operations').addColumn('skipped', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('operations').addColumn('duplicates', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(): Promise<void> {
  throw new Error('Lethe migrations are forward-only');
}
