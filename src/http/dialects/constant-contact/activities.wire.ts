import { Type } from 'typebox';
import type { Static } from 'typebox';
import type { Operation } from '../../../core/operations/operation.js';
import { operationOutcome } from '../../../core/operations/outcome.js';
import type { OperationOutcome } from '../../../core/operations/outcome.js';
import { iso } from './contacts.wire.js';

/** Constant Contact's activity (its bulk jobs), as a view of a Lethe operation. */

/** Constant Contact's activity state for each of core's outcomes. */
const STATE_OF: Record<OperationOutcome, string> = {
  pending: 'initialized',
  running: 'processing',
  completed: 'completed',
  completed_with_errors: 'completed',
  failed: 'failed',
  canceled: 'cancelled',
};

export const Activity = Type.Object({
  activity_id: Type.String(),
  state: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  started_at: Type.Optional(Type.String()),
  completed_at: Type.Optional(Type.String()),
  percent_done: Type.Integer(),
  activity_errors: Type.Array(Type.String()),
  status: Type.Object({
    items_total_count: Type.Integer(),
    items_completed_count: Type.Integer(),
    error_count: Type.Integer(),
    list_count: Type.Optional(Type.Integer()),
  }),
  _links: Type.Object({ self: Type.Object({ href: Type.String() }) }),
});
export type ActivityWire = Static<typeof Activity>;

export const activityHref = (op: Pick<Operation, 'uuid'>): string => `/v3/activities/${op.uuid}`;

/** Per-item problems as sentences: counts only, never a value. */
function errorsOf(op: Operation): string[] {
  const { notFound, invalid, skipped, failed } = op.counts;
  const errors: string[] = [];
  if (invalid > 0) errors.push(`${invalid} item(s) are not contact ids`);
  if (notFound > 0) errors.push(`${notFound} contact(s) were not found`);
  if (skipped > 0) errors.push(`${skipped} contact(s) were left as they were (already in that state, or erased)`);
  if (failed > 0) errors.push(`${failed} contact(s) failed`);
  if (op.error) errors.push(op.error.message);
  return errors;
}

/** A Lethe operation as Constant Contact's activity status. */
export function presentActivity(op: Operation): ActivityWire {
  const outcome = operationOutcome(op);
  const final = op.state === 'completed' || op.state === 'failed' || op.state === 'canceled';
  const { expected, processed, succeeded, notFound, invalid, failed } = op.counts;
  const percent = expected > 0 ? Math.min(100, Math.floor((processed * 100) / expected)) : op.state === 'completed' ? 100 : 0;
  const listCount = Array.isArray(op.params.listIds) ? op.params.listIds.length : op.params.listId !== undefined ? 1 : undefined;
  const updatedAt = op.finishedAt ?? op.startedAt ?? op.createdAt;
  return {
    activity_id: op.uuid,
    state: STATE_OF[outcome],
    created_at: iso(op.createdAt),
    updated_at: iso(updatedAt),
    ...(op.startedAt !== null ? { started_at: iso(op.startedAt) } : {}),
    ...(final && op.finishedAt !== null ? { completed_at: iso(op.finishedAt) } : {}),
    percent_done: final && op.state === 'completed' ? 100 : percent,
    activity_errors: errorsOf(op),
    status: {
      items_total_count: expected,
      items_completed_count: succeeded,
      error_count: notFound + invalid + failed,
      ...(listCount !== undefined ? { list_count: listCount } : {}),
    },
    _links: { self: { href: activityHref(op) } },
  };
}
