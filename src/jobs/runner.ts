import { randomBytes } from 'node:crypto';
import type { Core } from '../core/core.js';
import { AppError, isAppError } from '../core/errors.js';
import { finishOperation } from '../core/operations/finish.js';
import type { Lease, Operation, OperationChunk } from '../core/operations/operation.js';
import type { Logger } from '../logger.js';

export interface RunnerOptions {
  /** Contacts (or named targets) per chunk. */
  chunkSize: number;
  /** How long a claim stays ours without renewal. */
  leaseMs?: number;
  /** Failed attempts before the operation is marked failed. */
  maxAttempts?: number;
  /** A name for this worker in leases (default: random). */
  workerId?: string;
  /** How long a scrub stays reserved to its worker without a heartbeat (default 10 s). */
  scrubLeaseMs?: number;
  logger?: Logger;
}

/** Backoff after the n-th failed attempt: 1 s, 2 s, 4 s … capped at a minute. */
export const backoffMs = (attempt: number): number => Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));

/** A scrub that could not run (readers held the database) is tried again this much later. */
const SCRUB_RETRY_MS = 30_000;

/**
 * A scrub is reserved to the worker doing it (the one that ended the operation, or the one
 * that claimed it) by a lease it renews every third of this while it scrubs: sibling loops
 * and other workers leave it alone while that worker lives, and take it up as soon as the
 * lease lapses when it dies (a PostgreSQL rewrite of a large table takes many seconds).
 */
const SCRUB_LEASE_MS = 10_000;

/** At most this many operations share one scrub. */
const SCRUB_BATCH = 500;

/**
 * Runs operations one bounded step at a time. Every step is one transaction that claims
 * its work and commits its progress with it (PostgreSQL: rows claimed FOR UPDATE SKIP
 * LOCKED, so several runners share one operation's chunks without overlap; SQLite: one
 * writer at a time). A crash rolls back the step in flight; the next claim resumes from
 * what was committed.
 */
export class OperationRunner {
  readonly workerId: string;
  readonly #chunkSize: number;
  readonly #leaseMs: number;
  readonly #maxAttempts: number;
  readonly #scrubLeaseMs: number;

