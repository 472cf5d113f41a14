import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppError, ErrorCode } from '../../../core/errors.js';
import { STATUS_OF } from '../../error-codes.js';
import { toAppError } from '../../to-app-error.js';

/** Mailjet's error body: `{"ErrorInfo","ErrorMessage","StatusCode"}`, plus `ErrorIdentifier` on 401 and 5xx. */

export const MailjetErrorSchema = Type.Object(
  {
    ErrorIdentifier: Type.Optional(Type.String({ description: 'Present on 401 and 500: the request id to quote' })),
    ErrorInfo: Type.String(),
    ErrorMessage: Type.Union([Type.String(), Type.Object({}, { additionalProperties: true })], { description: 'A sentence, or per-item errors (managecontactslists)' }),
    StatusCode: Type.Integer(),
  },
  { $id: 'MailjetError', description: 'Mailjet error body' },
);

const ErrorRef = Type.Unsafe<Record<string, unknown>>({ $ref: 'MailjetError#' });

/** The error responses every Mailjet route can give. */
export const mailjetErrors = { 400: ErrorRef, 401: ErrorRef, 403: ErrorRef, 404: ErrorRef, 405: ErrorRef, 429: ErrorRef, 500: ErrorRef } as const;

/** Mailjet's own words for failed authentication, as its API answers them. */
export const AUTH_FAILURE =
  'API key authentication/authorization failure. You may be unauthorized to access the API or your API key may be expired. Visit API keys management section to check your keys.';

/** How Mailjet answers each core error code: as every surface, but duplicates and refused changes are bad requests. */
const STATUS: Record<ErrorCode, number> = { ...STATUS_OF, ALREADY_EXISTS: 400, CONFLICT: 400, UNSUPPORTED_MEDIA_TYPE: 400 };

/** Core's field names for what Mailjet calls by its property names. */
const PROPERTY_OF: Record<string, string> = {
  email: 'Email',
  first_name: 'Name',
  last_name: 'Name',
  name: 'Name',
  excluded_from_campaigns: 'IsExcludedFromCampaigns',
  limit: 'Limit',
  offset: 'Offset',
  sort: 'Sort',
};

/** Core's message, naming the field as a Mailjet client knows it. */
function inMailjetTerms(error: AppError): string {
  const property = error.field === undefined ? undefined : PROPERTY_OF[error.field];
  if (!property || !error.field || !error.message.startsWith(error.field)) return error.message;
  return `${property}${error.message.slice(error.field.length)}`;
}

/** An error Mailjet-shaped at the route: its status, message and (optionally) structured message. */
export class MailjetError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorMessage: string | Record<string, unknown>,
  ) {
    super(typeof errorMessage === 'string' ? errorMessage : 'Mailjet error');
    this.name = 'MailjetError';
  }
}

export function mailjetBodyOf(error: AppError, requestId: string): { status: number; body: Record<string, unknown> } {
  const status = STATUS[error.code];
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return { status, body: { ErrorIdentifier: requestId, ErrorInfo: '', ErrorMessage: AUTH_FAILURE, StatusCode: status } };
    case 'NOT_FOUND':
      return { status, body: { ErrorInfo: '', ErrorMessage: 'Object not found', StatusCode: status } };
    case 'INTERNAL':
      return { status, body: { ErrorIdentifier: requestId, ErrorInfo: '', ErrorMessage: 'Internal Server Error', StatusCode: status } };
    case 'RATE_LIMITED':
      return { status, body: { ErrorInfo: '', ErrorMessage: 'Too many requests: API call limit reached, retry later', StatusCode: status } };
    default:
      return { status, body: { ErrorInfo: '', ErrorMessage: inMailjetTerms(error), StatusCode: status } };
  }
}

/** The dialect's error handler: every failure in Mailjet's shape, unexpected ones logged (cause only) as a plain 500. */
export function sendMailjetError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof MailjetError) {
    return reply.status(error.statusCode).type('application/json').send({ ErrorInfo: '', ErrorMessage: error.errorMessage, StatusCode: error.statusCode });
  }
  const appError = toAppError(error);
  if (appError.code === 'INTERNAL') request.log.error({ err: appError.cause ?? appError }, 'unexpected error');
  const { status, body } = mailjetBodyOf(appError, request.id);
  return reply.status(status).type('application/json').send(body);
}
