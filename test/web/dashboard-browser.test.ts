import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { ensureFirstStart } from '../../src/core/bootstrap.js';
import { DASHBOARD_DIR } from '../../src/http/dashboard.js';
import { createLogger } from '../../src/logger.js';
import { createLethe } from '../../src/main.js';
import { startCli } from '../helpers/cli.js';
import { createTestDatabase, ENGINES } from '../helpers/engines.js';
import type { TestDatabase } from '../helpers/engines.js';

/**
 * The dashboard in a real browser (Debian's chromium, driven by playwright-core) against a
 * real `lethe serve` on each engine: the privacy officer's path from sign in to sign out.
 * One browser for the file, one server per engine. Screenshots of each page go to
 * .screenshots/ (not committed). The build must exist: `npm install` runs it (`npm run build:web`).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_KEY = 'lethe-dashboard-test-admin-key-0123456789';
const SHOTS = fileURLToPath(new URL('../../.screenshots/', import.meta.url));
const PEOPLE = 400;

async function seed(database: TestDatabase): Promise<void> {
  const lethe = await createLethe(loadConfig({ dataDir: database.dir, databaseUrl: database.url, logLevel: 'silent' }, {}), { logger: createLogger('silent') });
  try {
    const { accountId } = await ensureFirstStart(lethe.core, ADMIN_KEY);
    await lethe.core.accounts.createSubAccount({ accountId, keyAccountId: accountId, keyId: null, scopes: ['admin'], via: 'cli' }, 'dept-b');
    await lethe.core.contacts.upsertMany(accountId, Array.from({ length: PEOPLE }, (_, i) => ({ email: `person${i}@example.com`, firstName: `Person${i}` })), { source: 'test' });
  } finally {
    await lethe.close();
  }
}

describe('the dashboard in a browser', () => {
  let browser: Browser;
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `chromium is needed at ${CHROMIUM} (apt-get install -y chromium)`);
    assert.ok(existsSync(`${DASHBOARD_DIR}/index.html`), 'the dashboard is built (npm run build:web; npm install runs it)');
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });
  after(async () => browser?.close());

  for (const engine of ENGINES) {
    describe(`[${engine}]`, () => {
      let database: TestDatabase;
      let server: Awaited<ReturnType<typeof startCli>> | undefined;
      let base = '';
      let context: BrowserContext;
      let page: Page;
      const urls: string[] = [];
      const api = (path: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
        fetch(`${base}${path}`, {
          method: init.method ?? 'GET',
          headers: { authorization: `Bearer ${init.key ?? ADMIN_KEY}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        });
      const shot = (name: string, target: Page = page) => target.screenshot({ path: `${SHOTS}${engine}-${name}.png`, fullPage: true });
      const signIn = async (target: Page, key: string) => {
        await target.goto(`${base}/`, { waitUntil: 'load' });
        await target.getByLabel('API key').fill(key);
        await target.getByRole('button', { name: 'Sign in' }).click();
        await target.getByRole('navigation', { name: 'Main' }).waitFor();
      };

      before(async () => {
        database = await createTestDatabase(engine);
        await seed(database);
        // Small chunks: the erase below runs in several, so its progress moves while the page watches.
        server = await startCli(['serve'], { LETHE_DATA_DIR: database.dir, DATABASE_URL: database.url, PORT: '0', LOG_LEVEL: 'warn', LETHE_CHUNK_SIZE: '50', LETHE_WORKER_POLL_MS: '200' }, /listening on http:\/\/\S+ /);
        base = /listening on (http:\/\/\S+) /.exec(server.output())?.[1]?.replace(/\/$/, '') ?? '';
        assert.ok(base, server.output());
        context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
        page = await context.newPage();
        page.on('request', (r) => urls.push(r.url()));
      });
      after(async () => {
        await context?.close();
        await server?.stop();
        await database?.drop();
      });

      it('signs in with a key exchanged for an HttpOnly session; the key is kept nowhere in the browser', async () => {
        await signIn(page, ADMIN_KEY);
        await page.getByRole('heading', { name: 'Overview' }).waitFor();
        await page.getByText('Verified: every link holds').waitFor();
        await page.getByText('0 overdue').waitFor();
        const cookies = await context.cookies();
        const session = cookies.find((c) => c.name === 'lethe_session');
        assert.ok(session, 'a session cookie');
        assert.equal(session.httpOnly, true);
        assert.equal(session.sameSite, 'Strict');
        assert.ok(session.expires > Date.now() / 1000, 'it expires');
        assert.notEqual(session.value, ADMIN_KEY);
        // Strings run in the page (this file is compiled without the DOM's types).
        const stored = await page.evaluate<string>('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })');
        assert.ok(!stored.includes(ADMIN_KEY), 'no key in storage or readable cookies');
        await shot('overview');
      });

      it('starts an erase: a dry run first, then the confirmed erase, watched live to completion', async () => {
        await page.getByRole('link', { name: 'Start a deletion' }).click();
        await page.getByRole('heading', { name: 'Start a deletion' }).waitFor();
        await page.getByRole('radio', { name: /Erase: remove/ }).check();
        const values = [...Array.from({ length: PEOPLE - 100 }, (_, i) => `person${i}@example.com`), 'nobody@example.com'].join('\n');
        await page.getByLabel('Email addresses, one a line').fill(values);
        await page.getByLabel(/Reference/).fill('GDPR-1');
        await page.getByRole('button', { name: 'Dry run' }).click();
        const confirm = page.getByRole('button', { name: `Confirm: erase ${PEOPLE - 100} contacts` });
        await confirm.waitFor({ timeout: 60_000 });
        // The dry run changed nothing.
        const lookup = (await (await api('/v1/contacts/lookup', { method: 'POST', body: { emails: ['person0@example.com'] } })).json()) as { data: Array<{ status: string }> };
        assert.equal(lookup.data[0]?.status, 'active');
        await shot('dry-run');
        await confirm.click();
        await page.waitForURL(/#\/operations\/\d+$/);
        const id = /#\/operations\/(\d+)$/.exec(page.url())?.[1];
        await page.getByText('Download receipt (JSON)').waitFor({ timeout: 60_000 });
        assert.ok(urls.some((u) => u.endsWith(`/v1/operations/${id}/stream`)), 'the page followed the operation\'s stream');
        await page.getByText(/100% · 301 of 301/).waitFor();
        await shot('operation');
        const op = (await (await api(`/v1/operations/${id}`)).json()) as { state: string; counts: { succeeded: number; not_found: number }; label: string };
        assert.deepEqual([op.state, op.counts.succeeded, op.counts.not_found, op.label], ['completed', PEOPLE - 100, 1, 'GDPR-1']);
      });

      it('opens the receipt: a JSON download and a printable page anchored to the audit chain', async () => {
        const download = page.waitForEvent('download');
        await page.getByRole('button', { name: 'Download receipt (JSON)' }).click();
        const file = await (await download).path();
        const receipt = JSON.parse(readFileSync(file, 'utf8')) as { anchor: { hash: string }; operation: { label: string } };
        assert.match(receipt.anchor.hash, /^[0-9a-f]{64}$/);
        assert.equal(receipt.operation.label, 'GDPR-1');
        await page.getByRole('link', { name: 'Printable receipt' }).click();
        await page.getByRole('heading', { name: 'Anchor in the audit chain' }).waitFor();
        await page.getByText(receipt.anchor.hash).first().waitFor();
        assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0, 'the printable page has no navigation');
        await page.emulateMedia({ media: 'print' });
        await shot('receipt');
        await page.emulateMedia({ media: 'screen' });
      });

      it('pages through operations with filters', async () => {
        await page.goto(`${base}/dashboard/#/operations`);
        await page.getByRole('heading', { name: 'Operations' }).waitFor();
        const rows = page.locator('tbody tr');
        await rows.first().waitFor();
        assert.equal(await rows.count(), 2, 'the dry run and the erase');
        await page.getByLabel('State').selectOption('completed');
        await page.getByLabel('Action').selectOption('erase');
        await page.getByRole('button', { name: 'Filter' }).click();
        await page.waitForFunction('document.querySelectorAll("tbody tr").length === 2');
        await page.getByLabel('API').selectOption('sendgrid');
        await page.getByRole('button', { name: 'Filter' }).click();
        await page.getByText('No operation matches.').waitFor();
        await page.getByRole('button', { name: 'Clear' }).click();
        await rows.first().waitFor();
        await shot('operations');
      });

      it('looks a person up by email through the lookup endpoint, never with the address in a URL', async () => {
        await page.getByRole('link', { name: 'Look a person up' }).click();
        await page.getByLabel('Email address').fill('person350@example.com');
        await page.getByRole('button', { name: 'Look up' }).click();
        await page.getByRole('heading', { name: /Contact #\d+/ }).waitFor();
        await page.getByText('person350@example.com').waitFor();
        await page.getByText('active', { exact: true }).first().waitFor();
        await page.getByRole('button', { name: 'Soft delete…' }).click();
        await page.getByRole('button', { name: 'Confirm soft delete' }).click();
        await page.getByText('Done: the contact is deleted.').waitFor();
        await shot('lookup');
        assert.deepEqual(urls.filter((u) => u.includes('@') || u.includes('%40')), [], 'no address in any URL');
      });

      it('imports a CSV with progress, then shows its refused rows', async () => {
        await page.getByRole('link', { name: 'Imports' }).click();
        const csv = 'email,first_name\nnew1@example.com,New\nnot-an-address,Bad\nnew2@example.com,Newer\n';
        await page.getByLabel('CSV file').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
        await page.getByRole('button', { name: 'Upload and import' }).click();
        await page.getByRole('heading', { name: /Import #\d+/ }).waitFor();
        await page.getByText('3 of 3 rows').waitFor({ timeout: 60_000 });
        const refused = page.getByRole('region', { name: 'Rows not imported' });
        await refused.getByRole('cell', { name: 'email', exact: true }).waitFor();
        assert.equal(await refused.locator('tbody tr').count(), 1);
        assert.ok(!(await refused.textContent())?.includes('not-an-address'), 'the refused value is not shown');
        await shot('imports');
      });

      it('changes a setting', async () => {
        await page.getByRole('link', { name: 'Settings' }).click();
        await page.getByRole('heading', { name: 'Account “default”' }).waitFor();
        const retention = page.getByLabel(/^Retention/);
        await retention.fill('45');
        await page.getByRole('button', { name: 'Save settings' }).click();
        await page.getByText('Settings saved.').waitFor();
        const account = (await (await api('/v1/account')).json()) as { settings: { retention_days: number } };
        assert.equal(account.settings.retention_days, 45);
        await page.getByText('No webhook endpoint.').waitFor();
        await page.getByLabel('Endpoint URL').fill('http://127.0.0.1:9/hook');
        await page.getByRole('button', { name: 'Add webhook' }).click();
        await page.getByRole('alert').filter({ hasText: /private|loopback|address/i }).waitFor();
        await shot('settings');
      });

      it('acts for a sub-account (on-behalf-of) and back', async () => {
        await page.getByLabel('Account', { exact: true }).selectOption('dept-b');
        await page.getByRole('heading', { name: 'Account “dept-b”' }).waitFor();
        await page.getByRole('link', { name: 'Operations' }).click();
        await page.getByText('No operation matches.').waitFor();
        await page.getByLabel('Account', { exact: true }).selectOption('');
        await page.locator('tbody tr').first().waitFor();
        await page.getByRole('link', { name: 'Overview' }).click();
        await page.getByText(/Operations by state \([1-9]\d* in all\)/).waitFor();
        await shot('overview-after');
      });

      it('is usable on a phone', async () => {
        const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
        try {
          const p = await phone.newPage();
          await signIn(p, ADMIN_KEY);
          await p.getByRole('heading', { name: 'Overview' }).waitFor();
          const overflow = await p.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
          assert.ok(overflow <= 1, `no sideways scrolling (${overflow}px)`);
          await shot('phone-overview', p);
          await p.goto(`${base}/dashboard/#/operations`);
          await p.locator('tbody tr').first().waitFor();
          await shot('phone-operations', p);
        } finally {
          await phone.close();
        }
      });

      it('signs out: the session ends', async () => {
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByLabel('API key').waitFor();
        const after = await page.evaluate<number>("fetch('/v1/sessions/current').then((r) => r.status)");
        assert.equal(after, 401);
        assert.equal((await context.cookies()).find((c) => c.name === 'lethe_session'), undefined);
        await shot('sign-in');
      });

      it('does not offer erasure to a key without the erase scope', async () => {
        const res = await api('/v1/keys', { method: 'POST', body: { name: 'no-erase', scopes: ['read', 'delete'] } });
        const { key } = (await res.json()) as { key: string };
        await signIn(page, key);
        await page.getByRole('link', { name: 'Start a deletion' }).click();
        await page.getByRole('heading', { name: 'Start a deletion' }).waitFor();
        assert.equal(await page.getByRole('radio', { name: /Soft delete: hide/ }).count(), 1);
        assert.equal(await page.getByRole('radio', { name: /Erase: remove/ }).count(), 0);
        assert.equal(await page.getByRole('radio', { name: /Purge: remove/ }).count(), 0);
        await page.getByRole('link', { name: 'Look a person up' }).click();
        await page.getByLabel('Email address').fill('person360@example.com');
        await page.getByRole('button', { name: 'Look up' }).click();
        await page.getByRole('button', { name: 'Soft delete…' }).waitFor();
        assert.equal(await page.getByRole('button', { name: 'Erase…' }).count(), 0);
        assert.equal(await page.getByRole('link', { name: 'Imports' }).count(), 0, 'no write scope: no imports');
        await page.getByRole('link', { name: 'Settings' }).click();
        await page.getByText('Keys are managed with an').waitFor();
        assert.equal(await page.getByRole('button', { name: 'Save settings' }).count(), 0);
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByLabel('API key').waitFor();
      });
    });
  }
});
