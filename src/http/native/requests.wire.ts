import { Type } from 'typebox';
import type { Static } from 'typebox';
import { toIso } from '../../core/clock.js';
import { VALUE_SELECTOR_KINDS } from '../../core/operations/operation.js';
import { REQUEST_STATES, REQUEST_TYPES } from '../../core/requests/request.js';
import type { RequestState, RequestType } from '../../core/requests/request.js';
import type { CreateRequestInput, RequestView } from '../../core/requests/requests.service.js';
import { MAX_PERSON_IDENTIFIERS } from '../../core/requests/requests.service.js';
import { OperationSchema, presentOperation, RequestedBySchema } from './operations.wire.js';
import { IsoTime } from './schemas.js';
import { Nullable, parseIsoTime } from './wire.js';

/** Privacy requests on the wire: snake_case JSON with ISO times, and the mapping to core. */

export const RequestTypeSchema = Type.Unsafe<RequestType>({ type: 'string', enum: [...REQUEST_TYPES], description: 'erasure (GDPR Art. 17; needs the "erase" scope) or access (Art. 15; needs "read")' });
export const RequestStateSchema = Type.Unsafe<RequestState>({ type: 'string', enum: [...REQUEST_STATES] });

const Identifiers = (description: string) =>
  Type.Optional(
    Type.Array(Type.Union([Type.String({ maxLength: 1024 }), Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })]), {
      minItems: 1,
      maxItems: MAX_PERSON_IDENTIFIERS,
      description: `${description} (1 to ${MAX_PERSON_IDENTIFIERS})`,
    }),
  );

const PersonBody = Type.Object(
  {
    emails: Identifiers('Email addresses of the person (compared case-insensitively)'),
    ids: Identifiers('Contact ids'),
    uuids: Identifiers('Contact uuids'),
    external_keys: Identifiers('Contact external keys'),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1, description: 'The person, by exactly one of emails, ids, uuids or external_keys' },
);

export const CreateRequestBody = Type.Object(
  {
    type: RequestTypeSchema,
    person: PersonBody,
    accounts: Type.Optional(
      Type.Unsafe<'self' | 'all'>({ type: 'string', enum: ['self', 'all'], description: 'all: this (parent) account and every sub-account; an erasure across accounts names the person by emails' }),
    ),
    received_at: Type.Optional(Type.String({ format: 'date-time', description: 'When the person\'s request arrived (default now); the deadline runs from it' })),
    reference: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Your reference (the ticket id in your own system); also the label of the request\'s operation' })),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'A note for the team; an erasure request forgets it when it completes' })),
  },
  { additionalProperties: false },
);

export function createRequestInputOf(body: Static<typeof CreateRequestBody>): CreateRequestInput {
  const p = body.person;
  const person = p.emails ? { kind: 'emails' as const, values: p.emails } : p.ids ? { kind: 'ids' as const, values: p.ids } : p.uuids ? { kind: 'uuids' as const, values: p.uuids } : { kind: 'external_keys' as const, values: p.external_keys ?? [] };
  return {
    type: body.type,
    person,
    ...(body.accounts !== undefined ? { accounts: body.accounts } : {}),
    ...(body.received_at !== undefined ? { receivedAt: parseIsoTime(body.received_at) } : {}),
    ...(body.reference !== undefined ? { reference: body.reference } : {}),
    ...(body.note !== undefined ? { note: body.note } : {}),
  };
}

export const RejectBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why the request is refused (e.g. identity not verified)' }) }, { additionalProperties: false });
export const ExtendBody = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why more time is needed (complexity, number of requests)' }),
    due_at: Type.Optional(Type.String({ format: 'date-time', description: 'The new deadline (default and latest: request_max_days after receipt)' })),
  },
  { additionalProperties: false },
);

export const RequestSchema = Type.Object({
  id: Type.Integer(),
  uuid: Type.String(),
  account_id: Type.Integer(),
  type: RequestTypeSchema,
  state: RequestStateSchema,
  accounts: Type.String({ description: 'self, or all (the account and its sub-accounts)' }),
  person: Type.Object({
    kind: Type.String({ description: VALUE_SELECTOR_KINDS.join(', ') }),
    count: Type.Integer({ description: 'Identifiers named (only their keyed hashes are kept)' }),
  }),
  reference: Nullable(Type.String()),
  note: Nullable(Type.String()),
  received_at: IsoTime,
  due_at: IsoTime,
  original_due_at: IsoTime,
  overdue: Type.Boolean({ description: 'Open (received or in_progress) and past due_at' }),
  extension: Nullable(Type.Object({ extended_at: IsoTime, reason: Type.String() })),
  rejection: Nullable(Type.Object({ rejected_at: IsoTime, reason: Type.String() })),
  completed_at: IsoTime,
  operation: Nullable(OperationSchema),
  receipt: Nullable(Type.String({ description: 'Once an erasure request completes: the URL of its operation\'s receipt' })),
  export: Nullable(
    Type.Object({
      ready_at: IsoTime,
      expires_at: IsoTime,
      deleted_at: IsoTime,
      json: Nullable(Type.String({ description: 'URL of the JSON document (while downloadable)' })),
      zip: Nullable(Type.String({ description: 'URL of the CSV files in one zip (while downloadable)' })),
    }),
  ),
  requested_by: RequestedBySchema,
  created_at: IsoTime,
  updated_at: IsoTime,
});

export function presentRequest(r: RequestView, now: number): Static<typeof RequestSchema> {
  const downloadable = r.exportReadyAt !== null && r.exportDeletedAt === null && (r.exportExpiresAt ?? 0) > now;
  return {
    id: r.id,
    uuid: r.uuid,
    account_id: r.accountId,
    type: r.type,
    state: r.state,
    accounts: r.scope,
    person: { kind: r.subjectKind, count: r.subjectCount },
    reference: r.reference,
    note: r.note,
    received_at: toIso(r.receivedAt),
    due_at: toIso(r.dueAt),
    original_due_at: toIso(r.originalDueAt),
    overdue: r.overdue,
    extension: r.extendedAt === null ? null : { extended_at: toIso(r.extendedAt), reason: r.extensionReason ?? '' },
    rejection: r.rejectedAt === null ? null : { rejected_at: toIso(r.rejectedAt), reason: r.rejectionReason ?? '' },
    completed_at: toIso(r.completedAt),
    operation: r.operation ? presentOperation(r.operation) : null,
    receipt: r.type === 'erasure' && r.state === 'completed' && r.operationId !== null ? `/v1/operations/${r.operationId}/receipt` : null,
    export:
      r.type === 'access'
        ? {
            ready_at: toIso(r.exportReadyAt),
            expires_at: toIso(r.exportExpiresAt),
            deleted_at: toIso(r.exportDeletedAt),
            json: downloadable ? `/v1/requests/${r.id}/export` : null,
            zip: downloadable ? `/v1/requests/${r.id}/export.zip` : null,
          }
        : null,
    requested_by: { key_id: r.requestedByKeyId, via: r.via, operator: r.operator },
    created_at: toIso(r.createdAt),
    updated_at: toIso(r.updatedAt),
  };
}
