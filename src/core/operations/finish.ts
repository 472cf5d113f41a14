import type { CoreDeps } from '../context.js';
import type { Repositories } from '../ports.js';
import { DELETION_KIND, VALUE_SELECTOR_KINDS } from './operation.js';
import type { Lease, Operation, OperationState, ValueSelectorKind } from './operation.js';
import { targetHash } from './targets.js';
import { auditOperation } from './audit-operation.js';
import { IMPORT_KIND } from '../imports/import.js';
import { emitEvent, operationData } from '../webhooks/emit.js';

/**
 * Ends an operation in the caller's transaction: its state, the audit entry, the raw
 * values of targets it never reached forgotten, and, for the last part of a cross-account
 * request, the parent. Storage scrubbing (outside any transaction) follows when
 * `needsScrub`; otherwise the operation is marked scrubbed at once. A caller that scrubs
 * right after passes its `scrubLease`, so that other workers leave that scrub to it while it lives.
 */
export async function finishOperation(
  deps: CoreDeps,
  tx: Repositories,
  op: Operation,
  state: Exclude<OperationState, 'queued' | 'processing'>,
  now: number,
  options: { error?: { code: string; message: string }; needsScrub?: boolean; scrubLease?: Lease } = {},
): Promise<Operation> {
  if (state !== 'completed') {
    await tx.operations.cancelPendingChunks(op.id);
    if (op.kind === DELETION_KIND && (VALUE_SELECTOR_KINDS as readonly string[]).includes(op.selectorKind)) await hashUnreached(deps, tx, op);
    await tx.operations.forgetPendingValues(op.id);
  }
  // Marketing Cloud's deleteListWhenCompleted: the list goes with the work that emptied it.
  if (state === 'completed' && op.kind === DELETION_KIND && op.selectorKind === 'list' && op.params.deleteListWhenCompleted === true && !op.dryRun) {
    await tx.lists.delete(op.accountId, Number(op.params.listId));
  }
  await tx.operations.finish(op.id, state, now, { ...(options.error ? { error: options.error } : {}), scrubbed: !options.needsScrub, ...(options.scrubLease !== undefined ? { scrubLease: options.scrubLease } : {}) });
  const ended = (await tx.operations.findById(null, op.id)) ?? op;
  await auditOperation(deps, tx, ended, `operation.${state}`);
  // Webhooks: in this transaction, so the event is sent if and only if the operation ended.
  if (state === 'completed' || state === 'failed') {
    const isImport = ended.kind === IMPORT_KIND;
    const type = state === 'failed' ? 'operation.failed' : isImport ? 'import.completed' : 'operation.completed';
    const tallies = isImport ? await tx.imports.tallies(ended.accountId, ended.id) : undefined;
    await emitEvent(tx, ended.accountId, type, operationData(ended, tallies ? { created: tallies.created, updated: tallies.updated } : {}), now);
  }
  if (op.parentId !== null && (await tx.operations.unfinishedChildren(op.parentId)) === 0) {
    const parent = await tx.operations.findById(null, op.parentId);
    if (parent && (parent.state === 'queued' || parent.state === 'processing')) {
      const parts = await tx.operations.children(parent.id);
      const parentState = parts.some((p) => p.state === 'failed') ? 'failed' : parts.some((p) => p.state === 'canceled') ? 'canceled' : 'completed';
      // The parts scrub their own accounts' storage; the parent removed nothing itself.
      await finishOperation(deps, tx, parent, parentState, now);
    }
  }
  return ended;
}

/** Targets never reached keep, like the others, only their keyed hash (outcome stays pending). */
async function hashUnreached(deps: CoreDeps, tx: Repositories, op: Operation): Promise<void> {
  const rows = Number(op.params.targetRows ?? 0);
  const kind = op.selectorKind as ValueSelectorKind;
  for (let start = 1; start <= rows; start += HASH_PAGE) {
    const pending = await tx.operations.pendingTargets(op.id, start, start + HASH_PAGE - 1);
    const items = pending.flatMap((t) => (t.value === null ? [] : [{ seq: t.seq, valueHash: targetHash(deps.hasher, kind, t.value) }]));
    await tx.operations.settleTargets(op.id, items, 'pending', 'not processed: the operation ended first');
  }
}

const HASH_PAGE = 10_000;
