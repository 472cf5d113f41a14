import type { MatchBy } from '../contacts/contact.js';
import { checkListIds, checkSource } from '../contacts/contact-rules.js';
import type { Actor, CoreDeps } from '../context.js';
import { newUuid } from '../crypto.js';
import { invalid, notFound } from '../errors.js';
import { checkPageLimit } from '../input.js';
import type { Operation } from '../operations/operation.js';
import type { OperationsService } from '../operations/operations.service.js';
import { auditOperation } from '../operations/audit-operation.js';
import { DEFAULT_IMPORT_CHUNK, IMPORT_ACTION, IMPORT_KIND, MAX_IMPORT_ROWS } from './import.js';
import type { ImportParams, ImportRowError, ImportTallies } from './import.js';
import { readRows } from './import-source.js';
import type { ImportSource } from './import-source.js';

export interface ImportOptions {
  /** The identity rows are matched on (default `email`); rows without it are invalid. */
  matchBy?: MatchBy;
  /** Lists every imported contact joins. */
  listIds?: number[];
  /** A label for the dialect's job type (e.g. `sendgrid.upsert_contacts`), shown back. */
  label?: string;
  /** Recorded as the contacts' create/update source; default: the surface the request came through. */
  source?: string;
}

export interface ImportSettings {
  /** Rows per chunk (one transaction each); default 1,000. */
  chunkSize?: number;
  /** Most rows per import; default 1,000,000. */
  maxRows?: number;
}

/** An import: its operation (state, counts, rate, ETA) and what it created and updated. */
export interface ImportView {
  operation: Operation;
  created: number;
  updated: number;
}

const LABEL_MAX = 64;
/** Rows stored per insert while an import is created. */
const STORE_BATCH = 5000;

/**
 * Bulk imports of contacts, run in the background as operations of kind
 * `import.contacts`. Creating one stores its rows durably and returns at once; the
 * worker then upserts them chunk by chunk (see `importHandler`).
 */
export class ImportsService {
  readonly chunkSize: number;
  readonly maxRows: number;

  constructor(
    private readonly deps: CoreDeps,
    private readonly operations: OperationsService,
    settings: ImportSettings = {},
  ) {
    this.chunkSize = Math.max(1, Math.min(settings.chunkSize ?? DEFAULT_IMPORT_CHUNK, DEFAULT_IMPORT_CHUNK));
    this.maxRows = Math.max(1, settings.maxRows ?? MAX_IMPORT_ROWS);
  }

  /**
   * Stores the rows of a JSON array or a CSV (parsed as it streams) and queues their
   * import. A file that cannot be imported as a whole (not CSV, no column to match on,
   * empty, too many rows, unknown list) is refused before or while it is read, inside
   * the transaction that stores it: a refused import leaves nothing behind. Problems
   * with single rows are reported per row once the import runs.
   */
  async create(actor: Actor, source: ImportSource, options: ImportOptions = {}): Promise<Operation> {
    const matchBy = options.matchBy ?? 'email';
    if (matchBy !== 'email' && matchBy !== 'externalKey') throw invalid('match_by', 'match_by is email or external_key');
    const contactSource = checkSource(options.source ?? actor.via);
    if (options.label !== undefined && (typeof options.label !== 'string' || options.label.length === 0 || options.label.length > LABEL_MAX)) {
      throw invalid('label', `a label is 1 to ${LABEL_MAX} characters`);
    }
    const { accountId } = actor;
    const now = this.deps.clock.now();
    const operationId = await this.deps.store.transaction(async (tx) => {
      const listIds = await checkListIds(tx, accountId, options.listIds);
      const params: ImportParams & { label?: string; chunkSize: number } = {
        matchBy,
        listIds,
        source: contactSource,
        format: source.format,
        chunkSize: this.chunkSize,
        ...(options.label !== undefined ? { label: options.label } : {}),
      };
      const operation = await tx.operations.insert({
        accountId,
        uuid: newUuid(),
        parentId: null,
        kind: IMPORT_KIND,
        action: IMPORT_ACTION,
        selectorKind: 'rows',
        selectorSize: 0,
        params: params as unknown as Record<string, unknown>,
        dryRun: false,
        state: 'queued',
        expected: 0,
        processed: 0,
        invalid: 0,
        duplicates: 0,
        requestedByKeyId: actor.keyId,
        via: actor.via,
        now,
      });
      const { id } = operation;
      let stored = 0;
      let batch: string[] = [];
      const flush = async () => {
        await tx.imports.insertRows(accountId, id, stored + 1, batch);
        stored += batch.length;
        batch = [];
      };
      for await (const row of readRows(source, { requiredColumn: matchBy === 'email' ? 'email' : 'external_key', maxRows: this.maxRows })) {
        batch.push(JSON.stringify(row) ?? 'null');
        if (batch.length >= STORE_BATCH) await flush();
      }
      if (batch.length > 0) await flush();
      await tx.imports.setRowCount(accountId, id, stored);
      await auditOperation(this.deps, tx, { ...operation, selectorSize: stored, counts: { ...operation.counts, expected: stored } }, 'operation.created');
      return id;
    });
    this.deps.notifyWork();
    return this.operations.get(actor, operationId);
  }

  /** An import of the acting account, by id or uuid, with its created and updated counts. */
  async get(actor: Actor, ref: number | string): Promise<ImportView> {
    const operation = await this.operations.get(actor, ref).catch((error: unknown) => {
      throw isNotFound(error) ? notFound('import') : error;
    });
    if (operation.kind !== IMPORT_KIND) throw notFound('import');
    const tallies: ImportTallies = await this.deps.store.imports.tallies(actor.accountId, operation.id);
    return { operation, ...tallies };
  }

  /** The rows an import could not write, in row order: row number, field and reason (never the value). */
  async errors(actor: Actor, ref: number | string, page: { cursor?: number; limit?: number } = {}): Promise<{ items: ImportRowError[]; nextCursor: number | null }> {
    const { operation } = await this.get(actor, ref);
    const limit = checkPageLimit(page.limit ?? 100);
    const rows = await this.deps.store.imports.errors(actor.accountId, operation.id, { ...(page.cursor !== undefined ? { afterRow: page.cursor } : {}), limit: limit + 1 });
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.row ?? null) : null };
  }
}

const isNotFound = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'NOT_FOUND';

export type { ImportSource };
