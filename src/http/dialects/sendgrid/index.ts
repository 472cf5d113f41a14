import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../../config.js';
import type { Core } from '../../../core/core.js';
import { AppError } from '../../../core/errors.js';
import type { Scope } from '../../../core/keys/scopes.js';
import type { RateLimitPolicy, RateLimitState } from '../../../core/rate-limits/rate-limit.js';
import { rateLimited } from '../../../core/rate-limits/rate-limits.service.js';
import { actorFor, authenticateKey, requireScope } from '../../auth.js';
import { contactsRoutes } from './contacts.routes.js';
import { eraseJobRoutes } from './erasejob.routes.js';
import { sendErrors } from './errors.js';
import { listsRoutes } from './lists.routes.js';
import { ErrorResponse } from './schemas.js';
import { scopesRoutes } from './scopes.routes.js';
import { upsertRoutes } from './upsert.routes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** SendGrid routes: the Lethe scopes the route needs (all of them; [] for any valid key) and its rate limit. */
    sendgrid?: { scopes: readonly Scope[]; limit?: 'erasejob' };
  }
  interface FastifyRequest {
    /** Where the account stands against the route's rate limit, once counted. */
    sendgridRate?: RateLimitState;
  }
}

export interface SendGridOptions {
  core: Core;
  config: Pick<Config, 'eraseJobRateLimit' | 'sendgridRateLimit'>;
}

const MINUTE = 60_000;

/**
 * Twilio SendGrid's marketing contacts, lists and erase job, at SendGrid's own paths
 * under /v3, answering in SendGrid's shapes. Translation only: core decides.
 */
export async function sendgridApi(app: FastifyInstance, { core, config }: SendGridOptions): Promise<void> {
  const policies: Record<'general' | 'erasejob', RateLimitPolicy> = {
    general: { bucket: 'sendgrid', limit: config.sendgridRateLimit, windowMs: MINUTE },
    erasejob: { bucket: 'sendgrid.erasejob', limit: config.eraseJobRateLimit, windowMs: MINUTE },
  };
  const policyOf = (request: FastifyRequest): RateLimitPolicy => policies[request.routeOptions.config.sendgrid?.limit ?? 'general'];

  app.addSchema(ErrorResponse);
  app.setErrorHandler((error, request, reply) => sendErrors(error, request, reply));
  app.setNotFoundHandler((request, reply) => sendErrors(new AppError('NOT_FOUND', 'Not Found'), request, reply));

  // Authenticate, resolve on-behalf-of, count the request against the account's limit,
  // then check the route's scopes. Requests over the limit are refused before any work.
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const route = request.routeOptions.config.sendgrid;
    if (!route) throw new AppError('INTERNAL', 'SendGrid route declares no scopes');
    const key = await authenticateKey(core, request);
    request.actor = await actorFor(core, key, request, 'sendgrid');
    request.sendgridRate = await core.rateLimits.hit(request.actor.accountId, policyOf(request));
    if (!request.sendgridRate.allowed) throw rateLimited();
    for (const scope of route.scopes) requireScope(request.actor, scope);
  });

  // SendGrid sends the three headers on every response; a request that reached no
  // account (no key, unknown route) is counted nowhere and sees a fresh window.
  app.addHook('onSend', async (request, reply) => {
    const state = request.sendgridRate ?? core.rateLimits.fresh(policyOf(request));
    reply.header('x-ratelimit-limit', String(state.limit));
    reply.header('x-ratelimit-remaining', String(state.remaining));
    reply.header('x-ratelimit-reset', String(Math.ceil(state.resetAt / 1000)));
  });

  await app.register(scopesRoutes, { core });
  await app.register(contactsRoutes, { core });
  await app.register(upsertRoutes, { core });
  await app.register(listsRoutes, { core });
  await app.register(eraseJobRoutes, { core });
}
