import { Type } from 'typebox';
import type { Static, TObject, TProperties } from 'typebox';
import { toIso } from '../../core/clock.js';
import { MAX_TARGETS, OPERATION_ACTIONS, OPERATION_STATES, TARGET_OUTCOMES, TERMINAL_STATES } from '../../core/operations/operation.js';
import type { CreateOperationInput, Operation, OperationAction, OperationState, OperationTarget, Selector, TargetOutcome } from '../../core/operations/operation.js';
import { OPERATION_OUTCOMES, operationOutcome } from '../../core/operations/outcome.js';
import type { OperationOutcome } from '../../core/operations/outcome.js';
import { IsoTime } from './schemas.js';
import { Nullable } from './wire.js';

/** Operations on the wire: snake_case JSON with ISO times, and the mapping to and from core. */

export const isFinal = (state: OperationState): boolean => TERMINAL_STATES.includes(state);

const MAX_SELECTOR_VALUES = MAX_TARGETS;
/**
 * Body limit of `POST /v1/operations`: a million addresses of typical length are 30–40 MB
 * of JSON (up to some 60 characters each fit), so this route accepts more than the default
 * body limit. A body is held about three times over while it is read: no more than needed.
 */
export const OPERATION_BODY_LIMIT = 64 * 1024 * 1024;
/**
 * The largest valid body holds four containers (the body, its selector, one list of
 * values, `restore_to_lists`) and a million and some values: more is refused unparsed.
 */
export const OPERATION_JSON_BUDGET = { containers: 16, values: MAX_TARGETS + 1_000 } as const;

const ActionSchema = Type.Unsafe<OperationAction>({ type: 'string', enum: [...OPERATION_ACTIONS], description: 'soft_delete and restore need the "delete" scope; erase and purge need "erase"' });
export const StateSchema = Type.Unsafe<OperationState>({ type: 'string', enum: [...OPERATION_STATES] });

/**
 * A selector value: any scalar. Values that name no contact, or are not ids, uuids or
 * addresses at all, are counted as invalid per item and never fail the request; only
 * objects, arrays and over-long strings are refused, so the schema stays one cheap type
 * check per item.
 */
const SelectorValues = (description: string) =>
  Type.Optional(
    Type.Unsafe<unknown[]>({
      type: 'array',
      minItems: 1,
      maxItems: MAX_SELECTOR_VALUES,
      items: { type: ['string', 'number', 'boolean', 'null'], maxLength: 1024 },
      description: `${description}; up to ${MAX_SELECTOR_VALUES.toLocaleString('en-US')} values, duplicates counted once`,
    }),
  );

export const SelectorBody = Type.Object(
  {
    ids: SelectorValues('Contact ids'),
    uuids: SelectorValues('Contact uuids'),
    external_keys: SelectorValues('Contact external keys'),
    emails: SelectorValues('Email addresses (compared case-insensitively)'),
    list: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Every member of this list' })),
    all: Type.Optional(Type.Literal(true, { description: 'Every contact of the account' })),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1, description: 'Exactly one of ids, uuids, external_keys, emails, list or all' },
);

export const CreateOperationBody = Type.Object(
  {
    action: ActionSchema,
    selector: SelectorBody,
    dry_run: Type.Optional(Type.Boolean({ description: 'Count what would be affected and change nothing (needs only the "read" scope)' })),
    accounts: Type.Optional(
      Type.Unsafe<'self' | 'all'>({
        type: 'string',
        enum: ['self', 'all'],
        description: 'all: the acting account and every one of its sub-accounts, one child operation per account (erase by emails only)',
      }),
    ),
    restore_to_lists: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), { maxItems: 100, description: 'restore only: lists to put the restored contacts on' })),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Your reference for this operation (a ticket number, say), shown back on it, in listings and on its receipt' })),
  },
  { additionalProperties: false },
);

export type CreateOperationBodyType = Static<typeof CreateOperationBody>;

export function selectorOf(body: Static<typeof SelectorBody>): Selector {
  if (body.ids) return { kind: 'ids', values: body.ids };
  if (body.uuids) return { kind: 'uuids', values: body.uuids };
  if (body.external_keys) return { kind: 'external_keys', values: body.external_keys };
  if (body.emails) return { kind: 'emails', values: body.emails };
  if (body.list !== undefined) return { kind: 'list', listId: body.list };
  return { kind: 'all' };
}

export function createInputOf(body: CreateOperationBodyType): CreateOperationInput {
  return {
    action: body.action,
    selector: selectorOf(body.selector),
    ...(body.dry_run !== undefined ? { dryRun: body.dry_run } : {}),
    ...(body.accounts !== undefined ? { accounts: body.accounts } : {}),
    ...(body.restore_to_lists !== undefined ? { restoreToLists: body.restore_to_lists } : {}),
    ...(body.label !== undefined ? { label: body.label } : {}),
  };
}

/** Who asked: the key (null for the CLI and the scheduler), the API, and the person at a CLI. */
export const RequestedBySchema = Type.Object({
  key_id: Nullable(Type.String()),
  via: Type.String({ description: 'The API that asked: native, sendgrid, mailjet, …, cli, scheduler' }),
  operator: Nullable(Type.String({ description: 'The person who asked through the CLI (--by, or the OS user); null for keys' })),
});
export const requestedByOf = (op: Operation): Static<typeof RequestedBySchema> => ({ key_id: op.requestedByKeyId, via: op.via, operator: op.operator ?? null });

