import { randomBytes } from 'node:crypto';
import type { Repositories } from '../ports.js';
import type { Operation } from '../operations/operation.js';
import type { WebhookEventType } from './webhook.js';

/** A Standard Webhooks message id: unique, the same on every attempt of one event. */
export const newMsgId = (): string => `msg_${randomBytes(16).toString('hex')}`;

/** The body of every delivery: `{type, timestamp, data}` (Standard Webhooks' recommended envelope). */
export const eventPayload = (type: string, now: number, data: Record<string, unknown>): string => JSON.stringify({ type, timestamp: new Date(now).toISOString(), data });

/**
 * Writes an event to the outbox in the caller's transaction, with a delivery for each of
 * the account's enabled endpoints that want it: the change and its event commit together,
 * or neither does. Nothing is written when no endpoint wants it.
 */
export async function emitEvent(tx: Repositories, accountId: number, type: WebhookEventType, data: Record<string, unknown>, now: number): Promise<void> {
  const endpoints = await tx.webhooks.subscribers(accountId, type);
  if (endpoints.length === 0) return;
  await tx.webhooks.enqueue(accountId, { msgId: newMsgId(), type, payload: eventPayload(type, now, data) }, endpoints.map((e) => e.id), now);
}

/** An operation as events show it: ids, kinds, states and counts, never values. */
export function operationData(op: Operation, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    operation: {
      id: op.id,
      uuid: op.uuid,
      kind: op.kind,
      action: op.action,
      state: op.state,
      label: op.label,
      dry_run: op.dryRun,
      selector: { kind: op.selectorKind, size: op.selectorSize },
      counts: {
        expected: op.counts.expected,
        processed: op.counts.processed,
        succeeded: op.counts.succeeded,
        not_found: op.counts.notFound,
        invalid: op.counts.invalid,
        failed: op.counts.failed,
        skipped: op.counts.skipped,
      },
      error: op.error,
      created_at: new Date(op.createdAt).toISOString(),
      finished_at: op.finishedAt === null ? null : new Date(op.finishedAt).toISOString(),
      ...extra,
    },
  };
}
