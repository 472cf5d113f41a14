import type { ContactInput } from '../contacts/contact.js';
import { upsertContactsInTransaction } from '../contacts/upsert-contacts.js';
import type { CoreDeps } from '../context.js';
import type { ScrubbableTable } from '../ports.js';
import { ONCE_ERASED } from '../reimport/guard.js';
import type { CountsDelta } from '../operations/operation.js';
import type { OperationKindHandler } from '../operations/operation-kind.js';
import { DEFAULT_IMPORT_CHUNK } from './import.js';
import type { ImportParams, ImportRowError } from './import.js';
import { inputOfRow, rowOfRecord, MALFORMED_CSV_LINE } from './import-row.js';
import type { Column } from './import-row.js';

/** The warning of a row imported under `warn` whose address was once erased in the account (never the address). */
const ONCE_ERASED_WARNING = 'imported; this address was once erased from the account (reimport_policy warn)';

const IMPORT_SCRUB_TABLES: readonly ScrubbableTable[] = ['operation_targets'];

/**
 * Runs imports for the operations worker. The rows were stored in batches of the
 * import's chunk size, and the plan makes one chunk per batch; each chunk reads its
 * batch, upserts the rows through the bulk upsert in the worker's transaction, and
 * settles them: the batch is removed (its data with it) and rows that failed keep only
 * their error. A chunk that is run again finds no pending batch and does nothing.
 */
export function importHandler(deps: Pick<CoreDeps, 'hasher'>): OperationKindHandler {
  return {
    async plan(_tx, operation) {
      // Chunks follow the batches the rows were stored in (one target per chunk).
      const params = operation.params as Partial<ImportParams> & { chunkSize?: number };
      const size = Math.max(1, params.chunkSize ?? DEFAULT_IMPORT_CHUNK);
      const rows = operation.selectorSize;
      const chunks: Array<{ rangeStart: number; rangeEnd: number }> = [];
      for (let start = 1; start <= rows; start += size) chunks.push({ rangeStart: start, rangeEnd: Math.min(rows, start + size - 1) });
      return { chunks, expected: rows };
    },

    async processChunk(tx, operation, chunk, context): Promise<CountsDelta> {
      const params = operation.params as unknown as ImportParams;
      const { accountId } = operation;
      const batches = await tx.imports.pendingBatches(accountId, operation.id, chunk.rangeStart, chunk.rangeEnd);
      const errors: ImportRowError[] = [];
      const inputs: ContactInput[] = [];
      const seqs: number[] = [];
      let processed = 0;
      for (const batch of batches) {
        // A batch whose values were forgotten (a canceled import) has nothing left to import.
        if (batch.rows === null) continue;
        const rows = rowsOfBatch(batch.rows);
        processed += rows.length;
        rows.forEach((row, i) => {
          const seq = batch.firstRow + i;
          const mapped = inputOfRow(row);
          if ('problem' in mapped) errors.push({ row: seq, field: mapped.problem.field ?? 'row', code: 'VALIDATION_FAILED', message: mapped.problem.message });
          else {
            inputs.push(mapped.input);
            seqs.push(seq);
          }
        });
      }
      const results = await upsertContactsInTransaction(tx, accountId, inputs, {
        source: params.source,
        listIds: params.listIds ?? [],
        matchBy: params.matchBy ?? 'email',
        now: context.now,
        hasher: deps.hasher,
      });
      const warnings: ImportRowError[] = [];
      let created = 0;
      let updated = 0;
      results.forEach((result, i) => {
        if (result.outcome === 'invalid') {
          errors.push({ row: seqs[i] ?? 0, field: result.field, code: result.code, message: result.message, ...(result.reason ? { reason: result.reason } : {}) });
          return;
        }
        if (result.outcome === 'created') created += 1;
        else updated += 1;
        if (result.onceErased) warnings.push({ row: seqs[i] ?? 0, field: 'email', code: 'ONCE_ERASED', message: ONCE_ERASED_WARNING, reason: ONCE_ERASED });
      });
      errors.sort((a, b) => a.row - b.row);
      await tx.imports.settleRows(accountId, operation.id, chunk.rangeStart, chunk.rangeEnd, errors, warnings);
      await tx.imports.addTallies(accountId, operation.id, { created, updated });
      return { processed, succeeded: created + updated, invalid: errors.length };
    },

    // The staged rows (personal data) are deleted as chunks settle, or forgotten on cancel:
    // the bytes they leave in dead tuples (PostgreSQL) or free pages and WAL (SQLite) are
    // scrubbed after the import ends, like an erase's.
    scrubTables: () => IMPORT_SCRUB_TABLES,
  };
}

/** The rows of a stored batch: row objects as given, or a CSV batch's records made rows. */
function rowsOfBatch(json: string): unknown[] {
  const parsed = JSON.parse(json) as unknown[] | { columns: Column[]; records: Array<string[] | null> };
  if (Array.isArray(parsed)) return parsed;
  return parsed.records.map((record) => (record === null ? MALFORMED_CSV_LINE : rowOfRecord(parsed.columns, record)));
}
