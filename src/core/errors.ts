/**
 * The one error type of the domain. Core throws it with a stable code and never
 * knows an HTTP status: each API surface maps codes to its own statuses and shapes.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'NOT_ALLOWED',
  'UNSUPPORTED_MEDIA_TYPE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with one item or field, for errors that report several at once. */
export interface ErrorDetail {
  field?: string;
  message: string;
  /** Index of the item in a bulk request, when the problem belongs to one item. */
  index?: number;
}

export interface AppErrorOptions {
  /** The input field at fault, as the caller named it (e.g. `email`, `contacts[3].email`). */
  field?: string;
  details?: ErrorDetail[];
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: ErrorDetail[];

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.field = options.field;
    this.details = options.details ?? [];
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;

export function notFound(what: string): AppError {
  return new AppError('NOT_FOUND', `${what} not found`);
}

export function invalid(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { field, details: [{ field, message }] });
}
