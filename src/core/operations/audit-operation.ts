import { AuditService } from '../audit/audit.service.js';
import type { CoreDeps } from '../context.js';
import type { Repositories } from '../ports.js';
import type { Operation } from './operation.js';

/** Audit data of an operation: counts, selector kind and size, never values. */
export function auditData(op: Operation): Record<string, string | number | boolean | null> {
  return {
    operation_id: op.id,
    uuid: op.uuid,
    kind: op.kind,
    action: op.action,
    selector_kind: op.selectorKind,
    selector_size: op.selectorSize,
    dry_run: op.dryRun,
    parent_id: op.parentId,
    expected: op.counts.expected,
    processed: op.counts.processed,
    succeeded: op.counts.succeeded,
    not_found: op.counts.notFound,
    invalid: op.counts.invalid,
    failed: op.counts.failed,
    skipped: op.counts.skipped,
    duplicates: op.counts.duplicates,
  };
}

/** Records an operation event in its account's audit chain, in the given transaction. */
export async function auditOperation(deps: CoreDeps, tx: Repositories, op: Operation, action: string): Promise<void> {
  await new AuditService(deps).record(tx, {
    accountId: op.accountId,
    actorKeyId: op.requestedByKeyId,
    via: op.via,
    action,
    subjectType: 'operation',
    subjectId: String(op.id),
    data: auditData(op),
    operator: op.operator ?? undefined,
  });
}
