import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppError, ErrorCode } from '../../../core/errors.js';
import { STATUS_OF } from '../../error-codes.js';
import { toAppError } from '../../to-app-error.js';

/** Constant Contact's error body: an array of `{"error_key","error_message"}`. */
export const CtctErrorSchema = Type.Array(
  Type.Object({
    error_key: Type.String({ description: 'A stable key, e.g. contacts.api.validation.error' }),
    error_message: Type.String(),
  }),
  { $id: 'CtctErrors', description: 'Constant Contact error body' },
);

const ErrorRef = Type.Unsafe<Array<Record<string, unknown>>>({ $ref: 'CtctErrors#' });

/** The error responses every Constant Contact route can give. */
export const ctctErrors = { 400: ErrorRef, 401: ErrorRef, 403: ErrorRef, 404: ErrorRef, 409: ErrorRef, 415: ErrorRef, 429: ErrorRef, 500: ErrorRef } as const;

/** Constant Contact's keys for each core error code. */
const KEY_OF: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'contacts.api.validation.error',
  UNAUTHENTICATED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'contacts.api.not_found',
  NOT_ALLOWED: 'method_not_allowed',
  ALREADY_EXISTS: 'contacts.api.conflict',
  CONFLICT: 'contacts.api.conflict',
  PAYLOAD_TOO_LARGE: 'contacts.api.request_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'contacts.api.unsupported_media_type',
  RATE_LIMITED: 'too_many_requests',
  INTERNAL: 'server_error',
};

/** Fixed wording where Constant Contact's own is known, or where core's would say too much. */
const FIXED: Partial<Record<ErrorCode, string>> = {
  UNAUTHENTICATED: 'Unauthorized',
  RATE_LIMITED: 'Too Many Requests',
  INTERNAL: 'Internal Server Error',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported Media Type: send the body as application/json',
};

/** Core's field names as Constant Contact's clients know them. */
const FIELD_OF: Record<string, string> = {
  email: 'email_address.address',
  first_name: 'first_name',
  last_name: 'last_name',
  list_ids: 'list_memberships',
};

/** The array body for an AppError: each validation detail, else one entry. */
export function ctctBodyOf(error: AppError): { status: number; body: Array<{ error_key: string; error_message: string }> } {
  const status = STATUS_OF[error.code];
  const key = KEY_OF[error.code];
  const fixed = FIXED[error.code];
  if (fixed) return { status, body: [{ error_key: key, error_message: fixed }] };
  if (error.code === 'ALREADY_EXISTS' && error.field === 'email') {
    return { status, body: [{ error_key: key, error_message: 'Email address already exists (deleted contacts included)' }] };
  }
  const rename = (message: string, field: string | undefined) => {
    const named = field === undefined ? undefined : FIELD_OF[field];
    return named && field && message.startsWith(field) ? `${named}${message.slice(field.length)}` : message;
  };
  if (error.details.length > 0) return { status, body: error.details.map((d) => ({ error_key: key, error_message: rename(d.message, d.field) })) };
  return { status, body: [{ error_key: key, error_message: rename(error.message, error.field) }] };
}

/** The dialect's error handler: every failure as Constant Contact's array, unexpected ones logged (cause only) as a plain 500. */
export function sendCtctError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error);
  if (appError.code === 'INTERNAL') request.log.error({ err: appError.cause ?? appError }, 'unexpected error');
  const { status, body } = ctctBodyOf(appError);
  return reply.status(status).type('application/json').send(body);
}
