/**
 * `npm run bench -- --engine sqlite|postgres [--database-url URL] --contacts N --scenarios a,b --out results.json`
 *
 * Builds (or reuses) a data set, runs each scenario against a real `lethe serve` on a
 * copy of it, measures the raw-SQL floor on another copy, prints a table and writes JSON.
 */
import { Command, Option } from 'commander';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { ensureDataSet } from './fixture.js';
import type { LoadPath } from './fixture.js';
import { EVENTS_PER_CONTACT } from './generate.js';
import { postgresPlaces, sqlitePlaces } from './places.js';
import { checkTargets, formatReport } from './report.js';
import type { BenchReport } from './report.js';
import { runScenario, SCENARIOS } from './scenarios.js';
import { configureLaunch } from './server.js';
import type { Runtime } from './server.js';
import type { ScenarioName, ScenarioResult } from './scenarios.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

interface Flags {
  engine: 'sqlite' | 'postgres';
  databaseUrl?: string;
  contacts: string;
  scenarios: string;
  out?: string;
  seed: string;
  load: 'auto' | LoadPath;
  fresh?: boolean;
  workers: string;
  dir: string;
  keep?: boolean;
  runtime: Runtime;
  chunkSize?: string;
}

/** Up to this size, the data set goes through the import path; above, the store's bulk path. */
const IMPORT_PATH_MAX = 20_000;

const program = new Command('bench')
  .description("Lethe's benchmark: bulk deletion through the API against the raw floor of its own database")
  .addOption(new Option('--engine <engine>', 'database engine').choices(['sqlite', 'postgres']).default('sqlite'))
  .option('--database-url <url>', 'PostgreSQL server to create the benchmark databases on (default: TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)')
  .option('--contacts <n>', 'contacts in the data set (10 events and 2 list memberships each)', '100000')
  .option('--scenarios <list>', `comma-separated: ${SCENARIOS.join(',')} (none: only build the data set)`, SCENARIOS.join(','))
  .option('--out <file>', 'write the figures as JSON here')
  .option('--seed <n>', 'data generator seed', '42')
  .addOption(new Option('--load <path>', `how to load the data set (auto: import up to ${IMPORT_PATH_MAX.toLocaleString('en-US')} contacts, bulk above)`).choices(['auto', 'import', 'bulk']).default('auto'))
  .option('--fresh', 'rebuild the data set even if a cached one matches')
  .option('--workers <n>', '0: the worker inside lethe serve; n: lethe serve --no-worker plus n lethe worker processes', '0')
  .option('--dir <dir>', 'working folder for SQLite files', '.bench')
  .option('--keep', 'keep the per-scenario copies')
  .addOption(new Option('--runtime <runtime>', 'tsx: lethe from source; dist: build with tsc first and run the compiled server, as deployed').choices(['tsx', 'dist']).default('tsx'))
  .option('--chunk-size <n>', "the worker's contacts per chunk (LETHE_CHUNK_SIZE; default: Lethe's own)");

program.parse(process.argv);
const flags = program.opts<Flags>();

function positiveInt(name: string, text: string, min = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    process.stderr.write(`bench: --${name} must be an integer of at least ${min}\n`);
    process.exit(2);
  }
  return value;
}

const contacts = positiveInt('contacts', flags.contacts);
const seed = positiveInt('seed', flags.seed, 0);
const workers = positiveInt('workers', flags.workers, 0);
const scenarios = flags.scenarios === 'none' ? [] : flags.scenarios.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = scenarios.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}\n`);
  process.exit(2);
}
const chunkSize = flags.chunkSize === undefined ? undefined : positiveInt('chunk-size', flags.chunkSize);
const load: LoadPath = flags.load === 'auto' ? (contacts <= IMPORT_PATH_MAX ? 'import' : 'bulk') : flags.load;

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const dir = resolve(flags.dir);
const baseName = `bench_${flags.engine === 'sqlite' ? 'sqlite' : 'pg'}_${contacts}_${seed}`;
const places =
  flags.engine === 'sqlite'
    ? sqlitePlaces(dir, baseName)
    : postgresPlaces(flags.databaseUrl ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', dir, baseName);

if (flags.runtime === 'dist') {
  log('building dist/ (tsc -p tsconfig.build.json)');
  const built = spawnSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'inherit' });
  if (built.status !== 0) process.exit(1);
}
configureLaunch({ runtime: flags.runtime, env: chunkSize === undefined ? {} : { LETHE_CHUNK_SIZE: String(chunkSize) } });

const startedAt = new Date().toISOString();
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 1024 ** 3), loadAverage: loadavg() };
try {
  const data = await ensureDataSet(places, { contacts, seed, load, fresh: flags.fresh === true, log });
  const results: ScenarioResult[] = [];
  for (const name of scenarios as ScenarioName[]) {
    const result = await runScenario({ engine: flags.engine, places, data, workers, keep: flags.keep === true, log }, name);
    log(`  ${name}: ${result.status}${result.seconds !== undefined ? ` in ${result.seconds.toFixed(2)} s` : ''}${result.reason ? ` (${result.reason.split('\n')[0]})` : ''}`);
    results.push(result);
    // Figures so far, in case a long run is cut short.
    if (flags.out) writeFileSync(`${flags.out}.partial`, `${JSON.stringify(results, null, 2)}\n`);
  }
  const loadReport: BenchReport['load'] = data.load ? { ...data.load, reused: false } : { reused: true, note: `reused a cached data set (${baseName}); run with --fresh to time the load` };
  const report: BenchReport = {
    lethe: pkg.version,
    startedAt,
    machine,
    engine: flags.engine,
    contacts,
    events: contacts * EVENTS_PER_CONTACT,
    seed,
    workers: workers === 0 ? 'embedded in lethe serve (worker thread)' : `${workers} lethe worker process(es)`,
    runtime: flags.runtime,
    chunkSize: chunkSize ?? 'default',
    load: loadReport,
    scenarios: results,
    targets: checkTargets(results, loadReport),
  };
  process.stdout.write(`${formatReport(report)}\n`);
  if (flags.out) {
    mkdirSync(dirname(resolve(flags.out)), { recursive: true });
    writeFileSync(flags.out, `${JSON.stringify(report, null, 2)}\n`);
    log(`figures written to ${flags.out}`);
  }
  if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
} finally {
  await places.close();
}
