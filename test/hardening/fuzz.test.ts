import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, createContact, createKey, createSubAccount } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { SERVED_SURFACES } from '../../src/http/surfaces.js';
import { ENGINES } from '../helpers/engines.js';
import { basicHeader } from '../helpers/mailjet.js';
import { drainOperations } from '../helpers/operations.js';
import { operationsOf, prng, requestFor } from './fuzz-gen.js';
import type { KnownValues, Operation, Schema, SurfaceAuth } from './fuzz-gen.js';

/**
 * Issue 19: one request must not take the server down. Throws malformed, huge, nested and
 * NUL-bearing requests at every route of every surface the server mounts (native /v1,
 * SendGrid, Mailjet, Marketing Cloud, Constant Contact; the routes are read from the OpenAPI
 * document and given to the surface whose mount holds them) and asserts that none answers 5xx, that the
 * worker then processes what was accepted without a failed operation, and that the
 * process's peak RSS stays under 500 MB.
 *
 * Small by default (FUZZ_REQUESTS per surface, 300), so CI stays fast; `npm run fuzz` runs
 * thousands with larger bodies. FUZZ_SEED replays a run: each failure names its seed and
 * request number.
 */
const PER_SURFACE = Number(process.env.FUZZ_REQUESTS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 19);
const HUGE = process.env.FUZZ_HUGE === '1';
const RSS_LIMIT = 500 * 1024 * 1024;
/** FUZZ_SURFACES=marketing-cloud,constant-contact narrows a run (to replay one surface, or measure it alone). */
const ONLY = process.env.FUZZ_SURFACES?.split(',').map((s) => s.trim());

/** The surface whose mount holds `path`; paths outside every mount (/health, /metrics) are the native surface's. */
const ownerOf = (path: string): string =>
  SERVED_SURFACES.find((s) => s.mounts.some((m) => path === m.prefix || path.startsWith(`${m.prefix}/`)))?.name ?? 'native';

/** A key (`lethe_<id>_<secret>`) as each surface's clients send it; Marketing Cloud's trade it for an access token first. */
type Credentials = (key: string) => string | Promise<string>;
const keyParts = (key: string) => {
  const [, id = '', secret = ''] = /^lethe_([0-9a-f]+)_([0-9a-f]+)$/.exec(key) ?? [];
  return { id, secret };
};
const bearer: Credentials = (key) => `Bearer ${key}`;
const CREDENTIALS = (t: TestApp): Record<string, Credentials> => ({
  native: bearer,
  sendgrid: bearer,
  mailjet: (key) => basicHeader(keyParts(key).id, keyParts(key).secret).authorization as string,
  'marketing-cloud': async (key) => {
    const { id, secret } = keyParts(key);
    const res = await t.app.inject({ method: 'POST', url: '/v2/token', payload: { grant_type: 'client_credentials', client_id: id, client_secret: secret } });
    assert.equal(res.statusCode, 200, res.body);
    return `Bearer ${(res.json() as { access_token: string }).access_token}`;
  },
  'constant-contact': bearer,
});

