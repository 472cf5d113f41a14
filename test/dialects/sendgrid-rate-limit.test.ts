import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { createLethe } from '../../src/main.js';
import type { Lethe } from '../../src/main.js';
import { createSubAccount } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';

/** Another server process on the same database: its own store (connections), core and app. */
async function secondInstance(t: TestApp): Promise<{ lethe: Lethe; app: FastifyInstance; close(): Promise<void> }> {
  const lethe = await createLethe(t.config, { clock: t.clock, logger: createLogger('info', t.logs) });
  const app = await buildApp({ core: lethe.core, config: t.config, logger: lethe.logger });
  await app.ready();
  return { lethe, app, close: async () => { await app.close(); await lethe.close(); } };
}

const MINUTE = 60_000;

for (const engine of ENGINES) {
  describe(`rate limits shared by server processes [${engine}]`, () => {
    let t: TestApp;
    let other: Awaited<ReturnType<typeof secondInstance>>;
    before(async () => {
      t = await buildTestApp(engine, { config: { sendgridRateLimit: 5 } });
      // Start inside a window, far from its end, so that a test does not straddle two windows.
      t.clock.set(Math.floor(t.clock.now() / MINUTE) * MINUTE + 1_000);
      other = await secondInstance(t);
    });
    after(async () => {
      await other.close();
      await t.close();
    });

    it('counts concurrent hits from two processes atomically: exactly the limit passes', async () => {
      const policy = { bucket: 'test.concurrent', limit: 100, windowMs: MINUTE };
      const hits = Array.from({ length: 160 }, (_, i) => (i % 2 === 0 ? t.lethe.core : other.lethe.core).rateLimits.hit(t.accountId, policy));
      const states = await Promise.all(hits);
      assert.equal(states.filter((s) => s.allowed).length, 100);
      assert.deepEqual(states.filter((s) => s.allowed).map((s) => s.remaining).sort((a, b) => b - a), Array.from({ length: 100 }, (_, i) => 99 - i));
      // Another account has its own count.
      assert.equal((await t.lethe.core.rateLimits.hit(t.accountId + 1000, policy)).remaining, 99);
      // A new window starts again and drops the old one's row.
      t.clock.advance(MINUTE);
      const fresh = await other.lethe.core.rateLimits.hit(t.accountId, policy);
      assert.equal(fresh.allowed, true);
      assert.equal(fresh.remaining, 99);
      const rows = await t.lethe.store.handle.db.selectFrom('rate_limits').select('window_start').where('bucket', '=', 'test.concurrent').where('account_id', '=', t.accountId).execute();
      assert.equal(rows.length, 1);
    });

    it('limits the other SendGrid routes per account (configurable), across both processes', async () => {
      t.clock.advance(MINUTE);
      const apps = [t.app, other.app];
      const responses: LightMyRequestResponse[] = [];
      for (let i = 0; i < 6; i++) responses.push(await apps[i % 2]!.inject({ method: 'GET', url: '/v3/marketing/contacts/count', headers: t.auth() }));
      assert.deepEqual(responses.map((r) => r.statusCode), [200, 200, 200, 200, 200, 429]);
      assert.deepEqual(responses.map((r) => r.headers['x-ratelimit-remaining']), ['4', '3', '2', '1', '0', '0']);
      assert.deepEqual(responses[5]!.json(), { errors: [{ field: null, message: 'too many requests' }] });
      // Erase jobs have a bucket of their own.
      const scopes = await t.app.inject({ method: 'POST', url: '/v3/recipients/erasejob', headers: t.auth(), payload: { email_addresses: ['x'] } });
      assert.equal(scopes.statusCode, 400);
      assert.equal(scopes.headers['x-ratelimit-limit'], '100');
    });
    it('accepts exactly 100 erase jobs a minute per account, across both processes, headers counting down, then 429 until the window resets', async () => {
      t.clock.advance(MINUTE);
      const apps = [t.app, other.app];
      const erase = (i: number) => apps[i % 2]!.inject({ method: 'POST', url: '/v3/recipients/erasejob', headers: t.auth(), payload: { email_addresses: [`person${i}@example.com`] } });
      const remaining: string[] = [];
      for (let i = 0; i < 100; i++) {
        const res = await erase(i);
        assert.equal(res.statusCode, 202, res.body);
        assert.equal(res.headers['x-ratelimit-limit'], '100');
        remaining.push(String(res.headers['x-ratelimit-remaining']));
      }
      assert.deepEqual(remaining, Array.from({ length: 100 }, (_, i) => String(99 - i)));
      const reset = Number((await erase(0)).headers['x-ratelimit-reset']);
      for (const i of [100, 101]) {
        const refused = await erase(i);
        assert.equal(refused.statusCode, 429);
        assert.deepEqual(refused.json(), { errors: [{ field: null, message: 'too many requests' }] });
        assert.equal(refused.headers['x-ratelimit-remaining'], '0');
        assert.equal(refused.headers['x-envoy-ratelimited'], 'true');
      }
      assert.equal(reset * 1000, Math.floor(t.clock.now() / MINUTE) * MINUTE + MINUTE);
      const operations = await t.lethe.store.handle.db.selectFrom('operations').select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', '=', t.accountId).where('action', '=', 'erase').executeTakeFirstOrThrow();
      assert.equal(Number(operations.n), 100, 'refused requests queue nothing');
      // A sub-account (through on-behalf-of) has a count of its own.
      await createSubAccount(t, 'limited-brand');
      const sub = await t.app.inject({ method: 'POST', url: '/v3/recipients/erasejob', headers: { ...t.auth(), 'on-behalf-of': 'limited-brand' }, payload: { email_addresses: ['x@example.com'] } });
      assert.equal(sub.statusCode, 202, sub.body);
      assert.equal(sub.headers['x-ratelimit-remaining'], '99');
      // The window ends: accepted again, with a full count.
      t.clock.set(reset * 1000);
      const again = await erase(200);
      assert.equal(again.statusCode, 202, again.body);
      assert.equal(again.headers['x-ratelimit-remaining'], '99');
    });
  });
}