  constructor(
    private readonly core: Core,
    private readonly options: RunnerOptions,
  ) {
    this.workerId = options.workerId ?? `worker-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.#chunkSize = options.chunkSize;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#scrubLeaseMs = options.scrubLeaseMs ?? SCRUB_LEASE_MS;
  }

  private get deps() {
    return this.core.deps;
  }

  private lease(now: number): Lease {
    return { owner: this.workerId, expiresAt: now + this.#leaseMs };
  }

  private scrubLease(now: number): Lease {
    return { owner: this.workerId, expiresAt: now + this.#scrubLeaseMs };
  }

  /** Does one step of work; false when there was nothing to do now. */
  async step(): Promise<boolean> {
    return (await this.cancelOne()) || (await this.planOne()) || (await this.chunkOne()) || (await this.scrubOne());
  }

  /** Steps until nothing is left to do now; returns the number of steps. */
  async runUntilIdle(): Promise<number> {
    let steps = 0;
    while (await this.step()) steps++;
    return steps;
  }

  /** An operation whose cancel was requested stops here, between chunks. */
  private async cancelOne(): Promise<boolean> {
    const now = this.deps.clock.now();
    const op = await this.deps.store.transaction(async (tx) => {
      const found = await tx.operations.claimCancelRequested(now);
      if (!found) return undefined;
      await finishOperation(this.deps, tx, found, 'canceled', now, { needsScrub: this.needsScrub(found), scrubLease: this.scrubLease(now) });
      return found;
    });
    if (op && this.needsScrub(op)) await this.scrub(op);
    return op !== undefined;
  }

  /** A queued operation gets its chunks (ranges of targets or of contact ids). */
  private async planOne(): Promise<boolean> {
    const now = this.deps.clock.now();
    let claimed: Operation | undefined;
    try {
      const ended = await this.deps.store.transaction(async (tx) => {
        claimed = await tx.operations.claimQueued(now);
        if (!claimed) return undefined;
        const handler = this.handler(claimed);
        const plan = await handler.plan(tx, claimed, { now, chunkSize: this.#chunkSize });
        await tx.operations.savePlan(claimed.id, plan.chunks, plan.expected, now, this.lease(now));
        await this.core.requests.operationStarted(tx, claimed);
        if (plan.expected !== undefined && claimed.parentId !== null) await tx.operations.addCounts(claimed.parentId, { expected: plan.expected }, now);
        if (plan.chunks.length > 0) return undefined;
        // Nothing to do: it ends here.
        const planned = (await tx.operations.findById(null, claimed.id)) ?? claimed;
        return finishOperation(this.deps, tx, planned, 'completed', now, { needsScrub: false });
      });
      void ended;
    } catch (error) {
      if (!claimed) throw error;
      await this.failedAttempt(claimed.id, error);
    }
    return claimed !== undefined;
  }

  /** One chunk, in one transaction with its progress. */
  private async chunkOne(): Promise<boolean> {
    const now = this.deps.clock.now();
    let chunk: OperationChunk | undefined;
    let finished: Operation | undefined;
    try {
      await this.deps.store.transaction(async (tx) => {
        chunk = await tx.operations.claimChunk(now);
        if (!chunk) return;
        const op = await tx.operations.findById(null, chunk.operationId);
        if (!op) throw new Error(`operation ${chunk.operationId} of a pending chunk is gone`);
        const delta = await this.handler(op).processChunk(tx, op, chunk, { now });
        const updated = await tx.operations.completeChunk(chunk, delta, now, this.lease(now));
        if (op.parentId !== null) await tx.operations.addCounts(op.parentId, delta, now);
        if (updated.chunksDone >= updated.chunksTotal) {
          finished = await finishOperation(this.deps, tx, updated, 'completed', now, { needsScrub: this.needsScrub(updated), scrubLease: this.scrubLease(now) });
        }
      });
    } catch (error) {
      if (!chunk) throw error;
      await this.failedAttempt(chunk.operationId, error);
      return true;
    }
    if (finished && this.needsScrub(finished)) await this.scrub(finished);
    else if (finished) await this.settled([finished]);
    return chunk !== undefined;
  }

  /**
   * Scrubs that failed earlier, whose worker died, and those of single-contact erases, are
   * done now: one scrub serves every operation due, since all their changes were committed
   * before it started.
   */
  private async scrubOne(): Promise<boolean> {
    const now = this.deps.clock.now();
    const due = await this.deps.store.transaction((tx) => tx.operations.claimScrubs(now, this.scrubLease(now), SCRUB_BATCH));
    const [first, ...others] = due;
    if (!first) return false;
    await this.scrub(first, others);
    return true;
  }

  private handler(op: Operation) {
    const handler = this.core.operations.handlerOf(op.kind);
    if (!handler) throw new AppError('INTERNAL', `no handler for operation kind ${op.kind}`);
    return handler;
  }

  private needsScrub(op: Operation): boolean {
    return (this.core.operations.handlerOf(op.kind)?.scrubTables?.(op) ?? []).length > 0;
  }

  /**
   * Makes removed data unrecoverable from the database files. CONFLICT (readers still
   * hold old pages) leaves scrubbed_at unset and tries again later.
   */
  private async scrub(op: Operation, alongside: readonly Operation[] = []): Promise<void> {
    const all = [op, ...alongside];
    const ids = all.map((o) => o.id);
    const tables = [...new Set(all.flatMap((o) => this.core.operations.handlerOf(o.kind)?.scrubTables?.(o) ?? []))];
    // The heartbeat: while this worker lives and scrubs, the reservation stays its own.
    const heartbeat = setInterval(() => {
      this.deps.store.operations.renewScrubLease(ids, this.scrubLease(this.deps.clock.now())).catch((error: unknown) => this.options.logger?.warn({ err: describe(error) }, 'scrub lease not renewed'));
    }, Math.max(10, Math.floor(this.#scrubLeaseMs / 3)));
    heartbeat.unref();
    try {
      if (tables.length > 0) await this.deps.store.scrubStorage(tables);
      clearInterval(heartbeat);
      const now = this.deps.clock.now();
      for (const o of all) await this.deps.store.operations.markScrubbed(o.id, now);
    } catch (error) {
      clearInterval(heartbeat);
      if (!(isAppError(error) && error.code === 'CONFLICT')) this.options.logger?.error({ operationId: op.id, err: describe(error) }, 'storage scrub failed');
      const later = this.deps.clock.now() + SCRUB_RETRY_MS;
      for (const o of all) await this.deps.store.operations.postponeScrub(o.id, later);
      return;
    }
    await this.settled(all);
  }

  /** Ended and scrubbed: the privacy requests these operations answer may now be complete. */
  private async settled(ops: readonly Operation[]): Promise<void> {
    try {
      await this.core.requests.operationsSettled(ops);
    } catch (error) {
      // The scheduler's reconciliation completes the request later.
      this.options.logger?.warn({ operationIds: ops.map((o) => o.id), err: describe(error) }, 'privacy request not yet settled');
    }
  }

  /** Counts a failed attempt; waits with backoff, or marks the operation failed after the last. */
  private async failedAttempt(operationId: number, error: unknown): Promise<void> {
    const now = this.deps.clock.now();
    // A driver's message may quote values: only codes and our own messages are kept.
    const info = isAppError(error) ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: 'a step of the operation failed' };
    this.options.logger?.warn({ operationId, err: describe(error) }, 'operation step failed');
    await this.deps.store.transaction(async (tx) => {
      const op = await tx.operations.findById(null, operationId);
      if (!op || (op.state !== 'queued' && op.state !== 'processing')) return;
      const attempts = await tx.operations.retryLater(operationId, now + backoffMs(op.attempts + 1), info);
      if (attempts >= this.#maxAttempts) {
        const failed = (await tx.operations.findById(null, operationId)) ?? op;
        await finishOperation(this.deps, tx, failed, 'failed', now, { error: { code: info.code, message: `${info.message} (after ${attempts} attempts)` }, needsScrub: this.needsScrub(op) });
      }
    });
  }
}

/** An error for logs: its kind and code, never a driver's message (it may quote values). */
function describe(error: unknown): { name: string; code?: unknown } {
  if (isAppError(error)) return { name: error.name, code: error.code };
  if (error instanceof Error) return { name: error.name, code: (error as { code?: unknown }).code };
  return { name: typeof error };
}
