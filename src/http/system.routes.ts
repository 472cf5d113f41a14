import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../core/core.js';
import { authHook } from './auth.js';
import type { Metrics } from './metrics.js';

export async function systemRoutes(app: FastifyInstance, { core, metrics }: { core: Core; metrics: Metrics }): Promise<void> {
  app.get('/health', {
    config: { scope: false },
    schema: {
      tags: ['system'],
      summary: 'Liveness and database reachability (no key needed)',
      security: [],
      response: { 200: Type.Object({ status: Type.Literal('ok'), engine: Type.String() }), 503: Type.Object({ status: Type.Literal('unavailable') }) },
    },
  }, async (_request, reply) => {
    try {
      await core.deps.store.meta.get('first_start_done');
      return { status: 'ok' as const, engine: core.deps.store.capabilities.engine };
    } catch {
      return reply.status(503).send({ status: 'unavailable' as const });
    }
  });

  // Metrics are server-wide (every account's traffic): they need a key with the admin scope.
  await app.register(async (metricsApp) => {
    metricsApp.addHook('onRequest', authHook(core, 'native'));
    metricsApp.get('/metrics', {
      config: { scope: 'admin' },
      schema: { tags: ['system'], summary: 'Prometheus metrics (a key with the admin scope)', produces: ['text/plain'] },
    }, async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  });

  app.get('/openapi.json', {
    config: { scope: false },
    schema: { hide: true },
  }, async () => app.swagger());
}