/** What became of the operation, in one word (`operationOutcome`): the state, with `completed_with_errors` when some targets were invalid or failed. */
export const OutcomeWireSchema = Type.Unsafe<OperationOutcome>({
  type: 'string',
  enum: [...OPERATION_OUTCOMES],
  description: 'pending, running, completed, completed_with_errors (finished, some targets invalid or failed), failed or canceled',
});

const Count = (description: string) => Type.Integer({ minimum: 0, description });

export const CountsSchema = Type.Object({
  expected: Count('Targets to process (after removing duplicates)'),
  processed: Count('Targets processed so far'),
  succeeded: Count('Contacts changed (or, in a dry run, that would be)'),
  not_found: Count('Targets that matched no contact'),
  invalid: Count('Targets that are not a valid id, uuid, key or address'),
  failed: Count('Targets that could not be processed'),
  skipped: Count('Contacts already in the requested state'),
  duplicates: Count('Values named more than once in the request'),
});

const fields = {
  id: Type.Integer(),
  uuid: Type.String(),
  account_id: Type.Integer(),
  parent_id: Nullable(Type.Integer({ description: 'The cross-account operation this one is part of' })),
  kind: Type.String({ description: '"operation" for deletion work, "import.contacts" for imports, "memberships" for bulk list changes' }),
  action: Type.String({ description: `One of ${OPERATION_ACTIONS.join(', ')} (or "import"; for memberships: add_to_lists, remove_from_lists, delete_list)` }),
  label: Nullable(Type.String({ description: "The requester's reference (a ticket number), or for vendor jobs the job type of the API that asked, e.g. sendgrid.delete_contacts" })),
  selector: Type.Object({ kind: Type.String({ description: 'ids, uuids, external_keys, emails, list, lists or all' }), size: Type.Integer({ description: 'Values in the request (0 for list and all)' }) }),
  dry_run: Type.Boolean(),
  state: StateSchema,
  counts: CountsSchema,
  progress: Type.Number({ minimum: 0, maximum: 1, description: 'processed / expected (1 when there is nothing to do)' }),
  created_at: IsoTime,
  started_at: IsoTime,
  finished_at: IsoTime,
  rate_per_second: Nullable(Type.Number({ description: 'Targets per second while processing' })),
  eta_seconds: Nullable(Type.Number({ description: 'Estimated seconds until done' })),
  outcome: OutcomeWireSchema,
  requested_by: RequestedBySchema,
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
};

const ChildSchema = Type.Object(fields);
export const OperationSchema = Type.Object({ ...fields, children: Type.Array(ChildSchema, { description: 'Per-account parts of a cross-account request ([] otherwise)' }) });
export type OperationWire = Static<typeof OperationSchema>;

export const progressOf = (op: Pick<Operation, 'counts' | 'state'>): number => {
  const { expected, processed } = op.counts;
  if (expected <= 0) return op.state === 'completed' ? 1 : 0;
  return Math.min(1, processed / expected);
};

function presentFields(op: Operation): Static<typeof ChildSchema> {
  return {
    id: op.id,
    uuid: op.uuid,
    account_id: op.accountId,
    parent_id: op.parentId,
    kind: op.kind,
    action: op.action,
    label: op.label,
    selector: { kind: op.selectorKind, size: op.selectorSize },
    dry_run: op.dryRun,
    state: op.state,
    counts: countsToWire(op.counts),
    progress: progressOf(op),
    created_at: toIso(op.createdAt),
    started_at: toIso(op.startedAt),
    finished_at: toIso(op.finishedAt),
    rate_per_second: op.ratePerSecond,
    eta_seconds: op.etaSeconds,
    outcome: operationOutcome(op),
    requested_by: requestedByOf(op),
    error: op.error,
  };
}

export const presentOperation = (op: Operation): OperationWire => ({ ...presentFields(op), children: op.children.map(presentFields) });

/** A page of operations, targets or buckets. */
export const PageOf = <T extends TObject<TProperties>>(item: T) => Type.Object({ data: Type.Array(item), next_cursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last page' })) });

export const OutcomeSchema = Type.Unsafe<TargetOutcome>({ type: 'string', enum: [...TARGET_OUTCOMES] });

export const TargetSchema = Type.Object({
  seq: Type.Integer({ description: 'Position among the distinct values of the request, from 1' }),
  value: Nullable(Type.String({ description: 'The value as named, only while the target is pending; null once processed (the request to forget is itself forgotten)' })),
  value_hash: Nullable(Type.String({ description: 'Keyed hash of the normalized value: what stays after processing' })),
  contact_id: Nullable(Type.Integer()),
  outcome: OutcomeSchema,
  detail: Nullable(Type.String({ description: 'Why, for invalid, skipped and failed targets' })),
});

export const presentTarget = (t: OperationTarget): Static<typeof TargetSchema> => ({
  seq: t.seq,
  value: t.value,
  value_hash: t.valueHash,
  contact_id: t.contactId,
  outcome: t.outcome,
  detail: t.detail,
});

/** An operation's counts as the API shows them (also in its receipt). */
export const countsToWire = (c: Operation['counts']) => ({
  expected: c.expected,
  processed: c.processed,
  succeeded: c.succeeded,
  not_found: c.notFound,
  invalid: c.invalid,
  failed: c.failed,
  skipped: c.skipped,
  duplicates: c.duplicates,
});
