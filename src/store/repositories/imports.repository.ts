import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { ImportRowError, ImportsRepository, ImportTallies, PendingRow } from '../../core/imports/import.js';
import { chunked } from '../batching.js';
import type { Capabilities } from '../database.js';
import type { Database } from '../schema.js';

/** Rows per statement when rows are stored (bound as one value). */
const ROWS_PER_STATEMENT = 10_000;
/** Bound values per target row in a multi-row insert. */
const TARGET_COLUMNS = 6;

/**
 * The rows of imports live in `operation_targets`: `seq` is the row number, `value` the
 * row's JSON while it waits, and once processed a row is either gone (written) or kept
 * as `invalid` with its error in `detail` and no value.
 */
export class KyselyImportsRepository implements ImportsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {}

  private get rowsPerInsert(): number {
    return Math.floor((this.capabilities.maxBindParams - 10) / TARGET_COLUMNS);
  }

  async setRowCount(accountId: number, operationId: number, rows: number): Promise<void> {
    await this.db.updateTable('operations').set({ expected: rows, selector_size: rows }).where('account_id', '=', accountId).where('id', '=', operationId).execute();
  }

  /**
   * A million rows must be stored in seconds: each run of rows travels as ONE bound value
   * (an array on PostgreSQL, a JSON array on SQLite) that the database unpacks itself,
   * instead of a statement with a placeholder per column per row.
   */
  async insertRows(accountId: number, operationId: number, firstSeq: number, values: readonly string[]): Promise<void> {
    let offset = firstSeq - 1;
    for (const run of chunked(values, ROWS_PER_STATEMENT)) {
      const query = this.capabilities.arrayParams
        ? sql`insert into operation_targets (operation_id, seq, account_id, value, outcome)
              select ${operationId}, ${offset}::integer + ord::integer, ${accountId}, v, 'pending' from unnest(${run}::text[]) with ordinality as t(v, ord)`
        : sql`insert into operation_targets (operation_id, seq, account_id, value, outcome)
              select ${operationId}, ${offset + 1} + key, ${accountId}, value, 'pending' from json_each(${JSON.stringify(run)})`;
      await query.execute(this.db);
      offset += run.length;
    }
  }

  async pendingRows(accountId: number, operationId: number, from: number, to: number): Promise<PendingRow[]> {
    return this.db
      .selectFrom('operation_targets')
      .select(['seq', 'value'])
      .where('account_id', '=', accountId)
      .where('operation_id', '=', operationId)
      .where('seq', '>=', from)
      .where('seq', '<=', to)
      .where('outcome', '=', 'pending')
      .orderBy('seq')
      .execute();
  }

  async settleRows(accountId: number, operationId: number, from: number, to: number, invalid: readonly ImportRowError[]): Promise<void> {
    // Deleting the range and inserting the errors back costs two statements, however many rows failed.
    await this.db
      .deleteFrom('operation_targets')
      .where('account_id', '=', accountId)
      .where('operation_id', '=', operationId)
      .where('seq', '>=', from)
      .where('seq', '<=', to)
      .where('outcome', '=', 'pending')
      .execute();
    for (const run of chunked(invalid, this.rowsPerInsert)) {
      await this.db
        .insertInto('operation_targets')
        .values(run.map((e) => ({ operation_id: operationId, seq: e.row, account_id: accountId, value: null, outcome: 'invalid', detail: JSON.stringify({ field: e.field, code: e.code, message: e.message }) })))
        .execute();
    }
  }

  async addTallies(accountId: number, operationId: number, tallies: ImportTallies): Promise<void> {
    if (tallies.created === 0 && tallies.updated === 0) return;
    await this.db
      .updateTable('operations')
      .set({ created: sql`created + ${tallies.created}`, updated: sql`updated + ${tallies.updated}` })
      .where('account_id', '=', accountId)
      .where('id', '=', operationId)
      .execute();
  }

  async tallies(accountId: number, operationId: number): Promise<ImportTallies> {
    const row = await this.db.selectFrom('operations').select(['created', 'updated']).where('account_id', '=', accountId).where('id', '=', operationId).executeTakeFirst();
    return { created: row?.created ?? 0, updated: row?.updated ?? 0 };
  }

  async errors(accountId: number, operationId: number, page: { afterRow?: number; limit: number }): Promise<ImportRowError[]> {
    let query = this.db
      .selectFrom('operation_targets')
      .select(['seq', 'detail'])
      .where('account_id', '=', accountId)
      .where('operation_id', '=', operationId)
      .where('outcome', '=', 'invalid');
    if (page.afterRow !== undefined) query = query.where('seq', '>', page.afterRow);
    const rows = await query.orderBy('seq').limit(page.limit).execute();
    return rows.map((row) => {
      const detail = JSON.parse(row.detail ?? '{}') as Partial<Omit<ImportRowError, 'row'>>;
      return { row: row.seq, field: detail.field ?? '', code: detail.code ?? 'VALIDATION_FAILED', message: detail.message ?? 'the row could not be imported' };
    });
  }
}
