import { assertRoomForOperation } from '../operations/operations.service.js';
import type { MatchBy } from '../contacts/contact.js';
import { checkListIds, checkSource } from '../contacts/contact-rules.js';
import type { CoreDeps } from '../context.js';
import type { Actor } from '../actor.js';
import { newUuid } from '../crypto.js';
import { invalid, notFound } from '../errors.js';
import { checkPageLimit } from '../input.js';
import type { Operation } from '../operations/operation.js';
import type { OperationsService } from '../operations/operations.service.js';
import { auditOperation } from '../operations/audit-operation.js';
import { DEFAULT_IMPORT_CHUNK, IMPORT_ACTION, IMPORT_KIND, MAX_IMPORT_CHUNK, MAX_IMPORT_ROWS } from './import.js';
import type { ImportParams, ImportRowError, ImportSettings, ImportTallies, RowBatch } from './import.js';
import { jsonRows, readRows } from './import-source.js';

export type { ImportSettings } from './import.js';
import type { ImportSource } from './import-source.js';
import { hasControlChars } from '../text.js';

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


/** An import: its operation (state, counts, rate, ETA) and what it created and updated. */
export interface ImportView {
  operation: Operation;
  created: number;
  updated: number;
}

const LABEL_MAX = 64;
/**
 * Batches stored per insert while an import is created: small ones share a statement,
 * up to this many characters; a large one (a chunk of 10,000 rows is megabytes) goes
 * alone, since one statement of tens of megabytes costs the driver and PostgreSQL more
 * than several of a few (measured: 24 MB in ten statements took half the time of one).
 */
