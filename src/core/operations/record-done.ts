import type { Actor } from '../actor.js';
import type { CoreDeps } from '../context.js';
import { newUuid } from '../crypto.js';
import type { Repositories } from '../ports.js';
import { auditOperation } from './audit-operation.js';
import { finishOperation } from './finish.js';
import type { NewOperation, Operation } from './operation.js';

/**
 * Records a change already made in this transaction as a completed operation of size 1 (listed,
 * audited, with a receipt, like any other): a single-contact action, a list deleted at once.
 * Its storage scrub, when `needsScrub`, is the worker's.
 */
export async function recordDoneOperation(
  deps: CoreDeps,
  tx: Repositories,
  actor: Actor,
  what: Pick<NewOperation, 'kind' | 'action' | 'selectorKind' | 'params'>,
  now: number,
  options: { needsScrub?: boolean } = {},
): Promise<Operation> {
  const created = await tx.operations.insert({
    ...what,
    params: { ...what.params, ...(actor.operator ? { operator: actor.operator } : {}) },
    accountId: actor.accountId,
    uuid: newUuid(),
    parentId: null,
    selectorSize: 1,
    dryRun: false,
    state: 'processing',
    expected: 1,
    processed: 0,
    invalid: 0,
    duplicates: 0,
    requestedByKeyId: actor.keyId,
    via: actor.via,
    now,
  });
  await auditOperation(deps, tx, created, 'operation.created');
  await tx.operations.addCounts(created.id, { processed: 1, succeeded: 1 }, now);
  const counted = (await tx.operations.findById(null, created.id)) ?? created;
  return finishOperation(deps, tx, counted, 'completed', now, { needsScrub: options.needsScrub ?? false });
}