for (const engine of ENGINES) {
  describe(`fuzz: every surface, ${PER_SURFACE} requests each, seed ${SEED} (${engine})`, () => {
    let t: TestApp;
    let ops: Operation[];
    let defs: Record<string, Schema>;
    const known: KnownValues = { ids: [], uuids: [], emails: [] };
    let keys: { main: string; read: string };
    let peakRss = 0;
    let peakAt = '';

    before(async () => {
      // Rate limits out of the way: the fuzz is after 5xx, and 429 would hide the routes.
      t = await buildTestApp(engine, { config: { sendgridRateLimit: 1_000_000, mailjetRateLimit: 1_000_000, eraseJobRateLimit: 1_000_000, marketingCloudRateLimit: 1_000_000, ctctRatePerSecond: 1_000_000, ctctRatePerDay: 1_000_000 } });
      const client = api(t);
      await createSubAccount(t, 'brand-b');
      for (let i = 0; i < 5; i++) {
        const c = await createContact(client, { email: `f${i}@example.com`, first_name: 'F', custom_fields: { plan: 'gold' } });
        known.ids.push(c.id);
        known.uuids.push(c.uuid);
        known.emails.push(`f${i}@example.com`);
      }
      const list = await client.post('/v1/lists', { name: 'fuzz' });
      known.ids.push(list.json().id);
      known.uuids.push(list.json().uuid);
      // A key of its own for the fuzz, so that revoking keys (DELETE /v1/keys/{id}) cannot lock the test out.
      keys = { main: await createKey(t, ['admin']), read: await createKey(t, ['read']) };
      const doc = t.app.swagger() as unknown as Parameters<typeof operationsOf>[0];
      ops = operationsOf(doc);
      defs = doc.components?.schemas ?? {};
    });
    after(() => t.close());

    for (const [index, surface] of SERVED_SURFACES.entries()) {
      if (ONLY && !ONLY.includes(surface.name)) continue;
      it(`${surface.name}: no 5xx, no failed operation, bounded memory`, async (context) => {
        const routes = ops.filter((op) => ownerOf(op.path) === surface.name);
        assert.ok(routes.length > 3, `${surface.name} has routes in the OpenAPI document`);
        const credential = CREDENTIALS(t)[surface.name];
        assert.ok(credential, `the fuzz knows how ${surface.name}'s clients authenticate`);
        // Minted per surface: a Marketing Cloud token lives 20 minutes, longer than one surface's run.
        const auth: SurfaceAuth = { main: await credential(keys.main), read: await credential(keys.read) };
        const rng = prng(SEED * 31 + index);
        const failures: string[] = [];
        const statuses = new Map<number, number>();
        for (let n = 0; n < PER_SURFACE; n++) {
          const request = requestFor(rng, rng.pick(routes), defs, known, auth, HUGE);
          const res = await t.app.inject({ method: request.method, url: request.url, headers: request.headers, ...(request.payload !== undefined ? { payload: request.payload } : {}) });
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode >= 500) failures.push(`#${n} (seed ${SEED}) ${request.label} ${request.url.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`);
          // The kernel's high-water mark (maxRSS, KiB) catches a peak inside the request, not only what is left after it.
          const rss = Math.max(process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
          if (rss > peakRss) {
            peakRss = rss;
            peakAt = `#${n} ${request.label} ${request.url.slice(0, 100)} → ${res.statusCode}`;
          }
        }
        // The server's log of each 500 names the error (its kind and code, never values).
        const logged = t.logs.text().split('\n').filter((line) => line.includes('"level":50')).slice(-40);
        assert.deepEqual(failures, [], `5xx answers of ${surface.name}\n${logged.join('\n')}`);
        // What was accepted is processed: a bad row is an invalid row, never a failed job.
        await drainOperations(t, { schedule: false });
        const failed = await t.lethe.store.handle.db.selectFrom('operations').select(['id', 'kind', 'action', 'error_code']).where('state', '=', 'failed').execute();
        assert.deepEqual(failed, [], 'no operation failed');
        // With NODE_OPTIONS=--expose-gc, the heap after a full collection: flat from surface to surface means nothing is retained.
        (globalThis as { gc?: () => void }).gc?.();
        const mb = (bytes: number) => Math.round(bytes / 1048576);
        context.diagnostic(`peak RSS so far ${mb(peakRss)} MB (reached at ${peakAt}); now RSS ${mb(process.memoryUsage().rss)} MB, heap ${mb(process.memoryUsage().heapUsed)} MB, external ${mb(process.memoryUsage().external)} MB; answers ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}`);
        assert.ok(peakRss < RSS_LIMIT, `peak RSS ${mb(peakRss)} MB, reached at ${peakAt}`);
        assert.ok([...statuses.keys()].some((s) => s < 300), `some requests succeeded: ${JSON.stringify([...statuses])}`);
      });
    }
  });
}
