import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { OperationStatsQuery, OperationStatsRepository, OperationStatsRow, ServerFigures } from '../../core/reports/operation-stats.js';
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

  async serverFigures(): Promise<ServerFigures> {
    const num = (v: number | string | bigint | null | undefined) => (v === null || v === undefined ? 0 : Number(v));
    const byState = await this.db.selectFrom('operations').select((eb) => ['state', eb.fn.countAll<number | string>().as('n')]).groupBy('state').execute();
    const byStatus = await this.db.selectFrom('contacts').select((eb) => ['status', eb.fn.countAll<number | string>().as('n')]).groupBy('status').execute();
    // A cross-account request counts through its parts: the parent itself erased nothing.
    const erased = await this.db
      .selectFrom('operations as o')
      .where('o.action', '=', 'erase')
      .where('o.dry_run', '=', 0)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('operations as c').whereRef('c.parent_operation_id', '=', 'o.id').select('c.id'))))
      .select((eb) => eb.fn.sum<number | string | null>('o.succeeded').as('n'))
      .executeTakeFirst();
    const oldest = await this.db
      .selectFrom('operations')
      .where('state', 'in', ['queued', 'processing'])
      .select((eb) => eb.fn.min<number | string | null>('created_at').as('at'))
      .executeTakeFirst();
    const backlog = await this.db
      .selectFrom('operations')
      .where('finished_at', 'is not', null)
      .where('scrubbed_at', 'is', null)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirst();
    return {
      operationsByState: Object.fromEntries(byState.map((r) => [r.state, num(r.n)])),
      contactsByStatus: Object.fromEntries(byStatus.map((r) => [r.status, num(r.n)])),
      contactsErased: num(erased?.n),
      oldestPendingCreatedAt: oldest?.at === null || oldest?.at === undefined ? null : Number(oldest.at),
      scrubBacklog: num(backlog?.n),
    };
  }
}
