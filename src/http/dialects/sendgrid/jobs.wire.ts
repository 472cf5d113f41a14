import { Type } from 'typebox';
import { toIso } from '../../../core/clock.js';
import { IMPORT_KIND } from '../../../core/imports/import.js';
import type { Operation } from '../../../core/operations/operation.js';
import { operationOutcome } from '../../../core/operations/outcome.js';
import type { OperationOutcome } from '../../../core/operations/outcome.js';

/** Operations as SendGrid's job statuses. Job ids are operation uuids. */

type JobStatus = 'pending' | 'completed' | 'errored' | 'failed';

/** SendGrid's name for each outcome: pending = not finished; a canceled job failed. */
const STATUS_OF_OUTCOME: Record<OperationOutcome, JobStatus> = {
  pending: 'pending',
  running: 'pending',
  completed: 'completed',
  completed_with_errors: 'errored',
  failed: 'failed',
  canceled: 'failed',
};

/** The job status of an operation: a lookup of its outcome (a finished job whose every target errored reads `failed`). */
export function jobStatusOf(operation: Operation): JobStatus {
  const outcome = operationOutcome(operation);
  if (outcome === 'completed_with_errors' && operation.counts.succeeded === 0) return 'failed';
  return STATUS_OF_OUTCOME[outcome];
}

export const ContactJob = Type.Object({
  id: Type.String({ description: 'The job id' }),
  status: Type.String({ enum: ['pending', 'completed', 'errored', 'failed'] }),
  job_type: Type.String({ enum: ['upsert', 'delete'] }),
  results: Type.Object({
    requested_count: Type.Integer(),
    created_count: Type.Optional(Type.Integer()),
    updated_count: Type.Optional(Type.Integer()),
    deleted_count: Type.Optional(Type.Integer()),
    errored_count: Type.Integer(),
    errors_url: Type.Optional(Type.String({ description: 'For an upsert with errored rows: where Lethe lists them (row, field, reason)' })),
  }),
  started_at: Type.Optional(Type.String({ format: 'date-time' })),
  finished_at: Type.Optional(Type.String({ format: 'date-time' })),
});

/** An upsert (import) or delete (purge) operation as `GET /v3/marketing/contacts/imports/{id}` shows it. */
export function presentContactJob(operation: Operation, tallies?: { created: number; updated: number }, baseUrl?: string) {
  const upsert = operation.kind === IMPORT_KIND;
  const { counts } = operation;
  const errored = counts.invalid + counts.failed;
  return {
    id: operation.uuid,
    status: jobStatusOf(operation),
    job_type: upsert ? 'upsert' : 'delete',
    results: {
      requested_count: counts.expected,
      ...(upsert ? { created_count: tallies?.created ?? 0, updated_count: tallies?.updated ?? 0 } : { deleted_count: counts.succeeded }),
      errored_count: errored,
      // The row errors of an import are Lethe's own listing (they never hold the rows' values).
      ...(upsert && errored > 0 && baseUrl !== undefined ? { errors_url: `${baseUrl}/v1/imports/${operation.uuid}/errors` } : {}),
    },
    ...(operation.startedAt !== null ? { started_at: toIso(operation.startedAt) ?? undefined } : {}),
    ...(operation.finishedAt !== null ? { finished_at: toIso(operation.finishedAt) ?? undefined } : {}),
  };
}

export const EraseJob = Type.Object({
  id: Type.String(),
  status: Type.String({ enum: ['pending', 'completed', 'errored', 'failed'] }),
  requested_count: Type.Integer({ description: 'Distinct addresses in the request' }),
  erased_count: Type.Integer({ description: 'Contacts whose personal data was erased' }),
  not_found_count: Type.Integer({ description: 'Addresses that matched no contact' }),
  errored_count: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
  started_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

/** An erase operation as the (Lethe extension) `GET /v3/recipients/erasejob/{job_id}` shows it. */
export function presentEraseJob(operation: Operation) {
  const { counts } = operation;
  return {
    id: operation.uuid,
    status: jobStatusOf(operation),
    requested_count: counts.expected,
    erased_count: counts.succeeded,
    not_found_count: counts.notFound,
    errored_count: counts.invalid + counts.failed,
    created_at: toIso(operation.createdAt) ?? '',
    started_at: toIso(operation.startedAt),
    finished_at: toIso(operation.finishedAt),
  };
}
