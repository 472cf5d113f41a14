import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { ImportRowError, ImportsRepository, ImportTallies, RowBatch } from '../../core/imports/import.js';
import { chunked } from '../batching.js';
import type { Capabilities } from '../database.js';
import { stagingKeyId } from '../keyring/keyring.js';
import type { Sealer } from '../keyring/sealer.js';
import type { Database } from '../schema.js';

/** A staged batch sealed under its operation's key: this prefix, then the blob in base64. */
const SEALED_PREFIX = 'lethe-sealed:';

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
    /** Set when encryption at rest is on: staged rows are sealed under their operation's own key, destroyed when it ends. */
    private readonly sealer?: Sealer,
    private readonly opener?: Sealer,
  ) {}

  private get rowsPerInsert(): number {
    return Math.floor((this.capabilities.maxBindParams - 10) / TARGET_COLUMNS);
  }

  async insertBatches(accountId: number, operationId: number, batches: readonly RowBatch[]): Promise<void> {
    if (batches.length === 0) return;
    const owner = stagingKeyId(operationId);
    const sealed = this.sealer ? await this.sealer.sealMany(batches.map((b) => ({ owner, values: b.rows }))) : undefined;
    const valueOf = (b: RowBatch, i: number) => (sealed ? `${SEALED_PREFIX}${(sealed[i] as Buffer).toString('base64')}` : b.rows);
    await this.db
      .insertInto('operation_targets')
      .values(batches.map((b, i) => ({ operation_id: operationId, seq: b.firstRow, account_id: accountId, value: valueOf(b, i), outcome: 'pending', detail: null })))
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
    if (!this.opener || !found.some((row) => row.value?.startsWith(SEALED_PREFIX))) return found.map((row) => ({ firstRow: row.seq, rows: row.value }));
    const owner = stagingKeyId(operationId);
    const sealedOf = (value: string | null) => (value !== null && value.startsWith(SEALED_PREFIX) ? Buffer.from(value.slice(SEALED_PREFIX.length), 'base64') : null);
    const opened = await this.opener.openMany<string>(found.map((row) => ({ owner, sealed: sealedOf(row.value) })));
    // A batch whose key is gone (its operation ended) reads as no rows.
    return found.map((row, i) => ({ firstRow: row.seq, rows: sealedOf(row.value) === null ? row.value : (opened[i] ?? null) }));
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
