import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppError } from '../../../core/errors.js';
import { STATUS_OF } from '../../error-codes.js';
import { toAppError } from '../../to-app-error.js';

/**
 * Marketing Cloud's three error shapes:
 * - the token endpoint answers as an OAuth2 server: `{error, error_description, error_uri}`;
 * - its gateway (no or bad token, missing permission, rate limit, unknown route, server
 *   error): `{message, errorcode, documentation}`;
 * - the contacts routes report a refused request in their own envelope: `resultMessages`
 *   with `hasErrors: true`, and the usual service message ids.
 */

export const DOCUMENTATION = 'https://developer.salesforce.com/docs/atlas.en-us.mc-apis.meta/mc-apis/error-handling.htm';
const OAUTH_DOCUMENTATION = 'https://developer.salesforce.com/docs';

export const MarketingCloudErrorSchema = Type.Object(
  {
    error: Type.Optional(Type.String({ description: 'Token endpoint: the OAuth2 error' })),
    error_description: Type.Optional(Type.String()),
    error_uri: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
    errorcode: Type.Optional(Type.Integer()),
    documentation: Type.Optional(Type.String()),
    hasErrors: Type.Optional(Type.Boolean()),
    resultMessages: Type.Optional(Type.Array(Type.Object({ resultType: Type.String(), resultCode: Type.String(), resultClass: Type.String(), message: Type.String() }))),
    requestServiceMessageID: Type.Optional(Type.String()),
    serviceMessageID: Type.Optional(Type.String()),
    responseDateTime: Type.Optional(Type.String()),
  },
  { $id: 'MarketingCloudError', description: 'Marketing Cloud error: {error, error_description, error_uri} from the token endpoint, {message, errorcode, documentation} from the gateway, or the contacts envelope with resultMessages' },
);

const ErrorRef = Type.Unsafe<Record<string, unknown>>({ $ref: 'MarketingCloudError#' });
export const mcErrors = { 400: ErrorRef, 401: ErrorRef, 403: ErrorRef, 404: ErrorRef, 413: ErrorRef, 429: ErrorRef, 500: ErrorRef } as const;

/** A service message id pair, as every contacts answer carries. */
export const serviceIds = () => ({ requestServiceMessageID: randomUUID(), serviceMessageID: randomUUID() });

/** Codes the contacts envelope names (Marketing Cloud's resultCode strings). */
const RESULT_CODE: Partial<Record<AppError['code'], string>> = {
  VALIDATION_FAILED: 'InvalidRequest',
  NOT_FOUND: 'NotFound',
  ALREADY_EXISTS: 'DuplicateValue',
  CONFLICT: 'InvalidState',
  PAYLOAD_TOO_LARGE: 'RequestTooLarge',
};

const GATEWAY_MESSAGE: Partial<Record<AppError['code'], string>> = {
  UNAUTHENTICATED: 'Not Authorized',
  RATE_LIMITED: 'Too many requests: the account\'s request limit was reached; retry later',
  INTERNAL: 'An unexpected error occurred',
};

function tokenError(error: AppError): { status: number; body: Record<string, unknown> } {
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return { status: 401, body: { error: 'invalid_client', error_description: 'Invalid client ID. Use the client ID in Marketing Cloud Installed Packages.', error_uri: OAUTH_DOCUMENTATION } };
    case 'FORBIDDEN':
      return { status: 401, body: { error: 'unauthorized_client', error_description: error.message, error_uri: OAUTH_DOCUMENTATION } };
    case 'INTERNAL':
      return { status: 500, body: { error: 'server_error', error_description: 'An unexpected error occurred', error_uri: OAUTH_DOCUMENTATION } };
    default:
      return { status: STATUS_OF[error.code] === 413 ? 413 : 400, body: { error: error.field === 'grant_type' ? 'unsupported_grant_type' : 'invalid_request', error_description: error.message, error_uri: OAUTH_DOCUMENTATION } };
  }
}

/** The body and status of an error on a route of the surface. */
export function mcErrorOf(error: AppError, request: Pick<FastifyRequest, 'url' | 'is404'>): { status: number; body: Record<string, unknown>; headers?: Record<string, string> } {
  if (/^\/v2\/token(?:[/?]|$)/i.test(request.url)) return tokenError(error);
  const status = STATUS_OF[error.code];
  const resultCode = RESULT_CODE[error.code];
  if (resultCode !== undefined && !request.is404) {
    return {
      status,
      body: {
        hasErrors: true,
        resultMessages: [{ resultType: 'Error', resultCode, resultClass: 'OperationResult', message: error.message }],
        ...serviceIds(),
        responseDateTime: new Date().toISOString(),
      },
    };
  }
  const message = GATEWAY_MESSAGE[error.code] ?? error.message;
  // fuel-rest (Salesforce's Node client) refreshes its token and retries once on this header.
  const headers: Record<string, string> = error.code === 'UNAUTHENTICATED' ? { 'www-authenticate': 'Bearer realm="lethe", error="invalid_token"' } : {};
  return { status, body: { message, errorcode: error.code === 'UNAUTHENTICATED' ? 0 : status, documentation: DOCUMENTATION }, headers };
}

/** The surface's error handler: every failure in Marketing Cloud's shapes, unexpected ones logged (cause only) as a plain 500. */
export function sendMarketingCloudError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error);
  if (appError.code === 'INTERNAL') request.log.error({ err: appError.cause ?? appError }, 'unexpected error');
  const { status, body, headers } = mcErrorOf(appError, request);
  if (headers) reply.headers(headers);
  return reply.status(status).type('application/json').send(body);
}
