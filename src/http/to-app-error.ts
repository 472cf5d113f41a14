import type { FastifyError } from 'fastify';
import { AppError, isAppError } from '../core/errors.js';
import type { ErrorDetail } from '../core/errors.js';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

const fieldOf = (issue: ValidationIssue): string => {
  const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');
  const extra = issue.params?.missingProperty ?? issue.params?.additionalProperty;
  if (typeof extra === 'string') return path ? `${path}.${extra}` : extra;
  return path;
};

const messageOf = (issue: ValidationIssue, context: string | undefined): string => {
  if (issue.keyword === 'additionalProperties') return `unknown field "${fieldOf(issue)}"`;
  if (issue.keyword === 'required') return `"${fieldOf(issue)}" is required`;
  const field = fieldOf(issue);
  return `${field || context || 'value'} ${issue.message ?? 'is invalid'}`;
};

/**
 * Any error a route can raise, as an AppError: core's own pass through, Fastify's
 * (schema validation, body parsing, body size) get their code; the rest are INTERNAL.
 * Only AppErrors authored by Lethe reach a client with their message.
 */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const fe = error as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const details: ErrorDetail[] = fe.validation.map((issue) => ({ field: fieldOf(issue), message: messageOf(issue, fe.validationContext) }));
    const first = details[0];
    return new AppError('VALIDATION_FAILED', first ? first.message : 'the request is invalid', { field: first?.field, details, cause: error });
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'LETHE_INVALID_JSON':
      return new AppError('VALIDATION_FAILED', 'the body is not valid JSON', { cause: error });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'the body is larger than this route accepts', { cause: error });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'the body\'s content type is not accepted here', { cause: error });
    case 'FST_ERR_NOT_FOUND':
      return new AppError('NOT_FOUND', 'no such route', { cause: error });
    default:
      break;
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = fe.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : fe.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : fe.statusCode === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED';
    return new AppError(code, 'the request could not be read', { cause: error });
  }
  return new AppError('INTERNAL', 'internal server error', { cause: error });
}
