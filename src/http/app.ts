import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../config.js';
import type { Core } from '../core/core.js';
import type { Logger } from '../logger.js';
import { BulkGate } from './bulk-gate.js';
import { registerTolerantJsonParser } from './json-parser.js';
import { dashboardRoutes } from './dashboard.js';
import { createMetrics } from './metrics.js';
import { sendProblem } from './problem.js';
import { registerSurfaces } from './surface.js';
import { SERVED_SURFACES } from './surfaces.js';
import { systemRoutes } from './system.routes.js';
import type { WorkerHealth } from './metrics.js';
import { validatorCompiler } from './validation.js';

/** A route that takes a body, and the largest it reads (README: limits table). */
export interface RouteBodyLimit {
  method: string;
  url: string;
  bytes: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route that takes a body, with its body limit (its own, or the server-wide one). */
    routeBodyLimits: readonly RouteBodyLimit[];
    /** The server-wide bound on large bodies read at once. */
    bulkGate: BulkGate;
  }
}

export interface AppOptions {
  core: Core;
  config: Readonly<Config>;
  logger: Logger;
  version?: string;
  /** The embedded worker's liveness, for `/health` (none: 'disabled'). */
  workerStatus?: () => WorkerHealth;
}

/** Builds the HTTP app without listening (tests use `inject()`; `server.ts` listens). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { core, logger } = options;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Request lines are logged below with the route pattern: the raw URL may hold an email.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.config.bodyLimit,
    ajv: { customOptions: { removeAdditional: false } },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 512 },
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('publicUrl', options.config.publicUrl);
  app.setValidatorCompiler(validatorCompiler());
  const routeBodyLimits: RouteBodyLimit[] = [];
  app.decorate('routeBodyLimits', routeBodyLimits);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (!['GET', 'HEAD', 'OPTIONS'].includes(method)) routeBodyLimits.push({ method, url: route.url, bytes: route.bodyLimit ?? options.config.bodyLimit });
    }
  });
  registerTolerantJsonParser(app);
  app.addContentTypeParser(['text/csv', 'text/plain', 'application/csv'], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const metrics = createMetrics();
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    metrics.duration.observe({ route, method: request.method }, reply.elapsedTime / 1000);
    request.log.info({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Lethe API',
        version: options.version ?? '0.1.0',
        description: 'Lethe\'s own API (/v1) and the vendor-compatible deletion APIs. Authenticate with `Authorization: Bearer <key>`; a parent account\'s key may act for one of its sub-accounts with `on-behalf-of: <name>` or `on-behalf-of: account-id <id>`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic', description: 'Vendor dialects (Mailjet): the key\'s public id as user name, its secret as password' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // The default policy ends with `upgrade-insecure-requests`: over plain HTTP on any host
    // but localhost the browser then asks for the page's scripts over https and shows nothing.
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests\s*;?/g, '').trim(),
  });

  app.setErrorHandler((error, request, reply) => sendProblem(error, request, reply));
  app.setNotFoundHandler((request, reply) => sendProblem(Object.assign(new Error('no such route'), { code: 'FST_ERR_NOT_FOUND', statusCode: 404 }), request, reply));

  // The dashboard's session arrives as a cookie (http/auth.ts: session-cookie).
  await app.register(cookie);
  await app.register(dashboardRoutes);
  await app.register(systemRoutes, { core, metrics, ...(options.workerStatus ? { workerStatus: options.workerStatus } : {}) });
  const bulkGate = new BulkGate(options.config.bulkConcurrency);
  app.decorate('bulkGate', bulkGate);
  await registerSurfaces(app, SERVED_SURFACES, { core, config: options.config, bulkGate });
  return app;
}
