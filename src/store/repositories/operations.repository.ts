import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import type { Surface } from '../../core/actor.js';
import type {
  CountsDelta,
  Lease,
  NewOperation,
  NewTarget,
  Operation,
  OperationChunk,
  OperationState,
  OperationsRepository,
  OperationTarget,
  TargetOutcome,
} from '../../core/operations/operation.js';
import { TARGET_BIND_PARAMS_PER_ROW } from '../../core/operations/operation.js';
import { chunked, rowsRelation, VALUES_RUN } from '../batching.js';
import type { Capabilities } from '../database.js';
import { stagingKeyId } from '../keyring/keyring.js';
import type { Keyring } from '../keyring/keyring.js';
import type { Database, OperationsTable } from '../schema.js';

type Row = Selectable<OperationsTable>;

function parseParams(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toOperation(row: Row): Operation {
  const params = parseParams(row.params);
  return {
    id: row.id,
    uuid: row.uuid,
    accountId: row.account_id,
    parentId: row.parent_operation_id,
    kind: row.kind,
    action: row.action,
    label: typeof params.label === 'string' ? params.label : null,
    operator: typeof params.operator === 'string' ? params.operator : null,
    selectorKind: row.selector_kind,
    selectorSize: row.selector_size,
    dryRun: row.dry_run === 1,
    state: row.state as OperationState,
    counts: {
      expected: row.expected,
      processed: row.processed,
      succeeded: row.succeeded,
      notFound: row.not_found,
      invalid: row.invalid,
      failed: row.failed,
      skipped: row.skipped,
      duplicates: row.duplicates,
    },
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    ratePerSecond: null,
    etaSeconds: null,
    via: row.via as Surface,
    requestedByKeyId: row.requested_by_key_id,
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    children: [],
    params,
    scrubbedAt: row.scrubbed_at,
    cancelRequestedAt: row.cancel_requested_at,
    chunksTotal: row.chunks_total,
    chunksDone: row.chunks_done,
    attempts: row.attempts,
  };
}

const COUNT_COLUMNS = { processed: 'processed', succeeded: 'succeeded', notFound: 'not_found', invalid: 'invalid', failed: 'failed', skipped: 'skipped', expected: 'expected' } as const;

export class KyselyOperationsRepository implements OperationsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
    /** Destroys an operation's staging key when it ends: any copy of its staged values becomes unreadable. */
    private readonly keyring?: Keyring,
  ) {}

  /** `col = col + n` for every non-zero count of the delta. */
  private increments(delta: CountsDelta & { expected?: number }) {
    const set: Record<string, unknown> = {};
    for (const [key, column] of Object.entries(COUNT_COLUMNS)) {
      const n = delta[key as keyof typeof delta];
      if (n) set[column] = sql`${sql.ref(column)} + ${n}`;
    }
    return set;
  }

  async insert(op: NewOperation): Promise<Operation> {
    const row = await this.db
      .insertInto('operations')
      .values({
        account_id: op.accountId,
        uuid: op.uuid,
        parent_operation_id: op.parentId,
        kind: op.kind,
        action: op.action,
        selector_kind: op.selectorKind,
        selector_size: op.selectorSize,
        params: JSON.stringify(op.params),
        dry_run: op.dryRun ? 1 : 0,
        state: op.state,
        expected: op.expected,
        processed: op.processed,
        invalid: op.invalid,
        duplicates: op.duplicates,
        run_after: op.now,
        requested_by_key_id: op.requestedByKeyId,
        via: op.via,
        created_at: op.now,
        started_at: op.state === 'processing' ? op.now : null,
        updated_at: op.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toOperation(row);
  }

  async insertTargets(operationId: number, accountId: number, targets: readonly NewTarget[]): Promise<void> {
    // Pending values (nearly all of a large request) go in bulk: a whole run of seqs and
    // values as two array parameters (or one JSON text), so a million targets take a few
    // statements instead of hundreds of huge parameter lists.
    // One run's seqs and values at a time: a million targets never exist twice over as rows.
    const rest: NewTarget[] = [];
    let seqs: number[] = [];
    let values: string[] = [];
    const flush = async () => {
      if (seqs.length === 0) return;
      if (this.capabilities.arrayParams) {
        await sql`insert into operation_targets (operation_id, seq, account_id, value, outcome)
          select ${operationId}, t.seq, ${accountId}, t.value, 'pending'
          from unnest(cast(${seqs} as integer[]), cast(${values} as text[])) as t(seq, value)`.execute(this.db);
      } else {
        await sql`insert into operation_targets (operation_id, seq, account_id, value, outcome)
          select ${operationId}, json_extract(j.value, '$[0]'), ${accountId}, json_extract(j.value, '$[1]'), 'pending'
          from json_each(${JSON.stringify(seqs.map((seq, i) => [seq, values[i]]))}) as j`.execute(this.db);
      }
      seqs = [];
      values = [];
    };
    for (const t of targets) {
      if (t.outcome === 'pending' && t.valueHash === null && t.detail === null && t.value !== null) {
        seqs.push(t.seq);
        values.push(t.value);
        if (seqs.length >= VALUES_RUN) await flush();
      } else rest.push(t);
    }
    await flush();
    const size = Math.floor((this.capabilities.maxBindParams - 10) / TARGET_BIND_PARAMS_PER_ROW);
    for (const run of chunked(rest, size)) {
      await this.db
        .insertInto('operation_targets')
        .values(run.map((t) => ({ operation_id: operationId, seq: t.seq, account_id: accountId, value: t.value, value_hash: t.valueHash, outcome: t.outcome, detail: t.detail })))
        .execute();
    }
  }

  async findById(accountId: number | null, id: number): Promise<Operation | undefined> {
    let query = this.db.selectFrom('operations').selectAll().where('id', '=', id);
    if (accountId !== null) query = query.where('account_id', '=', accountId);
    const row = await query.executeTakeFirst();
    return row ? toOperation(row) : undefined;
  }

  async findByUuid(accountId: number, uuid: string): Promise<Operation | undefined> {
    const row = await this.db.selectFrom('operations').selectAll().where('account_id', '=', accountId).where('uuid', '=', uuid).executeTakeFirst();
    return row ? toOperation(row) : undefined;
  }

  async children(parentId: number): Promise<Operation[]> {
    // A parent's children live in its sub-accounts: this read follows the parent's own link.
    const rows = await this.db.selectFrom('operations').selectAll().where('parent_operation_id', '=', parentId).orderBy('id').execute();
    return rows.map(toOperation);
  }

  async list(
    accountId: number,
    q: { state?: string; action?: string; kind?: string; via?: string; from?: number; to?: number; beforeId?: number; limit: number; excludeChildren: boolean },
  ): Promise<Operation[]> {
    let query = this.db.selectFrom('operations').selectAll().where('account_id', '=', accountId);
    if (q.state !== undefined) query = query.where('state', '=', q.state);
    if (q.action !== undefined) query = query.where('action', '=', q.action);
    if (q.kind !== undefined) query = query.where('kind', '=', q.kind);
    if (q.via !== undefined) query = query.where('via', '=', q.via);
    if (q.from !== undefined) query = query.where('created_at', '>=', q.from);
    if (q.to !== undefined) query = query.where('created_at', '<', q.to);
    if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
    if (q.excludeChildren) query = query.where('parent_operation_id', 'is', null);
    const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map(toOperation);
  }

  async targets(accountId: number, operationId: number, q: { outcome?: string; afterSeq?: number; limit: number }): Promise<OperationTarget[]> {
    let query = this.db
      .selectFrom('operation_targets')
      .select(['seq', 'value', 'value_hash', 'contact_id', 'outcome', 'detail'])
      .where('operation_id', '=', operationId)
      .where('account_id', '=', accountId);
    if (q.outcome !== undefined) query = query.where('outcome', '=', q.outcome);
    if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq);
    const rows = await query.orderBy('seq').limit(q.limit).execute();
    return rows.map((r) => ({ seq: r.seq, value: r.value, valueHash: r.value_hash, contactId: r.contact_id, outcome: r.outcome as TargetOutcome, detail: r.detail }));
  }

  async pendingTargets(operationId: number, start: number, end: number): Promise<Array<{ seq: number; value: string | null; valueHash: string | null }>> {
    const rows = await this.db
      .selectFrom('operation_targets')
      .select(['seq', 'value', 'value_hash'])
      .where('operation_id', '=', operationId)
      .where('seq', '>=', start)
      .where('seq', '<=', end)
      .where('outcome', '=', 'pending')
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({ seq: r.seq, value: r.value, valueHash: r.value_hash }));
  }

  async settleTargets(operationId: number, targets: ReadonlyArray<{ seq: number; valueHash: string }>, outcome: string, detail: string | null): Promise<void> {
    // One statement per run: each target's hash joined on its seq, the run bound as one parameter.
    for (const run of chunked(targets, VALUES_RUN)) {
      const values = rowsRelation(this.capabilities, 'v', [['seq', 'integer'], ['hash', 'text']], run.map((t) => [t.seq, t.valueHash]));
      await this.db
        .updateTable('operation_targets')
        .from(values as never)
        .set({ value: null, value_hash: sql.ref('v.hash'), outcome, detail })
        .where('operation_targets.operation_id', '=', operationId)
        .whereRef('operation_targets.seq', '=', sql.ref('v.seq') as never)
        .execute();
    }
  }

  async forgetPendingValues(operationId: number): Promise<void> {
    await this.db.updateTable('operation_targets').set({ value: null }).where('operation_id', '=', operationId).where('value', 'is not', null).execute();
  }

  async requestCancel(id: number, now: number): Promise<void> {
    await this.db.updateTable('operations').set({ cancel_requested_at: now, updated_at: now }).where('id', '=', id).where('cancel_requested_at', 'is', null).execute();
  }

  async claimQueued(now: number): Promise<Operation | undefined> {
    let query = this.db.selectFrom('operations').selectAll().where('state', '=', 'queued').where('run_after', '<=', now).where('cancel_requested_at', 'is', null).orderBy('id').limit(1);
    if (this.capabilities.skipLocked) query = query.forUpdate().skipLocked();
    const row = await query.executeTakeFirst();
    return row ? toOperation(row) : undefined;
  }

  async savePlan(id: number, chunks: ReadonlyArray<{ rangeStart: number; rangeEnd: number }>, expected: number | undefined, now: number, lease: Lease): Promise<void> {
    const op = await this.db.selectFrom('operations').select(['account_id']).where('id', '=', id).executeTakeFirstOrThrow();
    const size = Math.floor((this.capabilities.maxBindParams - 10) / 6);
    const rows = chunks.map((c, i) => ({ operation_id: id, chunk_no: i + 1, account_id: op.account_id, range_start: c.rangeStart, range_end: c.rangeEnd, state: 'pending' }));
    for (const run of chunked(rows, size)) await this.db.insertInto('operation_chunks').values(run).execute();
    await this.db
      .updateTable('operations')
      .set({
        state: 'processing',
        chunks_total: chunks.length,
        ...(expected !== undefined ? { expected } : {}),
        started_at: now,
        lease_owner: lease.owner,
        lease_expires_at: lease.expiresAt,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  async claimChunk(now: number): Promise<OperationChunk | undefined> {
    let query = this.db
      .selectFrom('operation_chunks')
      .select(['operation_id', 'chunk_no', 'account_id', 'range_start', 'range_end'])
      .where('state', '=', 'pending')
      .where('operation_id', 'in', (eb) =>
        eb.selectFrom('operations').select('id').where('state', '=', 'processing').where('run_after', '<=', now).where('cancel_requested_at', 'is', null),
      )
      // Lowest chunk number first, across operations: a small request queued behind a
      // million-contact one gets its first chunk next instead of waiting for the end.
      .orderBy('chunk_no')
      .orderBy('operation_id')
      .limit(1);
    if (this.capabilities.skipLocked) query = query.forUpdate().skipLocked();
    const row = await query.executeTakeFirst();
    return row ? { operationId: row.operation_id, chunkNo: row.chunk_no, accountId: row.account_id, rangeStart: row.range_start, rangeEnd: row.range_end } : undefined;
  }

  async completeChunk(chunk: OperationChunk, delta: CountsDelta, now: number, lease: Lease): Promise<Operation> {
    const marked = await this.db
      .updateTable('operation_chunks')
      .set({ state: 'done', done_at: now })
      .where('operation_id', '=', chunk.operationId)
      .where('chunk_no', '=', chunk.chunkNo)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    // The chunk row was locked by claimChunk; a second completion means two workers overlapped.
    if (Number(marked.numUpdatedRows) !== 1) throw new Error(`chunk ${chunk.operationId}/${chunk.chunkNo} was already done`);
    const row = await this.db
      .updateTable('operations')
      .set({ ...this.increments(delta), chunks_done: sql`chunks_done + 1`, lease_owner: lease.owner, lease_expires_at: lease.expiresAt, updated_at: now })
      .where('id', '=', chunk.operationId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toOperation(row);
  }

  async addCounts(id: number, delta: CountsDelta & { expected?: number }, now: number): Promise<void> {
    const set = this.increments(delta);
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('operations').set({ ...set, updated_at: now }).where('id', '=', id).execute();
  }

  async finish(id: number, state: OperationState, now: number, options: { error?: { code: string; message: string }; scrubbed: boolean; scrubLease?: Lease }): Promise<void> {
    await this.keyring?.destroy([stagingKeyId(id)]);
    await this.db
      .updateTable('operations')
      .set({
        state,
        finished_at: now,
        started_at: sql`coalesce(started_at, ${now})`,
        // A scrub still owed is reserved to the worker that scrubs right after, for as long as it renews the lease.
        lease_owner: options.scrubbed ? null : (options.scrubLease?.owner ?? null),
        lease_expires_at: options.scrubbed ? null : (options.scrubLease?.expiresAt ?? null),
        run_after: now,
        updated_at: now,
        ...(options.error ? { error_code: options.error.code, error_message: options.error.message } : {}),
        ...(options.scrubbed ? { scrubbed_at: now } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async cancelPendingChunks(id: number): Promise<void> {
    await this.db.updateTable('operation_chunks').set({ state: 'canceled' }).where('operation_id', '=', id).where('state', '=', 'pending').execute();
  }

  async claimCancelRequested(now: number): Promise<Operation | undefined> {
    let query = this.db
      .selectFrom('operations')
      .selectAll()
      .where('state', 'in', ['queued', 'processing'])
      .where('cancel_requested_at', 'is not', null)
      .where('cancel_requested_at', '<=', now)
      .orderBy('id')
      .limit(1);
    if (this.capabilities.skipLocked) query = query.forUpdate().skipLocked();
    const row = await query.executeTakeFirst();
    return row ? toOperation(row) : undefined;
  }

  async unfinishedChildren(parentId: number): Promise<number> {
    const row = await this.db
      .selectFrom('operations')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('parent_operation_id', '=', parentId)
      .where('state', 'in', ['queued', 'processing'])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async requeue(id: number, now: number): Promise<void> {
    await this.db.deleteFrom('operation_chunks').where('operation_id', '=', id).execute();
    await this.db
      .updateTable('operations')
      .set({ state: 'queued', chunks_total: 0, chunks_done: 0, attempts: 0, error_code: null, error_message: null, finished_at: null, lease_owner: null, lease_expires_at: null, cancel_requested_at: null, run_after: now, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async retryLater(id: number, runAfter: number, error: { code: string; message: string }): Promise<number> {
    const row = await this.db
      .updateTable('operations')
      .set({ attempts: sql`attempts + 1`, run_after: runAfter, error_code: error.code, error_message: error.message, lease_owner: null, lease_expires_at: null })
      .where('id', '=', id)
      .returning(['attempts'])
      .executeTakeFirstOrThrow();
    return row.attempts;
  }

  /** Ended operations whose storage scrub is due and not reserved by a live worker, oldest first. */
  private scrubDue(now: number) {
    return this.db
      .selectFrom('operations')
      .selectAll()
      .where('state', 'in', ['completed', 'failed', 'canceled'])
      .where('scrubbed_at', 'is', null)
      .where('run_after', '<=', now)
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
      .orderBy('id');
  }

  async claimScrubs(now: number, lease: Lease, limit: number): Promise<Operation[]> {
    let query = this.scrubDue(now).limit(limit);
    if (this.capabilities.skipLocked) query = query.forUpdate().skipLocked();
    const rows = await query.execute();
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    await this.db.updateTable('operations').set({ lease_owner: lease.owner, lease_expires_at: lease.expiresAt }).where('id', 'in', ids).execute();
    return rows.map((row) => toOperation({ ...row, lease_owner: lease.owner, lease_expires_at: lease.expiresAt }));
  }

  async renewScrubLease(ids: readonly number[], lease: Lease): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('operations')
      .set({ lease_expires_at: lease.expiresAt })
      .where('id', 'in', [...ids])
      .where('lease_owner', '=', lease.owner)
      .where('scrubbed_at', 'is', null)
      .execute();
  }

  async markScrubbed(id: number, now: number): Promise<void> {
    await this.db.updateTable('operations').set({ scrubbed_at: now, lease_owner: null, lease_expires_at: null }).where('id', '=', id).execute();
  }

  async postponeScrub(id: number, runAfter: number): Promise<void> {
    await this.db.updateTable('operations').set({ run_after: runAfter, lease_owner: null, lease_expires_at: null }).where('id', '=', id).execute();
  }

  async nextScrubOwedAt(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('operations')
      .select((eb) => eb.fn.min(sql<number>`case when lease_expires_at is not null and lease_expires_at > run_after then lease_expires_at else run_after end`).as('at'))
      .where('state', 'in', ['completed', 'failed', 'canceled'])
      .where('scrubbed_at', 'is', null)
      .executeTakeFirst();
    return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
  }

  async countUnfinished(accountId: number): Promise<number> {
    // Index operations_account_state_idx (migration 0007).
    const row = await this.db
      .selectFrom('operations')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('account_id', '=', accountId)
      .where('state', 'in', ['queued', 'processing'])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async findByTargetHashes(accountId: number, valueHashes: readonly string[], limit: number): Promise<Operation[]> {
    if (valueHashes.length === 0) return [];
    const rows = await this.db
      .selectFrom('operations')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', 'in', (eb) => eb.selectFrom('operation_targets').select('operation_id').where('account_id', '=', accountId).where('value_hash', 'in', [...valueHashes]))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toOperation);
  }

  async hasActiveSchedulerPurge(accountId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('operations')
      .select('id')
      .where('account_id', '=', accountId)
      .where('via', '=', 'scheduler')
      .where('state', 'in', ['queued', 'processing'])
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}
