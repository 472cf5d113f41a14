import { Type } from 'typebox';
import type { Static } from 'typebox';
import { toIso } from '../../core/clock.js';
import type { Operation } from '../../core/operations/operation.js';
import type { OperationReceipt, ReceiptAnchor } from '../../core/reports/operation-reports.service.js';
import { IsoTime } from './schemas.js';
import { operationOutcome } from '../../core/operations/outcome.js';
import { CountsSchema, countsToWire, OutcomeWireSchema, requestedByOf, RequestedBySchema, StateSchema } from './operations.wire.js';
import { Nullable } from './wire.js';

/**
 * A receipt on the wire: what was done, by whom and through which API, with counts and
 * times, anchored to the audit entry that closed the operation. It names no contact and
 * holds no value of the request: only kinds, sizes, counts, ids and hashes.
 */

const AnchorSchema = Type.Object(
  {
    account_id: Type.Integer(),
    seq: Type.Integer({ description: 'Position of the entry in the account\'s audit chain' }),
    action: Type.String({ description: 'operation.completed, operation.failed or operation.canceled' }),
    at: Type.String({ format: 'date-time' }),
    hash: Type.String({ description: 'The entry\'s chain hash (SHA-256, hex): GET /v1/audit shows the same value at this seq' }),
    prev_hash: Type.String(),
  },
  { description: 'The audit entry this receipt is anchored to' },
);

const ReceiptOperation = Type.Object({
  id: Type.Integer(),
  uuid: Type.String(),
  kind: Type.String(),
  action: Type.String(),
  label: Nullable(Type.String()),
  dry_run: Type.Boolean(),
  state: StateSchema,
  selector: Type.Object({ kind: Type.String(), size: Type.Integer() }),
  counts: CountsSchema,
  created_at: IsoTime,
  started_at: IsoTime,
  finished_at: IsoTime,
  outcome: OutcomeWireSchema,
  requested_by: RequestedBySchema,
  error_code: Nullable(Type.String()),
});

const AccountRef = Type.Object({ id: Type.Integer(), name: Type.String() });

export const ReceiptSchema = Type.Object({
  receipt_version: Type.Literal(1),
  issued_at: Type.String({ format: 'date-time' }),
  account: AccountRef,
  operation: ReceiptOperation,
  anchor: AnchorSchema,
  parts: Type.Array(Type.Object({ account: AccountRef, operation: ReceiptOperation, anchor: Nullable(AnchorSchema) }), { description: 'The per-account parts of a cross-account request, each anchored in its own account\'s chain' }),
});

const presentAnchor = (a: ReceiptAnchor): Static<typeof AnchorSchema> => ({
  account_id: a.accountId,
  seq: a.seq,
  action: a.action,
  at: toIso(a.at) ?? '',
  hash: a.hash,
  prev_hash: a.prevHash,
});

const presentOperation = (op: Operation): Static<typeof ReceiptOperation> => ({
  id: op.id,
  uuid: op.uuid,
  kind: op.kind,
  action: op.action,
  label: op.label,
  dry_run: op.dryRun,
  state: op.state,
  selector: { kind: op.selectorKind, size: op.selectorSize },
  counts: countsToWire(op.counts),
  created_at: toIso(op.createdAt),
  started_at: toIso(op.startedAt),
  finished_at: toIso(op.finishedAt),
  outcome: operationOutcome(op),
  requested_by: requestedByOf(op),
  // The code only: an error's message may quote what it choked on.
  error_code: op.error?.code ?? null,
});

export const presentReceipt = (r: OperationReceipt): Static<typeof ReceiptSchema> => ({
  receipt_version: 1,
  issued_at: toIso(r.issuedAt) ?? '',
  account: { id: r.operation.accountId, name: r.accountName },
  operation: presentOperation(r.operation),
  anchor: presentAnchor(r.anchor),
  parts: r.children.map((c) => ({ account: { id: c.operation.accountId, name: c.accountName }, operation: presentOperation(c.operation), anchor: c.anchor ? presentAnchor(c.anchor) : null })),
});
