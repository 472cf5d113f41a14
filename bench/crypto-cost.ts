/**
 * `node --import tsx bench/crypto-cost.ts --engine sqlite|postgres [--database-url URL] [--contacts N]`
 *
 * The CPU cost of encryption at rest, per 1,000 contacts of the benchmark's data set:
 * creating and wrapping their data keys and storing them in the keyring (batches of
 * 10,000, as an import chunk does), sealing each contact's personal fields as one blob,
 * opening the blobs again with the keys cached and uncached, and destroying the keys
 * (with the keyring scrub). Process CPU time (user + system) and wall time.
 */
import { Command, Option } from 'commander';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Keyring } from '../src/store/keyring/keyring.js';
import { Sealer } from '../src/store/keyring/sealer.js';
import { contactAt } from './generate.js';

const program = new Command('crypto-cost')
  .addOption(new Option('--engine <engine>').choices(['sqlite', 'postgres']).default('sqlite'))
  .option('--database-url <url>', 'PostgreSQL server (a scratch database is created on it)')
  .option('--contacts <n>', 'contacts', '100000')
  .parse();
const flags = program.opts<{ engine: 'sqlite' | 'postgres'; databaseUrl?: string; contacts: string }>();
const total = Number(flags.contacts);
const BATCH = 10_000;

async function place(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (flags.engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'lethe-crypto-'));
    return { url: join(dir, 'keyring.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!flags.databaseUrl) throw new Error('--database-url is required for postgres');
  const name = `bench_keyring_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: flags.databaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(flags.databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: flags.databaseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

async function measure(label: string, fn: () => Promise<void>): Promise<void> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await fn();
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const per1k = (ms: number) => ((ms / total) * 1000).toFixed(1);
  process.stdout.write(`${label.padEnd(44)} wall ${wall.toFixed(0).padStart(6)} ms  cpu ${cpuMs.toFixed(0).padStart(6)} ms  per 1,000 contacts: cpu ${per1k(cpuMs).padStart(6)} ms, wall ${per1k(wall).padStart(6)} ms\n`);
}

const where = await place();
try {
  const owners = Array.from({ length: total }, () => randomUUID());
  const values = owners.map((_, i) => {
    const c = contactAt(42, i + 1);
    return { email: c.email, firstName: c.firstName, lastName: c.lastName, phone: c.phone, customFields: c.customFields, optInIp: c.optInIp };
  });
  const batches = <T>(items: readonly T[]) => Array.from({ length: Math.ceil(items.length / BATCH) }, (_, b) => items.slice(b * BATCH, (b + 1) * BATCH));
  process.stdout.write(`engine ${flags.engine}, ${total} contacts, batches of ${BATCH}\n`);

  let keyring = await Keyring.open({ url: where.url, secret: randomBytes(32) });
  const secret = randomBytes(32);
  await keyring.close();
  keyring = await Keyring.open({ url: where.url, secret });
  let sealer = new Sealer(keyring);
  const sealed: Buffer[] = [];
  await measure('create keys + seal (import path)', async () => {
    for (const run of batches(owners.map((owner, i) => ({ owner, values: values[i] })))) sealed.push(...(await sealer.sealMany(run)));
  });
  await measure('open, keys cached', async () => {
    for (const run of batches(owners.map((owner, i) => ({ owner, sealed: sealed[i] as Buffer })))) await sealer.openMany(run);
  });
  await keyring.close();
  keyring = await Keyring.open({ url: where.url, secret });
  sealer = new Sealer(keyring);
  await measure('open, keys fetched and unwrapped', async () => {
    for (const run of batches(owners.map((owner, i) => ({ owner, sealed: sealed[i] as Buffer })))) await sealer.openMany(run);
  });
  await measure('destroy keys + keyring scrub', async () => {
    for (const run of batches(owners)) await keyring.destroy(run);
    await keyring.scrub();
  });
  await keyring.close();
} finally {
  await where.drop();
}
