import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createOperation, hasRoute, request, waitOperation } from './client.js';
import type { WireOperation } from './client.js';
import { adminActor, BENCH_ADMIN_KEY, importContacts, openLethe, prepareAccount } from './fixture.js';
import type { DataSet } from './fixture.js';
import { floorRemoveAll, floorRemoveEmails, floorSoftDeleteRestore } from './floor.js';
import type { FloorFigures } from './floor.js';
import { contactAt, emailAt, EVENTS_PER_CONTACT, LISTS_PER_CONTACT, spreadPositions } from './generate.js';
import type { Places } from './places.js';
import type { LatencySummary } from './reader.js';
import { mcDeleteScenario } from './mcdelete.js';
import { startServer, startWorker } from './server.js';
import type { LetheProcess, Server } from './server.js';

export const SCENARIOS = ['import', 'erase', 'purge', 'restore', 'erasejob', 'mcdelete'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioResult {
  name: ScenarioName;
  title: string;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  /** The API the work went through. */
  via?: string;
  contacts: number;
  /** Rows written or removed (contacts, memberships, events). */
  rows: number;
  seconds?: number;
  contactsPerSecond?: number;
  rowsPerSecond?: number;
  floor?: FloorFigures & { ratio: number; ratioWithScrub: number };
  latency?: { idle: LatencySummary; during: LatencySummary };
  peakRssBytes?: { server: number; workers: number; total: number };
  operation?: { id: number | string; state: string; counts: unknown };
  /** The same work through another API, and this scenario's time over its time. */
  compared?: { via: string; seconds: number; ratio: number };
}

export interface RunContext {
  engine: 'sqlite' | 'postgres';
  places: Places;
  data: DataSet;
  /** 0: the worker embedded in `lethe serve`; otherwise `lethe serve --no-worker` and this many `lethe worker` processes. */
  workers: number;
  keep: boolean;
  log: (line: string) => void;
}

export const rowsPerContact = 1 + LISTS_PER_CONTACT + EVENTS_PER_CONTACT;
const root = fileURLToPath(new URL('..', import.meta.url));

/** A Lethe server (and its workers) on a copy of the data set, for one scenario. */
export async function withServer<T>(
  ctx: RunContext,
  name: string,
  fn: (server: Server) => Promise<T>,
  prepare?: (place: Awaited<ReturnType<Places['copyOfBase']>>) => Promise<void>,
): Promise<{ result: T; peakRssBytes: ScenarioResult['peakRssBytes'] }> {
  const place = await ctx.places.copyOfBase(`${ctx.places.base.name}_${name}`);
  if (prepare) await prepare(place);
  const server = await startServer(place, { embeddedWorker: ctx.workers === 0 });
  const workers: LetheProcess[] = [];
  try {
    for (let i = 0; i < ctx.workers; i++) workers.push(await startWorker(place, i + 1));
    await warmUp(server);
    const result = await fn(server);
    const serverRss = server.peakRss();
    const workersRss = workers.reduce((sum, w) => sum + w.peakRss(), 0);
    return { result, peakRssBytes: { server: serverRss, workers: workersRss, total: serverRss + workersRss } };
  } finally {
    for (const w of workers) await w.stop();
    await server.stop();
    if (!ctx.keep) await ctx.places.drop(place);
  }
}

/**
 * Waits until the server's worker runs operations: a dry run of one contact, to completion.
 * A client in use meets a warm server; a benchmark must not time the worker's start.
 */
async function warmUp(server: Server): Promise<void> {
  if (!(await hasRoute(server.baseUrl, 'GET', '/v1/operations'))) return;
  const op = await createOperation(server.baseUrl, { action: 'erase', selector: { ids: [1] }, dry_run: true });
  await waitOperation(server.baseUrl, op.id, { pollMs: 20, timeoutMs: 120_000 });
}

/** Runs the floor on its own copy of the data set. */
async function onCopy<T>(ctx: RunContext, name: string, fn: (place: Awaited<ReturnType<Places['copyOfBase']>>) => Promise<T>): Promise<T> {
  const place = await ctx.places.copyOfBase(`${ctx.places.base.name}_${name}`);
  try {
    return await fn(place);
  } finally {
    if (!ctx.keep) await ctx.places.drop(place);
  }
}

/** Starts the reader process; resolves once it has warmed up and timing begins. */
async function startReader(server: Server, maxId: number): Promise<{ stop: () => Promise<LatencySummary>; kill: () => void }> {
  const child = fork(fileURLToPath(new URL('./reader.ts', import.meta.url)), [server.baseUrl, BENCH_ADMIN_KEY, String(maxId)], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let onSummary: (summary: LatencySummary) => void = () => undefined;
  const summary = new Promise<LatencySummary>((resolve, reject) => {
    onSummary = resolve;
    child.once('exit', (code) => reject(new Error(`the reader exited with ${code} before reporting`)));
  });
  summary.catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m) => {
      if (m === 'ready') resolve();
      else onSummary(m as LatencySummary);
    });
    child.once('exit', (code) => reject(new Error(`the reader exited with ${code} before it was ready`)));
  });
  return {
    stop: () => {
      child.send('stop');
      return summary;
    },
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds from the request to the operation's completion, seen by polling. */
async function timedOperation(server: Server, body: Record<string, unknown>, pollMs: number): Promise<{ seconds: number; op: WireOperation }> {
  const started = performance.now();
  const created = await createOperation(server.baseUrl, body);
  const op = await waitOperation(server.baseUrl, created.id, { pollMs, timeoutMs: 60 * 60_000 });
  return { seconds: (performance.now() - started) / 1000, op };
}

export const figures = (seconds: number, contacts: number, rows: number) => ({ seconds, contactsPerSecond: contacts / seconds, rowsPerSecond: rows / seconds });

const withRatio = (floor: FloorFigures, seconds: number) => ({ ...floor, ratio: seconds / floor.seconds, ratioWithScrub: seconds / (floor.seconds + floor.scrubSeconds) });

export const opSummary = (op: WireOperation) => ({ id: op.id, state: op.state, counts: op.counts ?? null });

export async function operationsApi(server: Server): Promise<boolean> {
  return hasRoute(server.baseUrl, 'GET', '/v1/operations');
}

/** The floor of erase-all and purge-all is the same change: measured once per run. */
let floorAll: FloorFigures | undefined;
async function removeAllFloor(ctx: RunContext): Promise<FloorFigures> {
  floorAll ??= await onCopy(ctx, 'floor_all', (place) => floorRemoveAll(ctx.engine, place, ctx.data.accountId));
  return floorAll;
}

async function bigOperation(ctx: RunContext, name: 'erase' | 'purge'): Promise<ScenarioResult> {
  const n = ctx.data.contacts;
  const base: ScenarioResult = { name, title: `${name} all ${n} contacts`, status: 'ok', via: 'POST /v1/operations (selector all)', contacts: n, rows: n * rowsPerContact };
  const { result, peakRssBytes } = await withServer(ctx, name, async (server) => {
    if (!(await operationsApi(server))) return undefined;
    let latency: ScenarioResult['latency'];
    let run: { seconds: number; op: WireOperation };
    if (name === 'erase') {
      // The same reads with nothing running, then while the erase runs.
      const idleReader = await startReader(server, n);
      await sleep(n >= 100_000 ? 10_000 : 3_000);
      const idle = await idleReader.stop();
      const reader = await startReader(server, n);
      try {
        run = await timedOperation(server, { action: name, selector: { all: true } }, 100);
      } catch (error) {
        reader.kill();
        throw error;
      }
      latency = { idle, during: await reader.stop() };
    } else {
      run = await timedOperation(server, { action: name, selector: { all: true } }, 100);
    }
    return { run, latency };
  });
  if (!result) return { ...base, status: 'skipped', reason: 'this build has no /v1/operations yet' };
  const floor = await removeAllFloor(ctx);
  return {
    ...base,
    status: result.run.op.state === 'completed' ? 'ok' : 'failed',
    ...figures(result.run.seconds, n, base.rows),
    floor: withRatio(floor, result.run.seconds),
    ...(result.latency ? { latency: result.latency } : {}),
    peakRssBytes,
    operation: opSummary(result.run.op),
  };
}

async function restoreScenario(ctx: RunContext): Promise<ScenarioResult> {
  const n = ctx.data.contacts;
  // Ids every tenth contact: the data set's ids run 1..n in a fresh database.
  const ids = spreadPositions(n, Math.max(1, Math.floor(n / 10)));
  const k = ids.length;
  // Soft delete: the contact and its memberships; restore: the contact again.
  const rows = k * (1 + LISTS_PER_CONTACT) + k;
  const base: ScenarioResult = { name: 'restore', title: `soft delete then restore ${k} contacts (10%)`, status: 'ok', via: 'POST /v1/operations (selector ids) ×2', contacts: k, rows };
  const { result, peakRssBytes } = await withServer(ctx, 'restore', async (server) => {
    if (!(await operationsApi(server))) return undefined;
    const deleted = await timedOperation(server, { action: 'soft_delete', selector: { ids } }, 50);
    const restored = await timedOperation(server, { action: 'restore', selector: { ids } }, 50);
    return { deleted, restored };
  });
  if (!result) return { ...base, status: 'skipped', reason: 'this build has no /v1/operations yet' };
  const floor = await onCopy(ctx, 'floor_restore', (place) => floorSoftDeleteRestore(ctx.engine, place, ctx.data.accountId, ids));
  const seconds = result.deleted.seconds + result.restored.seconds;
  const ok = result.deleted.op.state === 'completed' && result.restored.op.state === 'completed';
  return {
    ...base,
    status: ok ? 'ok' : 'failed',
    title: `${base.title} (soft delete ${result.deleted.seconds.toFixed(2)} s, restore ${result.restored.seconds.toFixed(2)} s)`,
    ...figures(seconds, k, rows),
    floor: withRatio(floor, seconds),
    peakRssBytes,
    operation: opSummary(result.restored.op),
  };
}

async function eraseJobScenario(ctx: RunContext): Promise<ScenarioResult> {
  const n = ctx.data.contacts;
  const positions = spreadPositions(n, 5000, 3);
  const emails = positions.map((p) => emailAt(ctx.data.seed, p));
  const base: ScenarioResult = { name: 'erasejob', title: `erase job of ${emails.length} emails`, status: 'ok', contacts: emails.length, rows: emails.length * rowsPerContact };
  const { result, peakRssBytes } = await withServer(ctx, 'erasejob', async (server) => {
    const sendgrid = await hasRoute(server.baseUrl, 'POST', '/v3/recipients/erasejob', { email_addresses: [] });
    if (!(await operationsApi(server)) && !sendgrid) return undefined;
    // Warm the connection and the server's first-request paths, as a client in use would.
    await request(server.baseUrl, 'GET', '/v1/contacts/1', undefined, [200, 404]);
    const started = performance.now();
    let ref: number | string;
    if (sendgrid) {
      const answer = await request<{ job_id: string }>(server.baseUrl, 'POST', '/v3/recipients/erasejob', { email_addresses: emails }, [202]);
      ref = answer.body.job_id;
    } else {
      ref = (await createOperation(server.baseUrl, { action: 'erase', selector: { emails } })).id;
    }
    const op = await waitOperation(server.baseUrl, ref, { pollMs: 10, timeoutMs: 10 * 60_000 });
    return { seconds: (performance.now() - started) / 1000, op, via: sendgrid ? 'POST /v3/recipients/erasejob (SendGrid dialect)' : 'POST /v1/operations (selector emails)' };
  });
  if (!result) return { ...base, status: 'skipped', reason: 'this build has neither /v1/operations nor the SendGrid erase job yet' };
  const floor = await onCopy(ctx, 'floor_erasejob', (place) => floorRemoveEmails(ctx.engine, place, ctx.data.accountId, emails));
  return {
    ...base,
    via: result.via,
    status: result.op.state === 'completed' ? 'ok' : 'failed',
    ...figures(result.seconds, emails.length, base.rows),
    floor: withRatio(floor, result.seconds),
    peakRssBytes,
    operation: opSummary(result.op),
  };
}

/** A generated contact as a row of the import format (snake_case, as the /v1 contact body). */
const importRowOf = (c: ReturnType<typeof contactAt>) => ({
  email: c.email,
  first_name: c.firstName,
  last_name: c.lastName,
  phone: c.phone,
  opt_in_ip: c.optInIp,
  custom_fields: c.customFields,
});

/**
 * Import into an empty database: the import path's own speed, whatever loaded the data set.
 * Through `POST /v1/imports` (JSON, every row onto two lists) against a real server, timed
 * from the request to the import's completion; without that route, core's upsertMany in process.
 */
async function importScenario(ctx: RunContext): Promise<ScenarioResult> {
  const count = Math.min(ctx.data.contacts, 100_000);
  const rows = count * (1 + LISTS_PER_CONTACT);
  const title = `import ${count} contacts with 2 lists each into an empty database`;
  const place = await ctx.places.empty(`${ctx.places.base.name}_import`);
  try {
    const lethe = await openLethe(place);
    let accountId: number;
    let listIds: number[];
    try {
      ({ accountId, listIds } = await prepareAccount(lethe));
    } finally {
      await lethe.close();
    }
    const seed = ctx.data.seed + 1;
    const server = await startServer(place, { embeddedWorker: true });
    let outcome: { seconds: number; via: string; state: string; counts: unknown } | undefined;
    try {
      if (await hasRoute(server.baseUrl, 'GET', '/v1/imports/1')) {
        const contacts = Array.from({ length: count }, (_, i) => importRowOf(contactAt(seed, i + 1)));
        const body = { contacts, list_ids: listIds.slice(0, LISTS_PER_CONTACT) };
        const started = performance.now();
        const created = await request<{ id: number }>(server.baseUrl, 'POST', '/v1/imports', body, [202]);
        let state = '';
        let last: Record<string, unknown> = {};
        while (!['completed', 'failed', 'canceled'].includes(state)) {
          await sleep(50);
          last = (await request<Record<string, unknown>>(server.baseUrl, 'GET', `/v1/imports/${created.body.id}`)).body;
          state = String(last.state);
        }
        outcome = { seconds: (performance.now() - started) / 1000, via: 'POST /v1/imports (JSON), run by the worker in serve', state, counts: { created: last.created, updated: last.updated, invalid: last.invalid } };
      }
    } finally {
      await server.stop();
    }
    if (!outcome) {
      const inProcess = await openLethe(place);
      try {
        const started = performance.now();
        await importContacts(inProcess, accountId, listIds, seed, count);
        outcome = { seconds: (performance.now() - started) / 1000, via: 'core contacts.upsertMany in process (no /v1/imports in this build)', state: 'completed', counts: null };
      } finally {
        await inProcess.close();
      }
    }
    const check = await openLethe(place);
    try {
      const stored = await check.core.contacts.count(adminActor(accountId), { status: 'all' });
      if (stored !== count) throw new Error(`imported ${stored} contacts, expected ${count}`);
    } finally {
      await check.close();
    }
    return {
      name: 'import',
      title,
      status: outcome.state === 'completed' ? 'ok' : 'failed',
      via: outcome.via,
      contacts: count,
      rows,
      ...figures(outcome.seconds, count, rows),
      operation: { id: 'import', state: outcome.state, counts: outcome.counts },
    };
  } finally {
    if (!ctx.keep) await ctx.places.drop(place);
  }
}

export async function runScenario(ctx: RunContext, name: ScenarioName): Promise<ScenarioResult> {
  ctx.log(`scenario ${name}…`);
  try {
    switch (name) {
      case 'import':
        return await importScenario(ctx);
      case 'erase':
      case 'purge':
        return await bigOperation(ctx, name);
      case 'restore':
        return await restoreScenario(ctx);
      case 'erasejob':
        return await eraseJobScenario(ctx);
      case 'mcdelete':
        return await mcDeleteScenario(ctx);
    }
  } catch (error) {
    return { name, title: name, status: 'failed', reason: error instanceof Error ? error.message.slice(0, 2000) : String(error), contacts: 0, rows: 0 };
  }
}
