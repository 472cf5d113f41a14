import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build` (vite, from web/) writes the dashboard: dist/web, from src/http or dist/http alike. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** The dashboard's own policy: its scripts and styles from this server only, talking to /v1 only. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/**
 * The dashboard (web/, built by `npm run build`) at /dashboard/: static files, no key
 * needed to fetch them; everything they show comes from /v1 with the session's cookie.
 */
export async function dashboardRoutes(app: FastifyInstance, { root = DASHBOARD_DIR }: { root?: string } = {}): Promise<void> {
  if (!existsSync(`${root}/index.html`)) {
    app.get('/dashboard/*', { config: { scope: false }, schema: { hide: true } }, async (_request, reply) =>
      reply.status(503).type('text/plain').send('The dashboard is not built: run `npm run build` (npm install runs it).\n'));
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/dashboard/',
    index: ['index.html'],
    // The files found at start are routes of their own (the build does not change under a running server); the folder serves index.html.
    wildcard: false,
    // Hashed asset names change with every build; the page itself is asked for again each time.
    setHeaders: (res, path) => {
      res.header('content-security-policy', CSP);
      res.header('x-content-type-options', 'nosniff');
      res.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
