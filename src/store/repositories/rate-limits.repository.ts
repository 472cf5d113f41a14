import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { RateLimitsRepository } from '../../core/rate-limits/rate-limit.js';
import type { Database } from '../schema.js';

export class KyselyRateLimitsRepository implements RateLimitsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async hit(accountId: number, bucket: string, windowStart: number): Promise<number> {
    // One statement: concurrent processes serialize on the row, none loses a count.
    const row = await this.db
      .insertInto('rate_limits')
      .values({ account_id: accountId, bucket, window_start: windowStart, count: 1 })
      .onConflict((oc) => oc.columns(['account_id', 'bucket', 'window_start']).doUpdateSet({ count: sql<number>`rate_limits.count + 1` }))
      .returning('count')
      .executeTakeFirstOrThrow();
    const count = Number(row.count);
    if (count === 1) {
      await this.db.deleteFrom('rate_limits').where('account_id', '=', accountId).where('bucket', '=', bucket).where('window_start', '<', windowStart).execute();
    }
    return count;
  }

  async count(accountId: number, bucket: string, windowStart: number): Promise<number> {
    const row = await this.db
      .selectFrom('rate_limits')
      .select('count')
      .where('account_id', '=', accountId)
      .where('bucket', '=', bucket)
      .where('window_start', '=', windowStart)
      .executeTakeFirst();
    return row ? Number(row.count) : 0;
  }
}