const CHARS_PER_INSERT = 1 << 20;
/** …and at most this many batches. */
const BATCHES_PER_INSERT = 100;

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
    this.chunkSize = Math.max(1, Math.min(settings.chunkSize ?? DEFAULT_IMPORT_CHUNK, MAX_IMPORT_CHUNK));
    this.maxRows = Math.max(1, settings.maxRows ?? MAX_IMPORT_ROWS);
  }

  /**
   * Reads the rows of a JSON array or a CSV (parsed as it streams) into batches, one per
   * chunk, then stores them and queues their import in one short transaction. A file that
   * cannot be imported as a whole (not CSV, no column to match on, empty, too many rows,
   * unknown list) is refused before anything is written. Problems with single rows are
   * reported per row once the import runs.
   *
   * Reading comes first so that the write lock (SQLite has one) is held for the inserts
   * only, not for the parsing of up to a million rows. The batches are compact (a CSV
   * batch keeps its cells in arrays, under the header's columns), about the size of the
   * file itself.
   */
  async create(actor: Actor, source: ImportSource, options: ImportOptions = {}): Promise<Operation> {
    const matchBy = options.matchBy ?? 'email';
    if (matchBy !== 'email' && matchBy !== 'externalKey') throw invalid('match_by', 'match_by is email or external_key');
    const contactSource = checkSource(options.source ?? actor.via);
    if (options.label !== undefined && (typeof options.label !== 'string' || options.label.length === 0 || options.label.length > LABEL_MAX || hasControlChars(options.label))) {
      throw invalid('label', `a label is 1 to ${LABEL_MAX} characters, no control characters`);
    }
    const { accountId } = actor;
    // An unknown list is refused before the file is read (and checked again when storing).
    await checkListIds(this.deps.store, accountId, options.listIds);
    const { batches, rows } = await this.readBatches(source, matchBy);

    const operationId = await this.deps.store.transaction(async (tx) => {
      const listIds = await checkListIds(tx, accountId, options.listIds);
      await assertRoomForOperation(tx, accountId);
      const params: ImportParams & { label?: string; operator?: string; chunkSize: number } = {
        matchBy,
        listIds,
        source: contactSource,
        format: source.format,
        chunkSize: this.chunkSize,
        ...(options.label !== undefined ? { label: options.label } : {}),
        ...(actor.operator ? { operator: actor.operator } : {}),
      };
      const operation = await tx.operations.insert({
        accountId,
        uuid: newUuid(),
        parentId: null,
        kind: IMPORT_KIND,
        action: IMPORT_ACTION,
        selectorKind: 'rows',
        selectorSize: rows,
        params: params as unknown as Record<string, unknown>,
        dryRun: false,
        state: 'queued',
        expected: rows,
        processed: 0,
        invalid: 0,
        duplicates: 0,
        requestedByKeyId: actor.keyId,
        via: actor.via,
        now: this.deps.clock.now(),
      });
      for (const run of storedRuns(batches)) await tx.imports.insertBatches(accountId, operation.id, run);
      await auditOperation(this.deps, tx, operation, 'operation.created');
      return operation.id;
    }, { lockAccounts: [accountId] });
    this.deps.notifyWork();
    return this.operations.get(actor, operationId);
  }

  /** The source's rows in batches of `chunkSize`: JSON arrays of rows, or for a CSV, `{columns, records}` (parsed as it streams). */
  private async readBatches(source: ImportSource, matchBy: MatchBy): Promise<{ batches: RowBatch[]; rows: number }> {
    if (source.format === 'json') {
      // Parsed already: sliced into batches, one stringify each (a row that is no JSON value becomes null).
      const all = jsonRows(source, { maxRows: this.maxRows });
      const batches: RowBatch[] = [];
      for (let start = 0; start < all.length; start += this.chunkSize) batches.push({ firstRow: start + 1, rows: JSON.stringify(all.slice(start, start + this.chunkSize)) });
      return { batches, rows: all.length };
    }
    const batches: RowBatch[] = [];
    let columns = '';
    let rows = 0;
    let pending: unknown[] = [];
    const seal = () => {
      batches.push({ firstRow: rows - pending.length + 1, rows: `{"columns":${columns},"records":${JSON.stringify(pending)}}` });
      pending = [];
    };
    const reading = readRows(source, {
      requiredColumn: matchBy === 'email' ? 'email' : 'external_key',
      maxRows: this.maxRows,
      onColumns: (found) => {
        columns = JSON.stringify(found);
      },
    });
    for await (const row of reading) {
      pending.push(row);
      rows += 1;
      if (pending.length >= this.chunkSize) seal();
    }
    if (pending.length > 0) seal();
    return { batches, rows };
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

  /**
   * The rows an import could not write, in row order: row number, field and reason (never the
   * value). With `warned`: the rows it wrote with a warning (under the account's `warn`
   * re-import policy, an address once erased in the account).
   */
  async errors(actor: Actor, ref: number | string, page: { cursor?: number; limit?: number } = {}, outcome: 'invalid' | 'warned' = 'invalid'): Promise<{ items: ImportRowError[]; nextCursor: number | null }> {
    const { operation } = await this.get(actor, ref);
    const limit = checkPageLimit(page.limit ?? 100);
    const rows = await this.deps.store.imports.errors(actor.accountId, operation.id, { ...(page.cursor !== undefined ? { afterRow: page.cursor } : {}), limit: limit + 1 }, outcome);
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.row ?? null) : null };
  }
}

/** Batches grouped for insertion: consecutive ones up to CHARS_PER_INSERT characters (at least one each). */
function storedRuns(batches: readonly RowBatch[]): RowBatch[][] {
  const runs: RowBatch[][] = [];
  let run: RowBatch[] = [];
  let chars = 0;
  for (const batch of batches) {
    if (run.length > 0 && (chars + batch.rows.length > CHARS_PER_INSERT || run.length >= BATCHES_PER_INSERT)) {
      runs.push(run);
      run = [];
      chars = 0;
    }
    run.push(batch);
    chars += batch.rows.length;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

const isNotFound = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'NOT_FOUND';

export type { ImportSource };
