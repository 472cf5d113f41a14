import type { ContactInput } from '../contacts/contact.js';
import { upsertContactsInTransaction } from '../contacts/upsert-contacts.js';
import type { CoreDeps } from '../context.js';
import type { CountsDelta, OperationKindHandler } from '../operations/operation.js';
import { DEFAULT_IMPORT_CHUNK } from './import.js';
import type { ImportParams, ImportRowError } from './import.js';
import { inputOfRow } from './import-row.js';

/**
 * Runs imports for the operations worker. The plan cuts the rows into chunks of
 * `chunkSize` row numbers; each chunk reads its pending rows, upserts them through the
 * bulk upsert in the worker's transaction, and settles them: written rows are removed
 * (their data with them), rows that failed keep only their error. A chunk that is run
 * again finds no pending rows and does nothing.
 */
export function importHandler(deps: Pick<CoreDeps, 'store'>): OperationKindHandler {
  return {
    async plan(_tx, operation, context) {
      const params = operation.params as Partial<ImportParams> & { chunkSize?: number };
      // The smaller of the import's chunk size (at most what one upsert transaction takes) and the worker's.
      const size = Math.max(1, Math.min(params.chunkSize ?? DEFAULT_IMPORT_CHUNK, context.chunkSize));
      const rows = operation.selectorSize;
      const chunks: Array<{ rangeStart: number; rangeEnd: number }> = [];
      for (let start = 1; start <= rows; start += size) chunks.push({ rangeStart: start, rangeEnd: Math.min(rows, start + size - 1) });
      return { chunks, expected: rows };
    },

    async processChunk(tx, operation, chunk, context): Promise<CountsDelta> {
      const params = operation.params as unknown as ImportParams;
      const { accountId } = operation;
      const pending = await tx.imports.pendingRows(accountId, operation.id, chunk.rangeStart, chunk.rangeEnd);
      const errors: ImportRowError[] = [];
      const inputs: ContactInput[] = [];
      const seqs: number[] = [];
      for (const { seq, value } of pending) {
        const mapped = inputOfRow(value === null ? null : (JSON.parse(value) as unknown));
        if ('problem' in mapped) errors.push({ row: seq, field: mapped.problem.field ?? 'row', code: 'VALIDATION_FAILED', message: mapped.problem.message });
        else {
          inputs.push(mapped.input);
          seqs.push(seq);
        }
      }
      const results = await upsertContactsInTransaction(tx, deps.store.capabilities.maxBindParams, accountId, inputs, {
        source: params.source,
        listIds: params.listIds ?? [],
        matchBy: params.matchBy ?? 'email',
        now: context.now,
      });
      let created = 0;
      let updated = 0;
      results.forEach((result, i) => {
        if (result.outcome === 'created') created += 1;
        else if (result.outcome === 'updated') updated += 1;
        else if (result.outcome === 'invalid') errors.push({ row: seqs[i] ?? 0, field: result.field, code: result.code, message: result.message });
      });
      errors.sort((a, b) => a.row - b.row);
      await tx.imports.settleRows(accountId, operation.id, chunk.rangeStart, chunk.rangeEnd, errors);
      await tx.imports.addTallies(accountId, operation.id, { created, updated });
      return { processed: pending.length, succeeded: created + updated, invalid: errors.length };
    },
  };
}
