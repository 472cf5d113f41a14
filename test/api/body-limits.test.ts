import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Scope } from '../../src/core/keys/scopes.js';
import type { CreatedKey } from '../../src/core/keys/keys.service.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { countRows, createContact, api } from '../helpers/api.js';
import { ENGINES } from '../helpers/engines.js';
import { MAILJET, NATIVE, SENDGRID } from '../conformance/surfaces.js';

/**
 * Issue 19, item 1: one request must not take the server down. Bodies are refused by size
 * before they are read, by shape before they are parsed, and validated to their first error.
 */

const MB = 1024 * 1024;
const SHORT = 2000;

/** A JSON text of `count` copies of `item` in the array at `prefix`…`suffix`, built without an array of items. */
const repeated = (prefix: string, item: string, count: number, suffix: string) => `${prefix}${`${item},`.repeat(count - 1)}${item}${suffix}`;

async function rowsWritten(t: TestApp): Promise<number[]> {
  const db = t.lethe.store.handle.db;
  const counts = [await countRows(t, 'contacts'), await countRows(t, 'lists'), await countRows(t, 'events')];
  for (const table of ['operations', 'operation_targets'] as const) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts.push(Number(row.n));
  }
  return counts;
}

for (const engine of ENGINES) {
  describe(`request bodies: sized, shaped, validated to the first error [${engine}]`, () => {
    let t: TestApp;
    let keyOf: (scopes: Scope[]) => Promise<CreatedKey>;
    let contactId: number;

    const send = (method: 'POST' | 'PUT', url: string, payload: string, headers: Record<string, string> = {}) =>
      t.app.inject({ method, url, payload, headers: { 'content-type': 'application/json', ...headers } });

    const timed = async (call: () => Promise<LightMyRequestResponse>): Promise<[LightMyRequestResponse, number]> => {
      const started = Date.now();
      const res = await call();
      return [res, Date.now() - started];
    };

    before(async () => {
      t = await buildTestApp(engine);
      keyOf = (scopes) => t.lethe.core.keys.create(t.accountId, { name: 'bodies', scopes });
      contactId = (await createContact(api(t), { email: 'kept@example.com' })).id;
    });
    after(async () => t.close());

    it('answers a huge body at once, from its size and the key, before reading it', async () => {
      const before = await rowsWritten(t);
      // 10 million empty objects, 30 MB: the body that ran the server out of memory.
      const huge = repeated('{"emails":[', '{}', 10_000_000, ']}');
      const read = (await NATIVE.credential(await keyOf(['read']), t.app));

      let [res, ms] = await timed(() => send('POST', '/v1/contacts/lookup', huge, read));
      NATIVE.assertError(res, 413);
      assert.ok(res.body.length < SHORT, `${res.body.length} bytes`);
      assert.ok(ms < 3000, `answered in ${ms} ms`);

      // A read key on a write route: 403 from the key alone.
      [res, ms] = await timed(() => send('POST', '/v1/contacts', huge, read));
      NATIVE.assertError(res, 403);
      assert.ok(ms < 3000, `answered in ${ms} ms`);

      // No key, even on the route with the largest JSON limit: 401.
      [res, ms] = await timed(() => send('POST', '/v1/operations', huge));
      NATIVE.assertError(res, 401);
      assert.ok(ms < 3000, `answered in ${ms} ms`);

      // Every surface: over the server-wide 1 MB.
      const oneAndABit = repeated('{"name":"', 'x', 1.1 * MB, '"}');
      for (const [surface, url] of [[SENDGRID, '/v3/marketing/lists'], [MAILJET, '/v3/REST/contactslist']] as const) {
        const write = (await surface.credential(await keyOf(['write']), t.app));
        surface.assertError(await send('POST', url, oneAndABit, write), 413);
        surface.assertError(await send('POST', url, oneAndABit, (await surface.credential(await keyOf(['read']), t.app))), 403);
      }
      assert.deepEqual(await rowsWritten(t), before, 'nothing written');
    });

    it('refuses a large body of tiny objects or too many values before parsing it', async () => {
      const before = await rowsWritten(t);
      const read = (await NATIVE.credential(await keyOf(['read']), t.app));
      // 20 MB of empty objects under the operations route's 64 MB: a dry run needs only read.
      let [res, ms] = await timed(() => send('POST', '/v1/operations', repeated('{"action":"erase","dry_run":true,"selector":{"ids":[', '{}', 7_000_000, ']}}'), read));
      NATIVE.assertError(res, 400);
      assert.match(res.json().detail, /objects and arrays/);
      assert.ok(res.body.length < SHORT, `${res.body.length} bytes`);
      assert.ok(ms < 5000, `answered in ${ms} ms`);

      [res, ms] = await timed(() => send('POST', '/v1/operations', repeated('{"action":"erase","dry_run":true,"selector":{"ids":[', '1', 5_000_000, ']}}'), read));
      NATIVE.assertError(res, 400);
      assert.match(res.json().detail, /values/);
      assert.ok(ms < 5000, `answered in ${ms} ms`);

      // Events: at most 10,000 events, each with one list of categories.
      res = await send('POST', '/v1/events', repeated('{"events":[', '{}', 100_000, ']}'), (await NATIVE.credential(await keyOf(['write']), t.app)));
      NATIVE.assertError(res, 400);
      assert.match(res.json().detail, /objects and arrays/);

      // SendGrid's upsert takes up to 30,000 contacts, each with two more objects at most.
      res = await send('PUT', '/v3/marketing/contacts', repeated('{"contacts":[', '[]', 1_000_000, ']}'), (await SENDGRID.credential(await keyOf(['write']), t.app)));
      SENDGRID.assertError(res, 400);
      assert.deepEqual(await rowsWritten(t), before, 'nothing written');
    });

    it('answers a body of many wrong items with its first error, in every surface', async () => {
      const before = await rowsWritten(t);
      const ones = (prefix: string, suffix: string) => repeated(prefix, '1', 200_000, suffix);
      const cases = [
        [NATIVE, 'POST', '/v1/contacts/lookup', ones('{"emails":[', ']}'), ['read']],
        [NATIVE, 'POST', '/v1/lists/1/members', repeated('{"contact_ids":[', '"x"', 200_000, ']}'), ['write']],
        [SENDGRID, 'POST', '/v3/marketing/contacts/search/emails', ones('{"emails":[', ']}'), ['read']],
        [SENDGRID, 'PUT', '/v3/marketing/contacts', ones('{"contacts":[', ']}'), ['write']],
        [MAILJET, 'POST', `/v3/REST/contact/${contactId}/managecontactslists`, ones('{"ContactsLists":[', ']}'), ['write']],
      ] as const;
      for (const [surface, method, url, payload, scopes] of cases) {
        assert.ok(payload.length < MB, 'under the 1 MB limit');
        const res = await send(method, url, payload, (await surface.credential(await keyOf([...scopes]), t.app)));
        surface.assertError(res, 400);
        assert.ok(res.body.length < SHORT, `${surface.surface} ${url}: ${res.body.length} bytes`);
      }
      assert.deepEqual(await rowsWritten(t), before, 'nothing written');
    });

    it('has each route\'s body limit in the README\'s table', () => {
      const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
      const size = (bytes: number) => (bytes >= MB ? `${bytes / MB} MB` : `${bytes / 1024} KB`);
      assert.match(readme, new RegExp(`at most ${size(t.config.bodyLimit)}\\s+\\(\`LETHE_BODY_LIMIT\`\\)`), 'the default');
      for (const route of t.app.routeBodyLimits.filter((r) => r.bytes !== t.config.bodyLimit)) {
        const row = readme.split('\n').find((line) => line.trim().startsWith(`| \`${route.method} ${route.url}\` |`));
        assert.ok(row, `README has no row for ${route.method} ${route.url}`);
        assert.ok(row.split('|')[2]?.trim().startsWith(size(route.bytes)), `${row} shows ${size(route.bytes)}`);
      }
    });

    it('still takes a body past the server-wide limit where the route needs it', async () => {
      const emails = Array.from({ length: 60_000 }, (_, i) => `bulk.reader.${i}@example.com`);
      const res = await api(t, (await NATIVE.credential(await keyOf(['read']), t.app))).post('/v1/operations', { action: 'erase', selector: { emails }, dry_run: true });
      assert.ok(JSON.stringify({ emails }).length > MB);
      assert.equal(res.statusCode, 202, res.body.slice(0, 500));
      assert.equal(res.json().selector.size, 60_000);
    });
  });
}

