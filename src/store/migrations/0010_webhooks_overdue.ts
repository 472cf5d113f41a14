import type { Kysely } from 'kysely';
import { engineOf, timeType } from './helpers.js';

/**
 * Webhooks for privacy requests: `request.overdue` is sent once per deadline, so a request
 * keeps the due date it was last sent for (an extension sets a new one, which may be sent
 * again). Frozen: later changes are new migrations.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('privacy_requests').addColumn('overdue_notified_due_at', timeType(engineOf(db))).execute();
}

export async function down(): Promise<void> {
  throw new Error('Lethe migrations are forward-only');
}
