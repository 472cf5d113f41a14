/**
 * `npm run bench:dashboard -- [--engine sqlite|postgres] [--database-url URL] [--operations N] [--targets N]`
 *
 * Time to first render of the dashboard's two largest pages, in headless Chromium against a
 * real `lethe serve`: the operations table over 100,000 operations, and the page of one
 * operation with 1,000,000 targets. The data is written straight into a fresh database; the
 * figures are printed (and never asserted: speed is measured, not tested).
 */
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { sql } from 'kysely';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { loadConfig } from '../src/config.js';
import { ensureFirstStart } from '../src/core/bootstrap.js';
import { createLogger } from '../src/logger.js';
import { createLethe } from '../src/main.js';

const ADMIN_KEY = 'lethe-dashboard-bench-admin-key-0123456789';
const root = fileURLToPath(new URL('..', import.meta.url));

const flags = new Command()
  .option('--engine <engine>', 'sqlite or postgres', 'sqlite')
  .option('--database-url <url>', 'PostgreSQL server (a database is created in it and dropped)')
  .option('--operations <n>', 'operations in the table', '100000')
  .option('--targets <n>', 'targets of the large operation', '1000000')
  .option('--runs <n>', 'page loads per figure (the median is reported)', '5')
  .parse()
  .opts<{ engine: string; databaseUrl?: string; operations: string; targets: string; runs: string }>();

async function seed(dataDir: string, databaseUrl: string, operations: number, targets: number): Promise<number> {
  const lethe = await createLethe(loadConfig({ dataDir, databaseUrl, logLevel: 'silent' }, {}), { logger: createLogger('silent') });
  try {
    const { accountId } = await ensureFirstStart(lethe.core, ADMIN_KEY);
    const db = lethe.store.handle.db;
    const now = Date.now();
    const states = ['completed', 'completed', 'completed', 'failed', 'canceled'];
    const actions = ['erase', 'soft_delete', 'purge', 'restore'];
    for (let start = 0; start < operations; start += 500) {
      const rows = Array.from({ length: Math.min(500, operations - start) }, (_, i) => {
        const at = now - (operations - start - i) * 20_000;
        return { account_id: accountId, uuid: randomUUID(), kind: 'operation', action: actions[(start + i) % 4] as string, selector_kind: 'emails', selector_size: 10, state: states[(start + i) % 5] as string, expected: 10, processed: 10, succeeded: 9, not_found: 1, run_after: at, via: 'native', created_at: at, started_at: at, finished_at: at + 1000, updated_at: at + 1000 };
      });
      await db.insertInto('operations').values(rows).execute();
    }
    const big = await db.insertInto('operations').values({ account_id: accountId, uuid: randomUUID(), kind: 'operation', action: 'erase', selector_kind: 'emails', selector_size: targets, state: 'completed', expected: targets, processed: targets, succeeded: targets, run_after: now, via: 'native', created_at: now, started_at: now, finished_at: now + 60_000, updated_at: now + 60_000 }).returning('id').executeTakeFirstOrThrow();
    const opId = Number(big.id);
    await db.transaction().execute(async (trx) => {
      for (let start = 0; start < targets; start += 2000) {
        const rows = Array.from({ length: Math.min(2000, targets - start) }, (_, i) => ({ operation_id: opId, seq: start + i + 1, account_id: accountId, value: null, value_hash: (start + i).toString(16).padStart(64, '0'), contact_id: start + i + 1, outcome: 'done', detail: null }));
        await trx.insertInto('operation_targets').values(rows).execute();
      }
    });
    // What autovacuum would do a minute after such a load: planner statistics for the new rows.
    if (lethe.store.capabilities.engine === 'postgres') {
      await sql`analyze operations`.execute(db);
      await sql`analyze operation_targets`.execute(db);
    }
    return opId;
  } finally {
    await lethe.close();
  }
}

/** Milliseconds from navigation to the first row of the table drawn, the median of `runs` loads. */
async function firstRender(page: Page, url: string, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    await page.goto('about:blank');
    const started = performance.now();
    await page.goto(url);
    await page.locator('tbody tr').first().waitFor({ timeout: 120_000 });
    times.push(Math.round(performance.now() - started));
  }
  return times;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-dash-bench-'));
  let databaseUrl = join(dir, 'lethe.db');
  let drop = async () => undefined as void;
  if (flags.engine === 'postgres') {
    const pg = (await import('pg')).default;
    const admin = flags.databaseUrl ?? process.env.TEST_DATABASE_URL;
    if (!admin) throw new Error('--database-url (or TEST_DATABASE_URL) is needed for postgres');
    const name = `lethe_dash_bench_${process.pid}`;
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(`create database ${name}`);
    await c.end();
    const url = new URL(admin);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    drop = async () => {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`drop database if exists ${name} with (force)`);
      await d.end();
    };
  }
  const operations = Number(flags.operations);
  const targets = Number(flags.targets);
  const seeding = performance.now();
  const opId = await seed(dir, databaseUrl, operations, targets);
  console.log(`seeded ${operations.toLocaleString('en')} operations and one of ${targets.toLocaleString('en')} targets on ${flags.engine} in ${Math.round((performance.now() - seeding) / 1000)} s`);

  const server = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--no-worker'], { cwd: root, env: { ...process.env, LETHE_DATA_DIR: dir, DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+?)\/? /.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`lethe serve exited (${code}): ${out}`)));
  });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${base}/dashboard/`);
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    const runs = Number(flags.runs);
    const list = await firstRender(page, `${base}/dashboard/#/operations`, runs);
    const detail = await firstRender(page, `${base}/dashboard/#/operations/${opId}`, runs);
    // The last page of targets: the cursor, not an offset, keeps it as fast as the first.
    const api = async (path: string) => {
      const started = performance.now();
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      await res.text();
      return Math.round(performance.now() - started);
    };
    console.log(`operations table (${operations.toLocaleString('en')} operations), first render: median ${median(list)} ms (${list.join(', ')})`);
    console.log(`operation page (${targets.toLocaleString('en')} targets), first render: median ${median(detail)} ms (${detail.join(', ')})`);
    console.log(`GET /v1/operations?limit=50: ${await api('/v1/operations?limit=50')} ms; GET /v1/operations/${opId}/targets?limit=50: ${await api(`/v1/operations/${opId}/targets?limit=50`)} ms`);
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
