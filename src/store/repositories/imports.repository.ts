import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { ImportRowError, ImportsRepository, ImportTallies, RowBatch } from '../../core/imports/import.js';
import { chunked } from '../batching.js';
import type { Capabilities } from '../database.js';
import type { Database } from '../schema.js';

/** Bound values per target row in a multi-row insert. */
const TARGET_COLUMNS = 6;

/**
 * The rows of imports live in `operation_targets`: while they wait, one target per chunk
 * (`seq` its first row number, `value` a JSON array of its rows); once processed, the
 * batch is gone and each row that failed is a target of its own (`seq` its row number,
 * outcome `invalid`, its error in `detail`, no value).
 */
export class KyselyImportsRepository implements ImportsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {}

  private get rowsPerInsert(): number {
    return Math.floor((this.capabilities.maxBindParams - 10) / TARGET_COLUMNS);
  }

  async insertBatches(accountId: number, operationId: number, batches: readonly RowBatch[]): Promise<void> {
    if (batches.length === 0) return;
    await this.db
      .insertInto('operation_targets')
      .values(batches.map((b) => ({ operation_id: operationId, seq: b.firstRow, account_id: accountId, value: b.rows, outcome: 'pending', detail: null })))
      .execute();
  }

  async pendingBatches(accountId: number, operationId: number, from: number, to: number): Promise<Array<{ firstRow: number; rows: string | null }>> {
    const found = await this.db
      .selectFrom('operation_targets')
      .select(['seq', 'value'])
      .where('account_id', '=', accountId)
      .where('operation_id', '=', operationId)
      .where('seq', '>=', from)
      .where('seq', '<=', to)
      .where('outcome', '=', 'pending')
      .orderBy('seq')
      .execute();
    return found.map((row) => ({ firstRow: row.seq, rows: row.value }));
  }

  async settleRows(accountId: number, operationId: number, from: number, to: number, invalid: readonly ImportRowError[], warned: readonly ImportRowError[] = []): Promise<void> {
    // Deleting the range and inserting the errors back costs two statements, however many rows failed.
    await this.db
      .deleteFrom('operation_targets')
      .where('account_id', '=', accountId)
      .where('operation_id', '=', operationId)
      .where('seq', '>=', from)
      .where('seq', '<=', to)
      .where('outcome', '=', 'pending')
      .execute();
    // A row is one target (seq = its number): an invalid row is never also warned.
    const rows = [...invalid.map((e) => ({ e, outcome: 'invalid' })), ...warned.map((e) => ({ e, outcome: 'warned' }))];
    for (const run of chunked(rows, this.rowsPerInsert)) {
      await this.db
        .insertInto('operation_targets')
        .values(run.map(({ e, outcome }) => ({ operation_id: operationId, seq: e.row, account_id: accountId, value: null, outcome, detail: JSON.stringify({ field: e.field, code: e.code, message: e.message, ...(e.reason ? { reason: e.reason } : {}) }) })))
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

  async errors(accountId: number, operationId: number, page: { afterRow?: number; limit: number }, outcome: 'invalid' | 'warned' = 'invalid'): Promise<ImportRowError[]> {
    let query = this.db
      .selectFrom('operation_targets')
      .select(['seq', 'detail'])
      .where('account_id', '=', accountId)
      .where('operation_id', '=', operationId)
      .where('outcome', '=', outcome);
    if (page.afterRow !== undefined) query = query.where('seq', '>', page.afterRow);
    const rows = await query.orderBy('seq').limit(page.limit).execute();
    return rows.map((row) => {
      const detail = JSON.parse(row.detail ?? '{}') as Partial<Omit<ImportRowError, 'row'>>;
      return { row: row.seq, field: detail.field ?? '', code: detail.code ?? 'VALIDATION_FAILED', message: detail.message ?? 'the row could not be imported', ...(detail.reason ? { reason: detail.reason } : {}) };
    });
  }
}
