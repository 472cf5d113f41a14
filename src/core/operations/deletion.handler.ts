import type { CoreDeps } from '../context.js';
import { CONTACT_STATUSES } from '../contacts/contact.js';
import { applyAction, ELIGIBLE, placeholderEmail } from '../lifecycle/apply-action.js';
import type { ContactFilter, IdentityColumn, LifecycleContact } from '../lifecycle/lifecycle.js';
import { SCRUBBABLE_TABLES } from '../ports.js';
import type { Repositories } from '../ports.js';
import type { CountsDelta, Operation, OperationAction, OperationChunk, ValueSelectorKind } from './operation.js';
import type { OperationKindHandler } from './operation-kind.js';
import { isValueSelector, planChunks } from './plan-chunks.js';
import { targetHash } from './targets.js';

const COLUMN: Record<ValueSelectorKind, IdentityColumn> = { ids: 'id', uuids: 'uuid', external_keys: 'external_key', emails: 'email_norm' };


/** The contacts a range-planned selector covers: those the action can change (a scheduler purge: those due). */
function filterOf(operation: Operation): ContactFilter {
  const action = operation.action as OperationAction;
  if (operation.selectorKind === 'due') return { statuses: CONTACT_STATUSES, purgeDueAt: Number(operation.params.dueAt) };
  if (operation.selectorKind === 'list') return { statuses: ELIGIBLE[action], listId: Number(operation.params.listId) };
  if (operation.selectorKind === 'lists') return { statuses: ELIGIBLE[action], listIds: (operation.params.listIds as number[] | undefined) ?? [] };
  return { statuses: ELIGIBLE[action] };
}

/**
 * The deletion kind: soft delete, restore, erase and purge over named targets (chunks of
 * target seqs) or over a list, all contacts, or contacts due for purge (chunks of contact ids).
 */
export function deletionHandler(deps: CoreDeps): OperationKindHandler {
  return {
    plan: (tx, operation, { chunkSize }) => planChunks(tx, operation, filterOf(operation), chunkSize),

    async processChunk(tx, operation, chunk, { now }) {
      const account = await tx.accounts.findById(operation.accountId);
      if (!account) throw new Error(`account ${operation.accountId} is gone`);
      const action = operation.action as OperationAction;
      const options = {
        now,
        operationId: operation.id,
        dryRun: operation.dryRun,
        restoreToLists: (operation.params.restoreToLists as number[] | undefined) ?? [],
        ...(typeof operation.params.purgesAtOnce === 'boolean' ? { purgesAtOnce: operation.params.purgesAtOnce } : {}),
        ...(typeof operation.params.windowDays === 'number' ? { windowDays: operation.params.windowDays } : {}),
      };
      if (!isValueSelector(operation.selectorKind)) {
        const contacts = await tx.lifecycle.findInRange(operation.accountId, filterOf(operation), chunk.rangeStart, chunk.rangeEnd, { lock: 'update' });
        const result = await applyAction(tx, deps.hasher, account, action, contacts, options);
        return { processed: contacts.length, succeeded: result.done.length, skipped: result.skipped.length };
      }
      return processTargets(deps, tx, operation, chunk, async (contacts) => applyAction(tx, deps.hasher, account, action, contacts, options));
    },

    scrubTables(operation) {
      // A soft delete that only marks contacts removes no personal data (their rows keep it,
      // to be restored); scrubbing after it would rewrite whole tables for nothing.
      const removesData = operation.action === 'soft_delete' ? operation.params.purgesAtOnce !== false : operation.action !== 'restore';
      return removesData && !operation.dryRun ? SCRUBBABLE_TABLES : [];
    },
  };
}

/** Resolves a chunk of named targets to contacts, applies the action, records each target's outcome and forgets its value. */
export async function processTargets(
  deps: CoreDeps,
  tx: Repositories,
  operation: Operation,
  chunk: OperationChunk,
  apply: (contacts: LifecycleContact[]) => Promise<{ done: LifecycleContact[]; skipped: Array<{ contact: LifecycleContact; reason: string }> }>,
): Promise<CountsDelta> {
  const kind = operation.selectorKind as ValueSelectorKind;
  const pending = (await tx.operations.pendingTargets(operation.id, chunk.rangeStart, chunk.rangeEnd)).filter((t) => t.value !== null) as Array<{ seq: number; value: string }>;
  if (pending.length === 0) return {};
  // For emails, an erased shell is found by its placeholder, so that it reads as "already erased" (or is purged).
  const placeholders = new Map<string, string>();
  let lookup: Array<string | number> = pending.map((t) => (kind === 'ids' ? Number(t.value) : t.value));
  if (kind === 'emails') {
    for (const t of pending) placeholders.set(placeholderEmail(deps.hasher, t.value), t.value);
    lookup = [...lookup, ...placeholders.keys()];
  }
  const found = await tx.lifecycle.findBy(operation.accountId, COLUMN[kind], lookup, { lock: 'update' });
  const byValue = new Map<string, LifecycleContact>();
  for (const contact of found) {
    const key =
      kind === 'ids' ? String(contact.id) : kind === 'uuids' ? contact.uuid : kind === 'external_keys' ? (contact.externalKey ?? '') : contact.emailNorm === null ? '' : (placeholders.get(contact.emailNorm) ?? contact.emailNorm);
    // A live contact wins over an erased shell of the same address.
    if (!byValue.has(key) || byValue.get(key)?.status === 'erased') byValue.set(key, contact);
  }
  const contacts = [...new Map([...byValue.values()].map((c) => [c.id, c])).values()].sort((a, b) => a.id - b.id);
  const result = await apply(contacts);
  const doneIds = new Set(result.done.map((c) => c.id));
  const skipReason = new Map(result.skipped.map((s) => [s.contact.id, s.reason]));
  type Settled = { seq: number; valueHash: string };
  const done: Settled[] = [];
  const notFound: Settled[] = [];
  const skipped = new Map<string, Settled[]>();
  for (const target of pending) {
    const contact = byValue.get(target.value);
    const settled = { seq: target.seq, valueHash: targetHash(deps.hasher, kind, target.value) };
    if (!contact) notFound.push(settled);
    else if (doneIds.has(contact.id)) done.push(settled);
    else {
      const reason = skipReason.get(contact.id) ?? 'not eligible';
      skipped.set(reason, [...(skipped.get(reason) ?? []), settled]);
    }
  }
  await tx.operations.settleTargets(operation.id, done, 'done', null);
  await tx.operations.settleTargets(operation.id, notFound, 'not_found', null);
  for (const [reason, seqs] of skipped) await tx.operations.settleTargets(operation.id, seqs, 'skipped', reason);
  return { processed: pending.length, succeeded: done.length, notFound: notFound.length, skipped: pending.length - done.length - notFound.length };
}
