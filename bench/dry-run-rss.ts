// Peak server memory of a million-address dry run (issue 19): starts `lethe serve` (no
// embedded worker, so the figure is the request's alone) on a fresh database, sends
// POST /v1/operations {"action":"erase","dry_run":true,"selector":{"emails":[…1,000,000]}}
// with a read key, and prints the server's kernel high-water mark (VmHWM) before and after.
//
// Usage: node --import tsx bench/dry-run-rss.ts [--values 1000000] [--parallel 1] [--postgres postgres://…/any]
// With --postgres, a database of its own is created on that server and dropped at the end.
// --parallel N sends N such requests at once (the large-body gate lets LETHE_BULK_CONCURRENCY in, the rest get 429).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { peakRssOf } from './server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? (args[at + 1] as string) : fallback;
};
const VALUES = Number(option('values', '1000000'));
const PARALLEL = Number(option('parallel', '1'));
const postgres = option('postgres', '');
let databaseUrl = '';
const scratch = `lethe_dryrun_${process.pid}`;
const admin = async (statement: string) => {
  const client = new pg.Client({ connectionString: postgres });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
};
if (postgres) {
  await admin(`create database ${scratch}`);
  const url = new URL(postgres);
  url.pathname = `/${scratch}`;
  databaseUrl = url.toString();
}
const ADMIN = 'lethe_0123456789abcdef01234567_0123456789abcdef0123456789abcdef0123456789abcdef';

const dir = mkdtempSync(join(tmpdir(), 'lethe-dryrun-'));
const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--no-worker'], {
  cwd: root,
  env: { ...process.env, LETHE_DATA_DIR: dir, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), PORT: '0', LOG_LEVEL: 'warn', LETHE_ADMIN_KEY: ADMIN },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let output = '';
const port = await new Promise<number>((resolve, reject) => {
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString('utf8');
    const match = /(?:listening on|API:)\s+http:\/\/[^:\s]+:(\d+)/.exec(output);
    if (match) resolve(Number(match[1]));
  });
  child.once('exit', (code) => reject(new Error(`lethe serve exited with ${code}: ${output}`)));
});
const base = `http://127.0.0.1:${port}`;
const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;
try {
  const created = await fetch(`${base}/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'dry run', scopes: ['read'] }) });
  const readKey = ((await created.json()) as { key: string }).key;
  const emails = Array.from({ length: VALUES }, (_, i) => `person.number-${i}@customer-example.com`);
  const body = JSON.stringify({ action: 'erase', dry_run: true, selector: { emails } });
  // Let the server settle (tsx, the first requests) before its figure at rest is taken.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idle = peakRssOf(child.pid as number);
  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      const res = await fetch(`${base}/v1/operations`, { method: 'POST', headers: { authorization: `Bearer ${readKey}`, 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
      return `${res.status}${res.headers.get('retry-after') ? ` (retry-after ${res.headers.get('retry-after')})` : ''}`;
    }),
  );
  const peak = peakRssOf(child.pid as number);
  process.stdout.write(
    `${VALUES.toLocaleString('en')} addresses (${mb(Buffer.byteLength(body))} body) × ${PARALLEL} at once on ${databaseUrl ? 'postgres' : 'sqlite'}: answers ${answers.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `server peak RSS ${mb(peak)} (${mb(idle)} before the request)\n`,
  );
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
  if (postgres) await admin(`drop database if exists ${scratch} with (force)`);
}
