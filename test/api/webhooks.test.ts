import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { api } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { startCli } from '../helpers/cli.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';
import { MAX_ATTEMPTS, RETRY_SCHEDULE_MS, WebhookSender } from '../../src/jobs/webhook-sender.js';

interface Received {
  headers: Record<string, string>;
  body: string;
}

/** A receiver on 127.0.0.1: records every request; `answer` decides the status (null: never answer). */
class Receiver {
  readonly received: Received[] = [];
  answer: () => number | null = () => 204;
  readonly #held: ServerResponse[] = [];
  #server: Server | undefined;
  url = '';
  async start(): Promise<this> {
    this.#server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        this.received.push({ headers: req.headers as Record<string, string>, body });
        const status = this.answer();
        if (status === null) this.#held.push(res);
        else res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server?.address() as AddressInfo).port}/hook`;
    return this;
  }
  async close(): Promise<void> {
    for (const res of this.#held) res.destroy();
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
  /** The bodies whose signature verifies with `secret` (throws on any that does not). */
  verified(secret: string): Array<{ type: string; timestamp: string; data: Record<string, unknown> }> {
    const wh = new Webhook(secret);
    return this.received.map((r) => wh.verify(r.body, { 'webhook-id': r.headers['webhook-id'] ?? '', 'webhook-timestamp': r.headers['webhook-timestamp'] ?? '', 'webhook-signature': r.headers['webhook-signature'] ?? '' }) as { type: string; timestamp: string; data: Record<string, unknown> });
  }
}

const sender = (t: TestApp) => new WebhookSender(t.lethe.core, { timeoutMs: 2_000, concurrency: 4, allowPrivate: true });

/** Sends until nothing is due now. */
async function sendAll(t: TestApp): Promise<number> {
  const s = sender(t);
  let total = 0;
  for (let sent = await s.step(); sent > 0; sent = await s.step()) total += sent;
  return total;
}

async function endpoint(client: Api, url: string, eventTypes: string[]): Promise<{ id: string; secret: string }> {
  const res = await client.post('/v1/webhooks', { url, event_types: eventTypes });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

const ALL = ['operation.completed', 'operation.failed', 'import.completed', 'contact.erased'];

for (const engine of ENGINES) {
  describe(`webhooks [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine, { config: { webhooksAllowPrivate: true } });
    });
    after(async () => t.close());

    it('CRUD per account: the whsec_ secret is shown once; bad input and private targets are refused', async () => {
      const { client } = await tenant(t, 'wh-crud');
      const created = await client.post('/v1/webhooks', { url: 'https://hooks.example.com/lethe', event_types: ['contact.erased'], description: 'CRM' });
      assert.equal(created.statusCode, 201, created.body);
      const body = created.json();
      assert.match(body.secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
      assert.deepEqual([body.enabled, body.event_types, body.disabled_reason], [true, ['contact.erased'], null]);
      const got = await client.get(`/v1/webhooks/${body.id}`);
      assert.equal(got.statusCode, 200);
      assert.equal(got.json().secret, undefined, 'never shown again');
      assert.ok(!(await client.get('/v1/webhooks')).body.includes('whsec_'));
      const patched = await client.patch(`/v1/webhooks/${body.id}`, { enabled: false, event_types: ['operation.completed', 'operation.failed'] });
      assert.deepEqual([patched.json().enabled, patched.json().event_types], [false, ['operation.completed', 'operation.failed']]);
      assert.equal((await client.post('/v1/webhooks', { url: 'ftp://example.com/x', event_types: ['contact.erased'] })).statusCode, 400);
      assert.equal((await client.post('/v1/webhooks', { url: 'https://example.com/x', event_types: ['request.completed'] })).statusCode, 400);
      // Another account does not see it; a key without admin may not read it.
      const other = await tenant(t, 'wh-crud-other');
      assert.equal((await other.client.get(`/v1/webhooks/${body.id}`)).statusCode, 404);
      assert.equal((await other.client.delete(`/v1/webhooks/${body.id}`)).statusCode, 404);
      const key = (await api(t, other.headers).post('/v1/keys', { name: 'w', scopes: ['read', 'write'] })).json().key as string;
      assert.equal((await api(t, { ...t.auth(key) }).get('/v1/webhooks')).statusCode, 403);
      assert.equal((await client.delete(`/v1/webhooks/${body.id}`)).statusCode, 204);
      assert.equal((await client.get(`/v1/webhooks/${body.id}`)).statusCode, 404);

      // Without LETHE_WEBHOOKS_ALLOW_PRIVATE, loopback, private and link-local targets are refused.
      const strict = await buildTestApp(engine);
      try {
        for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest', 'http://[::1]/x', 'http://[::ffff:192.168.0.1]/x']) {
          const res = await api(strict).post('/v1/webhooks', { url, event_types: ['contact.erased'] });
          assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
          assert.equal(res.json().field, 'url');
        }
      } finally {
        await strict.close();
      }
    });

    it('signed events from the outbox: operation.completed, contact.erased (ids and uuids only), import.completed', async () => {
      const receiver = await new Receiver().start();
      try {
        const { client, headers } = await tenant(t, 'wh-events');
        const { secret } = await endpoint(client, receiver.url, ALL);
        const contact = (await client.post('/v1/contacts', { email: 'hooked@example.com', first_name: 'Hook' })).json() as { id: number; uuid: string };
        const op = (await client.post('/v1/operations', { action: 'erase', selector: { ids: [contact.id] } })).json() as { id: number; uuid: string };
        const imported = await t.app.inject({ method: 'POST', url: '/v1/imports', headers: { ...headers, 'content-type': 'text/csv' }, payload: 'email\nnew-one@example.com\n' });
        assert.equal(imported.statusCode, 202, imported.body);
        await drainOperations(t);
        assert.equal(receiver.received.length, 0, 'nothing is sent before the worker sends it');
        assert.ok((await sendAll(t)) >= 3);
        const events = receiver.verified(secret);
        const types = events.map((e) => e.type).sort();
        assert.deepEqual(types, ['contact.erased', 'import.completed', 'operation.completed']);
        const erased = events.find((e) => e.type === 'contact.erased');
        assert.deepEqual(erased?.data, { operation_id: op.id, contacts: [{ id: contact.id, uuid: contact.uuid }] });
        const completed = events.find((e) => e.type === 'operation.completed')?.data.operation as Record<string, unknown>;
        assert.deepEqual([completed.id, completed.uuid, completed.action, completed.state], [op.id, op.uuid, 'erase', 'completed']);
        const imp = events.find((e) => e.type === 'import.completed')?.data.operation as Record<string, unknown>;
        assert.deepEqual([imp.id, imp.created], [imported.json().id, 1]);
        const raw = receiver.received.map((r) => r.body).join('\n');
        assert.ok(!raw.includes('example.com') && !raw.includes('Hook'), 'no address or name in any event');
        for (const r of receiver.received) assert.match(r.headers['webhook-id'] ?? '', /^msg_[0-9a-f]{32}$/);
        // The delivery log.
        const hooks = (await client.get('/v1/webhooks')).json().data as Array<{ id: string }>;
        const log = (await client.get(`/v1/webhooks/${hooks[0]?.id}/deliveries`)).json().data as Array<Record<string, unknown>>;
        assert.equal(log.length, 3);
        for (const d of log) {
          assert.deepEqual([d.state, d.attempts, d.last_status], ['delivered', 1, 204]);
          assert.equal(typeof d.last_latency_ms, 'number');
        }
      } finally {
        await receiver.close();
      }
    });

    it('a test send, and a redelivery with the same webhook-id', async () => {
      const receiver = await new Receiver().start();
      try {
        const { client } = await tenant(t, 'wh-test');
        const hook = await endpoint(client, receiver.url, ['operation.completed']);
        const queued = await client.post(`/v1/webhooks/${hook.id}/test`, {});
        assert.equal(queued.statusCode, 202, queued.body);
        await sendAll(t);
        assert.equal(receiver.verified(hook.secret)[0]?.type, 'webhook.test');
        const [delivery] = (await client.get(`/v1/webhooks/${hook.id}/deliveries`)).json().data as Array<{ id: number; msg_id: string }>;
        assert.equal(delivery?.msg_id, queued.json().msg_id);
        const again = await client.post(`/v1/webhooks/${hook.id}/deliveries/${delivery?.id}/redeliver`, {});
        assert.equal(again.statusCode, 202, again.body);
        assert.equal(again.json().state, 'pending');
        await sendAll(t);
        assert.equal(receiver.received.length, 2);
        assert.equal(receiver.received[1]?.headers['webhook-id'], delivery?.msg_id);
        receiver.verified(hook.secret);
      } finally {
        await receiver.close();
      }
    });

    it('a receiver answering 500 is retried with backoff for over a day, then the endpoint is disabled and flagged', async () => {
      const receiver = await new Receiver().start();
      receiver.answer = () => 500;
      try {
        const { client } = await tenant(t, 'wh-failing');
        const hook = await endpoint(client, receiver.url, ['operation.completed']);
        const c = (await client.post('/v1/contacts', { email: 'f@example.com' })).json() as { id: number };
        await client.post('/v1/operations', { action: 'soft_delete', selector: { ids: [c.id] } });
        await drainOperations(t);
        const s = sender(t);
        const first = t.clock.now();
        assert.equal(await s.step(), 1);
        for (let i = 0; i < RETRY_SCHEDULE_MS.length; i++) {
          const pause = RETRY_SCHEDULE_MS[i] as number;
          const [d] = (await client.get(`/v1/webhooks/${hook.id}/deliveries`)).json().data as Array<Record<string, unknown>>;
          assert.deepEqual([d?.state, d?.attempts, d?.last_status, d?.last_error], ['pending', i + 1, 500, 'HTTP 500']);
          assert.equal(Date.parse(String(d?.next_attempt_at)), t.clock.now() + pause, 'the backoff pause');
          t.clock.advance(pause - 1);
          assert.equal(await s.step(), 0, 'not before its time');
          t.clock.advance(1);
          assert.equal(await s.step(), 1);
        }
        assert.ok(t.clock.now() - first > 24 * 3_600_000, 'retried for more than a day');
        assert.equal(receiver.received.length, MAX_ATTEMPTS);
        const [d] = (await client.get(`/v1/webhooks/${hook.id}/deliveries`)).json().data as Array<Record<string, unknown>>;
        assert.deepEqual([d?.state, d?.attempts], ['failed', MAX_ATTEMPTS]);
        const flagged = (await client.get(`/v1/webhooks/${hook.id}`)).json();
        assert.deepEqual([flagged.enabled, flagged.disabled_reason], [false, 'failing']);
        assert.equal(Date.parse(flagged.failing_since), first);
        // Disabled: new events are not queued for it; enabling clears the flag.
        t.clock.advance(60_000);
        assert.equal(await s.step(), 0);
        const enabled = (await client.patch(`/v1/webhooks/${hook.id}`, { enabled: true })).json();
        assert.deepEqual([enabled.enabled, enabled.disabled_reason, enabled.failing_since], [true, null, null]);
      } finally {
        await receiver.close();
      }
    });

    it('a slow receiver times out without holding the others up', async () => {
      const slow = await new Receiver().start();
      slow.answer = () => null;
      const fast = await new Receiver().start();
      try {
        const { client } = await tenant(t, 'wh-slow');
        await endpoint(client, slow.url, ['operation.completed']);
        const slowHook = (await client.get('/v1/webhooks')).json().data[0] as { id: string };
        const fastHook = await endpoint(client, fast.url, ['operation.completed']);
        await client.post(`/v1/webhooks/${slowHook.id}/test`, {});
        await client.post(`/v1/webhooks/${fastHook.id}/test`, {});
        const s = new WebhookSender(t.lethe.core, { timeoutMs: 300, concurrency: 4, allowPrivate: true });
        const started = Date.now();
        assert.equal(await s.step(), 2);
        assert.ok(Date.now() - started < 5_000, 'bounded by the timeout');
        assert.equal(fast.received.length, 1);
        const [d] = (await client.get(`/v1/webhooks/${slowHook.id}/deliveries`)).json().data as Array<Record<string, unknown>>;
        assert.deepEqual([d?.state, d?.last_error], ['pending', 'timeout']);
      } finally {
        await slow.close();
        await fast.close();
      }
    });

    it('a worker killed mid-delivery: a restarted worker delivers every event at least once', { timeout: 180_000 }, async () => {
      const receiver = await new Receiver().start();
      receiver.answer = () => null; // the first worker's requests hang: it is mid-delivery when killed
      try {
        // The worker processes run on the wall clock: the events are due by it (earlier tests moved the test clock on).
        t.clock.set(Date.now() - 60_000);
        const { client } = await tenant(t, 'wh-crash');
        const hook = await endpoint(client, receiver.url, ['contact.erased', 'operation.completed']);
        const ids: number[] = [];
        for (let i = 0; i < 3; i++) ids.push((await client.post('/v1/contacts', { email: `crash-${i}@example.com` })).json().id as number);
        for (const id of ids) await client.post('/v1/operations', { action: 'erase', selector: { ids: [id] } });
        await drainOperations(t);
        const expected = (await t.lethe.store.handle.db.selectFrom('webhook_events').select('msg_id').where('account_id', '=', (await client.get('/v1/account')).json().id).execute()).map((e) => e.msg_id);
        assert.equal(expected.length, 6);
        const args = ['--data-dir', t.database.dir, '--database-url', t.database.url, '--poll-ms', '50'];
        const env = { LOG_LEVEL: 'warn', LETHE_WEBHOOKS_ALLOW_PRIVATE: 'true', LETHE_WEBHOOKS_TIMEOUT_MS: '1500', LETHE_WEBHOOKS_CONCURRENCY: '2' };
        const first = await startCli(['worker', ...args], env, /lethe worker: started/);
        const deadline = Date.now() + 60_000;
        while (receiver.received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        first.child.kill('SIGKILL');
        await new Promise((resolve) => (first.child.exitCode !== null || first.child.signalCode !== null ? resolve(null) : first.child.once('exit', resolve)));
        assert.ok(receiver.received.length >= 2, `killed mid-delivery: ${first.output()}`);
        receiver.answer = () => 200;
        const second = await startCli(['worker', ...args, '--until-idle'], env, /lethe worker: stopped/);
        await second.stop();
        const delivered = new Set(receiver.verified(hook.secret).length ? receiver.received.map((r) => r.headers['webhook-id']) : []);
        for (const msgId of expected) assert.ok(delivered.has(msgId), `${msgId} delivered`);
        const log = (await client.get(`/v1/webhooks/${hook.id}/deliveries`)).json().data as Array<{ state: string }>;
        assert.deepEqual(log.map((d) => d.state), Array(6).fill('delivered'));
      } finally {
        await receiver.close();
      }
    });
  });
}

async function tenant(t: TestApp, name: string): Promise<{ client: Api; headers: Record<string, string> }> {
  const res = await api(t).post('/v1/subaccounts', { name });
  assert.equal(res.statusCode, 201, res.body);
  const headers = { ...t.auth(), 'on-behalf-of': name };
  return { client: api(t, headers), headers };
}