/** Streams `bytes` of `prefix` + `item,item,…` + `suffix` to the server without holding the body. */
function stream(port: number, path: string, headers: Record<string, string>, prefix: string, item: string, bytes: number, suffix: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.from(`${item},`.repeat(Math.floor(MB / (item.length + 1))));
    const count = Math.floor(bytes / chunk.length);
    const length = prefix.length + count * chunk.length + item.length + suffix.length;
    // A connection of its own (no keep-alive): the server may answer before the body is sent.
    const req = httpRequest({ port, path, method: 'POST', agent: false, headers: { ...headers, 'content-type': 'application/json', 'content-length': String(length) } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // Closed before any answer: a failure, shown as status 0, never a wait without end.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.on('close', () => setTimeout(() => resolve({ status: 0, body: `${path}: the connection closed before an answer` }), 1000));
    req.setTimeout(60_000, () => req.destroy(new Error(`${path}: no answer in 60 s`)));
    let sent = 0;
    const write = (): void => {
      if (req.destroyed) return;
      if (sent === 0) req.write(prefix);
      while (sent < count) {
        sent++;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end(`${item}${suffix}`);
    };
    write();
  });
}

for (const engine of ENGINES) {
  describe(`request bodies: the server stays under 500 MB while refusing huge ones [${engine}]`, () => {
    it('peaks under 500 MB across huge bodies to every bulk route', { timeout: 180_000 }, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', new URL('../helpers/body-server.ts', import.meta.url).pathname], {
        env: { ...process.env, BODY_SERVER_ENGINE: engine },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const next = async () => String((await lines.next()).value ?? '');
      try {
        const [, port, key] = (await next()).split(' ');
        const auth = { authorization: `Bearer ${key}` };
        const dryRun = '{"action":"erase","dry_run":true,"selector":{"ids":[';
        // Bodies under each route's limit, read whole (one over the limit is refused from its
      // Content-Length before it is read: see the 413 above).
      const answers = [
          await stream(Number(port), '/v1/operations', auth, dryRun, '{}', 60 * MB, ']}}'),
          await stream(Number(port), '/v1/operations', auth, dryRun, '0', 60 * MB, ']}}'),
          await stream(Number(port), '/v1/operations', auth, dryRun, '[[[[]]]]', 60 * MB, ']}}'),
          await stream(Number(port), '/v1/events', auth, '{"events":[', '{}', 15 * MB, ']}'),
          // Imports keep their 256 MB limit; a 1,000,000-row file is 60 to 100 MB.
          await stream(Number(port), '/v1/imports', auth, '{"contacts":[', '[]', 80 * MB, ']}'),
        ];
        for (const answer of answers) {
          assert.ok(answer.status === 400 || answer.status === 413, `${answer.status} ${answer.body.slice(0, 200)}`);
          assert.ok(answer.body.length < SHORT);
        }
        child.stdin.end('report\n');
        const [, rss] = (await next()).split(' ');
        assert.ok(Number(rss) < 500 * MB, `peak RSS ${(Number(rss) / MB).toFixed(0)} MB`);
      } finally {
        child.kill();
      }
    });
  });
}
