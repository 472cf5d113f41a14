import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../core/core.js';
import { surfaceGuard } from './surface.js';
import type { Metrics, WorkerHealth } from './metrics.js';
import { registerDomainMetrics } from './domain-metrics.js';


export async function systemRoutes(app: FastifyInstance, { core, metrics, workerStatus }: { core: Core; metrics: Metrics; workerStatus?: () => WorkerHealth }): Promise<void> {
  app.get('/health', {
    config: { scope: false },
    schema: {
      tags: ['system'],
      summary: 'Liveness and database reachability (no key needed)',
      security: [],
      response: {
        200: Type.Object({
          status: Type.Literal('ok'),
          engine: Type.String(),
          worker: Type.Union([Type.Literal('running'), Type.Literal('restarting'), Type.Literal('stopped'), Type.Literal('disabled')], { description: "the embedded operations worker thread: 'restarting' after it died, 'disabled' when none runs in this process" }),
        }),
        503: Type.Object({ status: Type.Literal('unavailable') }),
      },
    },
  }, async (_request, reply) => {
    try {
      await core.deps.store.meta.get('first_start_done');
      return { status: 'ok' as const, engine: core.deps.store.capabilities.engine, worker: workerStatus?.() ?? ('disabled' as const) };
    } catch {
      return reply.status(503).send({ status: 'unavailable' as const });
    }
  });

  const refreshDomainMetrics = registerDomainMetrics(metrics, core, () => workerStatus?.() ?? 'disabled');

  // Metrics are server-wide (every account's traffic): only the operator reads them, an
  // admin key of the default top-level account (core decides; another tenant's admin is refused).
  await app.register(async (metricsApp) => {
    metricsApp.addHook('onRequest', surfaceGuard(core, { name: 'native', credentials: ['bearer-key'] }));
    metricsApp.get('/metrics', {
      config: { scope: 'admin' },
      schema: { tags: ['system'], summary: "Prometheus metrics (an admin key of the default account: they cover every account's traffic)", produces: ['text/plain'] },
    }, async (request, reply) => {
      await core.accounts.requireOperator(request.actor);
      await refreshDomainMetrics();
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  });

  // The server's root leads to the dashboard (a browser opening the printed address sees
  // something to sign in to); the API's docs are at /docs, linked from the dashboard.
  app.get('/', { config: { scope: false }, schema: { hide: true } }, async (_request, reply) => reply.redirect('/dashboard/', 302));

  app.get('/openapi.json', {
    config: { scope: false },
    schema: { hide: true },
  }, async () => app.swagger());
}
