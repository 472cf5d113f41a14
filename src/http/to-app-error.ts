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

const TYPE_NAMES: Record<string, string> = {
  object: 'a JSON object',
  array: 'an array',
  string: 'text (a JSON string)',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

const typeName = (type: unknown): string =>
  (Array.isArray(type) ? type : String(type).split(','))
    .map((t) => TYPE_NAMES[String(t).trim()] ?? String(t))
    .join(' or ');

/**
 * A validator's finding in words a person reads: the allowed values, the expected type,
 * the time format, the one-of-several rule of a selector. Never the value itself.
 */
const messageOf = (issue: ValidationIssue, context: string | undefined): string => {
  if (issue.keyword === 'additionalProperties') return `unknown field "${fieldOf(issue)}"`;
  if (issue.keyword === 'required') return `"${fieldOf(issue)}" is required`;
  const field = fieldOf(issue);
  const subject = field || (context === 'body' ? 'the body' : context) || 'value';
  const params = issue.params ?? {};
  switch (issue.keyword) {
    case 'enum':
      return `${subject} must be one of: ${(params.allowedValues as unknown[] | undefined)?.map(String).join(', ') ?? 'the documented values'}`;
    case 'const':
      return `${subject} must be ${JSON.stringify(params.allowedValue)}`;
    case 'type':
      return subject === 'the body'
        ? `the body must be ${typeName(params.type)} (send it with content-type: application/json)`
        : `${subject} must be ${typeName(params.type)}`;
    case 'format':
      if (params.format === 'date-time') return `${subject} must be a time in ISO 8601 with a zone, e.g. 2026-01-05T10:00:00Z`;
      if (params.format === 'date') return `${subject} must be a date like 2026-01-05`;
      return `${subject} must be ${String(params.format)}`;
    case 'maxProperties':
    case 'minProperties':
      if (/(^|\.)selector$/.test(field)) return `${subject} names exactly one of ids, uuids, external_keys, emails, list or all`;
      return `${subject} must have ${issue.keyword === 'maxProperties' ? 'at most' : 'at least'} ${String(params.limit)} field(s)`;
    case 'maxItems':
      return `${subject} holds at most ${String(params.limit)} item(s)`;
    case 'minItems':
      return `${subject} holds at least ${String(params.limit)} item(s)`;
    case 'maxLength':
      return `${subject} must be at most ${String(params.limit)} characters`;
    case 'minLength':
      return Number(params.limit) === 1 ? `${subject} must not be empty` : `${subject} must be at least ${String(params.limit)} characters`;
    case 'minimum':
      return `${subject} must be ${String(params.limit)} or more`;
    case 'maximum':
      return `${subject} must be ${String(params.limit)} or less`;
    default:
      return `${subject} ${issue.message ?? 'is invalid'}`;
  }
};

/** The content types the API reads (imports take CSV as well as JSON). */
const ACCEPTED_TYPES = 'application/json (and text/csv or a multipart/form-data upload for POST /v1/imports)';

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
      return new AppError('UNSUPPORTED_MEDIA_TYPE', `the body's content type is not accepted here: send ${ACCEPTED_TYPES}`, { cause: error });
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
