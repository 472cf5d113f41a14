import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, createContact, createKey, createSubAccount } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { basicHeader } from '../helpers/mailjet.js';
import { drainOperations } from '../helpers/operations.js';
import { operationsOf, prng, requestFor } from './fuzz-gen.js';
import type { KnownValues, Operation, Schema } from './fuzz-gen.js';

/**
 * Issue 19: one request must not take the server down. Throws malformed, huge, nested and
 * NUL-bearing requests at every route of every surface (native /v1, SendGrid, Mailjet; the
 * routes are read from the OpenAPI document) and asserts that none answers 5xx, that the
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

const SURFACES: Array<{ name: string; owns: (path: string) => boolean }> = [
  { name: 'native', owns: (p) => p.startsWith('/v1') || !p.startsWith('/v') },
  { name: 'sendgrid', owns: (p) => p.startsWith('/v3') && !p.startsWith('/v3/REST') },
  { name: 'mailjet', owns: (p) => p.startsWith('/v3/REST') || p.startsWith('/v4') },
];

for (const engine of ENGINES) {
  describe(`fuzz: every surface, ${PER_SURFACE} requests each, seed ${SEED} (${engine})`, () => {
    let t: TestApp;
    let ops: Operation[];
    let defs: Record<string, Schema>;
    const known: KnownValues = { ids: [], uuids: [], emails: [] };
    let auth: { bearer: string; basic: string; readBearer: string };
    let peakRss = 0;
    let peakAt = '';

    before(async () => {
      // Rate limits out of the way: the fuzz is after 5xx, and 429 would hide the routes.
      t = await buildTestApp(engine, { config: { sendgridRateLimit: 1_000_000, mailjetRateLimit: 1_000_000, eraseJobRateLimit: 1_000_000 } });
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
      const key = await createKey(t, ['admin']);
      const [, id = '', secret = ''] = /^lethe_([0-9a-f]+)_([0-9a-f]+)$/.exec(key) ?? [];
      auth = { bearer: `Bearer ${key}`, basic: basicHeader(id, secret).authorization as string, readBearer: `Bearer ${await createKey(t, ['read'])}` };
      const doc = t.app.swagger() as unknown as Parameters<typeof operationsOf>[0];
      ops = operationsOf(doc);
      defs = doc.components?.schemas ?? {};
    });
    after(() => t.close());

    for (const [index, surface] of SURFACES.entries()) {
      it(`${surface.name}: no 5xx, no failed operation, bounded memory`, async () => {
        const routes = ops.filter((op) => surface.owns(op.path));
        assert.ok(routes.length > 3, `${surface.name} has routes in the OpenAPI document`);
        const rng = prng(SEED * 31 + index);
        const failures: string[] = [];
        const statuses = new Map<number, number>();
        for (let n = 0; n < PER_SURFACE; n++) {
          const request = requestFor(rng, rng.pick(routes), defs, known, auth, HUGE);
          const res = await t.app.inject({ method: request.method, url: request.url, headers: request.headers, ...(request.payload !== undefined ? { payload: request.payload } : {}) });
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode >= 500) failures.push(`#${n} (seed ${SEED}) ${request.label} ${request.url.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`);
          const rss = process.memoryUsage().rss;
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
        assert.ok(peakRss < RSS_LIMIT, `peak RSS ${Math.round(peakRss / 1048576)} MB, reached at ${peakAt}`);
        assert.ok([...statuses.keys()].some((s) => s < 300), `some requests succeeded: ${JSON.stringify([...statuses])}`);
      });
    }
  });
}
