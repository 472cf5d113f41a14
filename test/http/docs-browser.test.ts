import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';

/**
 * The docs page in a real browser, reached by a host name that is not localhost over
 * plain HTTP (as on a server or in a container). Chromium is Debian's (`apt-get install
 * chromium`; .ci/run installs it); when it is missing this test fails, it never skips.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HOST = 'lethe.test';

describe('GET /docs in a browser on a non-localhost host name', () => {
  let browser: Browser;
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `chromium is needed at ${CHROMIUM} (apt-get install -y chromium)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      ],
    });
  });
  after(async () => browser?.close());

  for (const engine of ENGINES) {
    describe(`[${engine}]`, () => {
      let t: TestApp;
      let base: string;
      before(async () => {
        t = await buildTestApp(engine);
        await t.app.listen({ host: '127.0.0.1', port: 0 });
        base = `http://${HOST}:${(t.app.server.address() as AddressInfo).port}`;
      });
      after(async () => t.close());

      it('serves a policy without upgrade-insecure-requests', async () => {
        const res = await fetch(`http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/docs/static/index.html`);
        assert.equal(res.status, 200);
        const csp = res.headers.get('content-security-policy') ?? '';
        assert.match(csp, /default-src 'self'/, 'the static policy is still sent');
        assert.doesNotMatch(csp, /upgrade-insecure-requests/);
      });

      it('renders Swagger UI with the API\'s operations', async () => {
        const page = await browser.newPage();
        const failed: string[] = [];
        page.on('requestfailed', (request) => failed.push(`${request.url()} ${request.failure()?.errorText ?? ''}`));
        try {
          const response = await page.goto(`${base}/docs`, { waitUntil: 'load', timeout: 30_000 });
          assert.equal(response?.ok(), true);
          await page.waitForSelector('.opblock', { timeout: 30_000 });
          const title = await page.textContent('.info .title');
          assert.match(title ?? '', /Lethe API/);
          const paths = await page.$$eval('.opblock-summary-path', (nodes) => nodes.map((n) => n.getAttribute('data-path') ?? n.textContent ?? ''));
          assert.ok(paths.includes('/v1/operations'), `operations are listed (${paths.length} paths)`);
          assert.ok(paths.includes('/v1/contacts'));
          assert.ok(page.url().startsWith(`http://${HOST}:`), `stayed on plain HTTP: ${page.url()}`);
          assert.deepEqual(failed.filter((f) => f.startsWith('https:')), [], 'no asset was asked for over https');
        } finally {
          await page.close();
        }
      });
    });
  }
});
