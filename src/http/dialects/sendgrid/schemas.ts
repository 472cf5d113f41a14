import { Type } from 'typebox';

export const ErrorResponse = Type.Object(
  {
    errors: Type.Array(
      Type.Object({
        field: Type.Union([Type.String(), Type.Null()], { description: 'The request field at fault, or null' }),
        message: Type.String(),
      }),
    ),
  },
  { $id: 'SendGridErrorResponse', description: 'SendGrid\'s error envelope' },
);

export const ErrorRef = Type.Unsafe<Record<string, unknown>>({ $ref: 'SendGridErrorResponse#' });

/** Every route can answer these, in SendGrid's envelope. */
export const errorResponses = { 400: ErrorRef, 401: ErrorRef, 403: ErrorRef, 404: ErrorRef, 429: ErrorRef, 500: ErrorRef };

export const JobId = Type.Object({ job_id: Type.String({ description: 'The job\'s id (a Lethe operation uuid)' }) });

export const UuidParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
