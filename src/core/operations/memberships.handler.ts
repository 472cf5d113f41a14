import type { CoreDeps } from '../context.js';
import type { ContactFilter, LifecycleContact } from '../lifecycle/lifecycle.js';
import type { Repositories } from '../ports.js';
import { processTargets } from './deletion.handler.js';
import type { Operation } from './operation.js';
import type { OperationKindHandler } from './operation-kind.js';
import { isValueSelector, planChunks } from './plan-chunks.js';

/** Bulk list-membership work: its own kind of operation, beside deletion and imports. */
export const MEMBERSHIPS_KIND = 'memberships';

/**
 * - `add_to_lists`: every selected contact joins the lists; a soft-deleted one is restored
 *   onto them (the bulk revive of vendors such as Constant Contact);
 * - `remove_from_lists`: every selected contact leaves the lists (it stays a contact);
 * - `delete_list`: a list deleted at once (recorded only; never queued).
 */
export const MEMBERSHIP_ACTIONS = ['add_to_lists', 'remove_from_lists', 'delete_list'] as const;
export type MembershipAction = (typeof MEMBERSHIP_ACTIONS)[number];


/** The contacts a range selector covers: active ones (`all`), or the members of the source lists. */
function filterOf(operation: Operation): ContactFilter {
  if (operation.selectorKind === 'lists') return { statuses: ['active'], listIds: (operation.params.sourceListIds as number[] | undefined) ?? [] };
  return { statuses: ['active'] };
}

const listIdsOf = (operation: Operation): number[] => (operation.params.listIds as number[] | undefined) ?? [];

async function apply(tx: Repositories, operation: Operation, contacts: readonly LifecycleContact[], now: number) {
  const done: LifecycleContact[] = [];
  const skipped: Array<{ contact: LifecycleContact; reason: string }> = [];
  for (const contact of contacts) {
    if (contact.status === 'erased') skipped.push({ contact, reason: 'erased' });
    else done.push(contact);
  }
  if (done.length === 0 || operation.dryRun) return { done, skipped };
  const listIds = listIdsOf(operation);
  if (operation.action === 'add_to_lists') {
    const deleted = done.filter((c) => c.status === 'deleted').map((c) => c.id);
    const active = done.filter((c) => c.status === 'active').map((c) => c.id);
    if (deleted.length > 0) await tx.lifecycle.restore(operation.accountId, deleted, now, listIds);
    if (active.length > 0) await tx.lists.addContactsToLists(operation.accountId, active, listIds, now);
  } else if (operation.action === 'remove_from_lists') {
    const ids = done.map((c) => c.id);
    for (const listId of listIds) await tx.lists.removeMemberships(operation.accountId, listId, ids);
  }
  return { done, skipped };
}

/** Adds contacts to lists (reviving deleted ones) or takes them off, in chunks like deletion work. */
export function membershipsHandler(deps: CoreDeps): OperationKindHandler {
  return {
    plan: (tx, operation, { chunkSize }) => planChunks(tx, operation, filterOf(operation), chunkSize),

    async processChunk(tx, operation, chunk, { now }) {
      if (!isValueSelector(operation.selectorKind)) {
        const contacts = await tx.lifecycle.findInRange(operation.accountId, filterOf(operation), chunk.rangeStart, chunk.rangeEnd, { lock: 'update' });
        const result = await apply(tx, operation, contacts, now);
        return { processed: contacts.length, succeeded: result.done.length, skipped: result.skipped.length };
      }
      return processTargets(deps, tx, operation, chunk, (contacts) => apply(tx, operation, contacts, now));
    },
  };
}
