import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createKey } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { mcAuth } from '../helpers/marketing-cloud.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A dry run naming `n` addresses: about 40 bytes each. */
const dryRun = (n: number) => JSON.stringify({ action: 'erase', dry_run: true, selector: { emails: Array.from({ length: n }, (_, i) => `gate-${i}@example.com`) } });

/**
 * Issue 19: a legitimate million-address dry run holds hundreds of megabytes while it is
 * parsed and stored, and any `read` key may send one. The server reads at most
 * LETHE_BULK_CONCURRENCY such bodies at once (here 1): the next is 429 in the surface's
 * shape with Retry-After, before its body is read; small bodies and refused keys never wait.
 */
for (const engine of ENGINES) {
  describe(`large bodies are read one at a time (${engine})`, () => {
    let t: TestApp;
    let port: number;
    let readKey: string;
    before(async () => {
      t = await buildTestApp(engine, { config: { bulkConcurrency: 1 } });
      readKey = await createKey(t, ['read']);
      port = Number(new URL(await t.app.listen({ port: 0, host: '127.0.0.1' })).port);
    });
    after(() => t.close());

    it('a second large body while one is read is 429 with Retry-After, in each surface\'s shape; small ones and bad keys pass by', async () => {
      const body = Buffer.from(dryRun(60_000));
      assert.ok(body.length > 1024 * 1024, 'over the 1 MB default: a large body');
      // The first: its headers and half its body, the rest held back.
      const socket = connect({ port, host: '127.0.0.1' });
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString('utf8')));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.write(`POST /v1/operations HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${readKey}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`);
      socket.write(body.subarray(0, body.length / 2));
      for (let i = 0; i < 200 && t.app.bulkGate.inFlight === 0; i++) await sleep(25);
      assert.equal(t.app.bulkGate.inFlight, 1, 'the first large body holds the permit');

      const url = `http://127.0.0.1:${port}`;
      const refused = await fetch(`${url}/v1/operations`, { method: 'POST', headers: { authorization: `Bearer ${readKey}`, 'content-type': 'application/json' }, body });
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '5');
      assert.match(String(refused.headers.get('content-type')), /^application\/problem\+json/);
      assert.match(((await refused.json()) as { detail: string }).detail, /another large request; retry in 5 seconds/);

      // Marketing Cloud's delete (its own body limit): refused in its shape.
      const mc = await fetch(`${url}/contacts/v1/contacts/actions/delete?type=keys`, {
        method: 'POST',
        headers: { ...(await mcAuth(t, t.adminKey)), 'content-type': 'application/json' },
        body: JSON.stringify({ values: Array.from({ length: 80_000 }, (_, i) => `key-${i}-0123456789`), DeleteOperationType: 'ContactAndAttributes' }),
      });
      assert.equal(mc.status, 429);
      assert.equal(mc.headers.get('retry-after'), '5');
      const mcBody = (await mc.json()) as { hasErrors?: boolean; message?: string };
      assert.ok(mcBody.hasErrors === true || typeof mcBody.message === 'string', JSON.stringify(mcBody));

      // A small body does not wait; a key without the scope is refused for that, not for the gate.
      const small = await fetch(`${url}/v1/operations`, { method: 'POST', headers: { authorization: `Bearer ${readKey}`, 'content-type': 'application/json' }, body: dryRun(10) });
      assert.equal(small.status, 202, await small.text());
      const noKey = await fetch(`${url}/v1/operations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(noKey.status, 401);
      const mcRead = await fetch(`${url}/contacts/v1/contacts/actions/delete?type=keys`, { method: 'POST', headers: { ...(await mcAuth(t, readKey)), 'content-type': 'application/json' }, body });
      assert.equal(mcRead.status, 403, 'a read key may not delete, and is told so before the gate');

      // The first completes, and gives its permit back.
      socket.write(body.subarray(body.length / 2));
      await closed;
      assert.match(answer, /^HTTP\/1\.1 202/, answer.slice(0, 300));
      for (let i = 0; i < 100 && t.app.bulkGate.inFlight > 0; i++) await sleep(10);
      assert.equal(t.app.bulkGate.inFlight, 0);
      const next = await fetch(`${url}/v1/operations`, { method: 'POST', headers: { authorization: `Bearer ${readKey}`, 'content-type': 'application/json' }, body });
      assert.equal(next.status, 202, await next.text());
    });

    it('a client that goes away mid-body gives its permit back', async () => {
      const body = Buffer.from(dryRun(60_000));
      const socket = connect({ port, host: '127.0.0.1' });
      socket.write(`POST /v1/operations HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${readKey}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`);
      socket.write(body.subarray(0, 1000));
      for (let i = 0; i < 200 && t.app.bulkGate.inFlight === 0; i++) await sleep(25);
      assert.equal(t.app.bulkGate.inFlight, 1);
      socket.destroy();
      for (let i = 0; i < 200 && t.app.bulkGate.inFlight > 0; i++) await sleep(25);
      assert.equal(t.app.bulkGate.inFlight, 0);
    });
  });
}
