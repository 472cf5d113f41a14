import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../../config.js';
import type { Core } from '../../../core/core.js';
import { AppError } from '../../../core/errors.js';
import { hasScope } from '../../../core/keys/scopes.js';
import type { RateLimitPolicy } from '../../../core/rate-limits/rate-limit.js';
import { rateLimited } from '../../../core/rate-limits/rate-limits.service.js';
import { actorFor, authenticateKey, requireScope } from '../../auth.js';
import { contactsRoutes } from './contacts.routes.js';
import { MailjetError, MailjetErrorSchema, sendMailjetError } from './errors.js';
import { gdprRoutes } from './gdpr.routes.js';
import { listsRoutes } from './lists.routes.js';

export interface MailjetOptions {
  core: Core;
  config: Pick<Config, 'mailjetRateLimit'>;
}

const MINUTE = 60_000;

/**
 * Basic auth with a key's public id and secret (Mailjet's API key and secret key), then
 * the account's per-minute call limit (Mailjet answers 429 past it; it documents no headers).
 */
function mailjetAuth({ core, config }: MailjetOptions) {
  const policy: RateLimitPolicy = { bucket: 'mailjet', limit: config.mailjetRateLimit, windowMs: MINUTE };
  return async (request: FastifyRequest): Promise<void> => {
    const key = await authenticateKey(core, request, { bearer: false, basic: true });
    request.actor = await actorFor(core, key, request, 'mailjet');
    if (!(await core.rateLimits.hit(request.actor.accountId, policy)).allowed) throw rateLimited();
    // Unknown routes have no scope: they only needed the key, then answer 404 or 405.
    const scope = request.routeOptions.config?.scope;
    if (typeof scope === 'string') requireScope(request.actor, scope);
    else if (Array.isArray(scope) && !scope.some((s) => hasScope(request.actor.scopes, s))) throw new AppError('FORBIDDEN', `this key lacks any of the scopes ${scope.join(', ')}`);
  };
}

const patternOf = (url: string) => new RegExp(`^${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]\w*/g, '[^/]+')}/?$`);

/**
 * One part of the API (`/v3/REST`, `/v4`): its own auth, errors in Mailjet's shape, and an
 * answer for every path under it — 405 where the path exists with other methods, else 404.
 */
function version(register: (app: FastifyInstance, options: { core: Core }) => Promise<void>) {
  return async (app: FastifyInstance, options: MailjetOptions): Promise<void> => {
    // The paths served here: one that matches but reached the not-found handler was asked with another method.
    const served: RegExp[] = [];
    app.addHook('onRoute', (route) => {
      served.push(patternOf(route.url ?? route.path));
    });
    app.addHook('onRequest', mailjetAuth(options));
    app.setErrorHandler((error, request, reply) => sendMailjetError(error, request, reply));
    app.setNotFoundHandler((request) => {
      const path = request.url.split('?')[0] ?? '';
      throw served.some((pattern) => pattern.test(path)) ? new MailjetError(405, `Method ${request.method} is not allowed on this resource`) : new AppError('NOT_FOUND', 'no such resource');
    });
    await register(app, { core: options.core });
  };
}

/**
 * Mailjet's contact and GDPR deletion API (`/v3/REST/...`, `/v4/...`) on Lethe: code written
 * for Mailjet works with only the host changed. Translation only; core decides.
 */
export async function mailjetApi(app: FastifyInstance, options: MailjetOptions): Promise<void> {
  app.addSchema(MailjetErrorSchema);
  await app.register(
    version(async (v3, o: { core: Core }) => {
      await v3.register(contactsRoutes, o);
      await v3.register(listsRoutes, o);
    }),
    // Only /v3/REST: the rest of /v3 belongs to other dialects (SendGrid).
    { ...options, prefix: '/v3/REST' },
  );
  await app.register(version(gdprRoutes), { ...options, prefix: '/v4' });
}
