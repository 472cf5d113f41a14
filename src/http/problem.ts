import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../core/errors.js';
import { STATUS_OF } from './error-codes.js';
import { toAppError } from './to-app-error.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error',
};

/** RFC 9457 problem details for an AppError. */
export function problemOf(error: AppError, requestId: string) {
  const status = STATUS_OF[error.code];
  return {
    type: `urn:lethe:problem:${error.code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail: status === 500 ? 'internal server error' : error.message,
    code: error.code,
    ...(error.field ? { field: error.field } : {}),
    ...(error.details.length > 0 && status !== 500 ? { errors: error.details } : {}),
    request_id: requestId,
  };
}

/** Logs unexpected errors (with their cause, never their values) and answers problem details. */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error);
  if (appError.code === 'INTERNAL') request.log.error({ err: appError.cause ?? appError }, 'unexpected error');
  const body = problemOf(appError, request.id);
  return reply.status(body.status).type('application/problem+json').send(body);
}
