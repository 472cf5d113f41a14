/**
 * Peak memory of an access request's export for one person with many events (issue 15).
 *
 *   node --import tsx bench/export-rss.ts [--events 100000] [--database-url postgres://…] [--dir DIR (default: a temporary folder)]
 *
 * Phase 1 (its own process) seeds one contact with N events. Phase 2 (a fresh process, so
 * that its high-water mark is the export's alone) creates the access request, runs the
 * worker until the export is written (in parts of 1,000 events), then downloads it as the
 * JSON document and as the zip of CSVs, counting the bytes. Each phase prints its peak RSS
 * (the kernel's high-water mark, `process.resourceUsage().maxRSS`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import type { Actor } from '../src/core/actor.js';
import { ensureFirstStart } from '../src/core/bootstrap.js';
import { exportJson, exportZip } from '../src/http/native/requests-export.js';
import { OperationRunner } from '../src/jobs/runner.js';
import { createLogger } from '../src/logger.js';
import { createLethe } from '../src/main.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '100000' }, 'database-url': { type: 'string' }, dir: { type: 'string', default: join(tmpdir(), 'lethe-bench-export') }, phase: { type: 'string' } } });
const events = Number(values.events);
const dir = resolve(values.dir ?? join(tmpdir(), 'lethe-bench-export'));
const EMAIL = 'many-events@example.com';
const mb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function open() {
  const config = loadConfig({ dataDir: dir, ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}), logLevel: 'silent' }, {});
  const lethe = await createLethe(config, { logger: createLogger('silent') });
  const first = await ensureFirstStart(lethe.core, undefined);
  const actor: Actor = { accountId: first.accountId, keyAccountId: first.accountId, keyId: null, scopes: ['admin'], via: 'cli', operator: 'bench' };
  return { lethe, actor };
}

async function seed(): Promise<void> {
  const { lethe, actor } = await open();
  const contact = await lethe.core.contacts.create(actor, { email: EMAIL, firstName: 'Many', lastName: 'Events' });
  const batch = 10_000;
  for (let done = 0; done < events; done += batch) {
    const rows = Array.from({ length: Math.min(batch, events - done) }, (_, i) => ({
      contactId: contact.id,
      type: 'open' as const,
      messageId: `m-${done + i}`,
      subject: `Newsletter number ${done + i} with a subject of typical length`,
      categories: ['newsletter', 'weekly'],
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36',
      url: `https://example.com/articles/${done + i}?utm_source=newsletter`,
      occurredAt: Date.UTC(2025, 0, 1) + (done + i) * 1000,
    }));
    await lethe.store.events.insertMany(contact.accountId, rows);
  }
  await lethe.close();
  console.log(`seed: 1 contact, ${events.toLocaleString('en')} events; peak RSS ${mb()} MB`);
}

async function exportPhase(): Promise<void> {
  const { lethe, actor } = await open();
  const baseline = mb();
  let started = Date.now();
  const request = await lethe.core.requests.create(actor, { type: 'access', person: { kind: 'emails', values: [EMAIL] } });
  await new OperationRunner(lethe.core, { chunkSize: lethe.config.chunkSize }).runUntilIdle();
  const produced = await lethe.core.requests.exportOf(actor, request.id);
  const produceMs = Date.now() - started;
  const afterProduce = mb();
  const accounts = await lethe.core.requests.exportAccounts(produced);
  const count = () => {
    let bytes = 0;
    return { sink: new Writable({ write: (chunk: Buffer, _e, cb) => ((bytes += chunk.length), cb()) }), bytes: () => bytes };
  };
  started = Date.now();
  const json = count();
  await pipeline(exportJson(lethe.core, produced, accounts), json.sink);
  const jsonMs = Date.now() - started;
  const afterJson = mb();
  started = Date.now();
  const zip = count();
  await pipeline(exportZip(lethe.core, produced, accounts), zip.sink);
  const zipMs = Date.now() - started;
  await lethe.close();
  console.log(`export: ${lethe.store.capabilities.engine}, ${events.toLocaleString('en')} events`);
  console.log(`  baseline (opened, nothing done)   peak RSS ${baseline} MB`);
  console.log(`  export written by the worker      ${produceMs} ms, peak RSS ${afterProduce} MB`);
  console.log(`  JSON document streamed            ${(json.bytes() / 1e6).toFixed(1)} MB in ${jsonMs} ms, peak RSS ${afterJson} MB`);
  console.log(`  zip of CSVs streamed              ${(zip.bytes() / 1e6).toFixed(1)} MB in ${zipMs} ms, peak RSS ${mb()} MB`);
}

if (values.phase === 'seed') await seed();
else if (values.phase === 'export') await exportPhase();
else {
  if (!values['database-url']) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const self = [...process.execArgv, ...process.argv.slice(1)];
  for (const phase of ['seed', 'export']) {
    const run = spawnSync(process.execPath, [...self, '--phase', phase], { stdio: 'inherit' });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
}
