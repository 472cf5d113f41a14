import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { OperationStatsQuery, OperationStatsRepository, OperationStatsRow } from '../../core/reports/operation-stats.js';
import type { Database } from '../schema.js';

export class KyselyOperationStatsRepository implements OperationStatsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async bucketsByState(query: OperationStatsQuery): Promise<OperationStatsRow[]> {
    if (!Number.isSafeInteger(query.bucketMs) || query.bucketMs <= 0) throw new Error('bucketMs must be a positive integer');
    // Integer division on both engines (bigint / bigint); a literal, so that the select and
    // the group by are the same expression to PostgreSQL.
    const width = sql.lit(query.bucketMs);
    const bucket = sql<number>`(o.created_at / ${width}) * ${width}`;
    let q = this.db
      .selectFrom('operations as o')
      .leftJoin('operations as p', 'p.id', 'o.parent_operation_id')
      .where('o.account_id', '=', query.accountId)
      .where('o.created_at', '>=', query.from)
      .where('o.created_at', '<', query.to)
      // A cross-account request's part in its own account is counted once, as the request.
      .where((eb) => eb.or([eb('p.id', 'is', null), eb('p.account_id', '<>', query.accountId)]));
    if (query.kind !== undefined) q = q.where('o.kind', '=', query.kind);
    if (query.action !== undefined) q = q.where('o.action', '=', query.action);
    const rows = await q
      .select((eb) => [
        bucket.as('bucket_start'),
        'o.state as state',
        eb.fn.countAll<number | string>().as('operations'),
        eb.fn.sum<number | string>('o.expected').as('contacts'),
        eb.fn.sum<number | string>('o.processed').as('processed'),
        eb.fn.sum<number | string>('o.succeeded').as('succeeded'),
        eb.fn.sum<number | string>('o.not_found').as('not_found'),
        eb.fn.sum<number | string>('o.invalid').as('invalid'),
        eb.fn.sum<number | string>('o.failed').as('failed'),
      ])
      .groupBy([bucket, 'o.state'])
      .orderBy('bucket_start')
      .orderBy('state')
      .execute();
    return rows.map((r) => ({
      bucketStart: Number(r.bucket_start),
      state: r.state,
      operations: Number(r.operations),
      contacts: Number(r.contacts ?? 0),
      processed: Number(r.processed ?? 0),
      succeeded: Number(r.succeeded ?? 0),
      notFound: Number(r.not_found ?? 0),
      invalid: Number(r.invalid ?? 0),
      failed: Number(r.failed ?? 0),
    }));
  }
}
