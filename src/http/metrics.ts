import client from 'prom-client';

/** The embedded operations worker: 'disabled' when this process runs none (`lethe worker` does the work). */
export type WorkerHealth = 'running' | 'restarting' | 'stopped' | 'disabled';

/** One registry per app, so that several apps in one process (tests) never collide. */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'lethe_' });
  const requests = new client.Counter({
    name: 'lethe_http_requests_total',
    help: 'HTTP requests by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'lethe_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern',
    labelNames: ['route', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, requests, duration };
}

export type Metrics = ReturnType<typeof createMetrics>;
