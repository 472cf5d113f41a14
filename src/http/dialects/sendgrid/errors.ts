import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../../../core/errors.js';
import { STATUS_OF } from '../../error-codes.js';
import { toAppError } from '../../to-app-error.js';

/** One entry of SendGrid's error envelope `{"errors":[{"field","message"}]}`. */
export interface SendGridError {
  field: string | null;
  message: string;
}

/** SendGrid's wording for the statuses whose text its clients and docs show. */
const FIXED: Partial<Record<number, string>> = {
  413: 'request body is too large',
  429: 'too many requests',
  500: 'internal server error',
};

/** The envelope for an AppError: every detail of a validation error, else one entry. */
export function errorsOf(error: AppError, request: FastifyRequest): { status: number; errors: SendGridError[] } {
  // SendGrid answers conflicts (a taken list name) as bad requests: it has no 409.
  const status = error.code === 'ALREADY_EXISTS' || error.code === 'CONFLICT' ? 400 : STATUS_OF[error.code];
  if (status === 401) {
    // SendGrid's own text: no header at all reads "authorization required".
    return { status, errors: [{ field: null, message: request.headers.authorization ? 'authentication failed: the API key is unknown or revoked' : 'authorization required' }] };
  }
  const fixed = FIXED[status];
  if (fixed) return { status, errors: [{ field: null, message: fixed }] };
  if (error.details.length > 0) return { status, errors: error.details.map((d) => ({ field: d.field ? d.field : null, message: d.message })) };
  return { status, errors: [{ field: error.field ?? null, message: error.message }] };
}

/** The dialect's error handler: logs unexpected errors (cause only, never values) and answers the envelope. */
export function sendErrors(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error);
  if (appError.code === 'INTERNAL') request.log.error({ err: appError.cause ?? appError }, 'unexpected error');
  const { status, errors } = errorsOf(appError, request);
  // SendGrid's erasure spec marks throttled answers with this header.
  if (status === 429) reply.header('x-envoy-ratelimited', 'true');
  return reply.status(status).type('application/json; charset=utf-8').send({ errors });
}
