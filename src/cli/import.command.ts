import { Option } from 'commander';
import type { Command } from 'commander';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import type { Config } from '../config.js';
import type { ImportOptions, ImportView } from '../core/imports/imports.service.js';
import type { ImportSource } from '../core/imports/import-source.js';
import { TERMINAL_STATES } from '../core/operations/operation.js';
import { runWorker } from '../jobs/worker.js';
import { createLogger } from '../logger.js';
import { createLethe } from '../main.js';
import { BY_OPTION_HELP, cliActor } from './cli-actor.js';
import { operationOutcome } from '../core/operations/outcome.js';
import { formatDuration } from './progress.js';

/**
 * `lethe import FILE`: stores the file's rows as an import (through core, on the
 * database the flags name, like every command) and, unless `--no-wait`, runs a worker
 * in this process and shows the import's progress until it ends. A server's worker on
 * the same database may share the work: leases keep them from doing a chunk twice.
 */

export interface ImportCommandContext {
  common(command: Command): Command;
  configOf(flags: Record<string, unknown>): Readonly<Config>;
  fail(error: unknown): never;
}

interface ImportFlags {
  account: string;
  format?: 'csv' | 'json';
  matchBy: 'email' | 'external_key';
  list: string[];
  label?: string;
  by?: string;
  wait: boolean;
  json?: boolean;
}

const POLL_MS = 300;
const SHOWN_ERRORS = 10;
const number = (n: number): string => n.toLocaleString('en-US');

/** A CSV streams from the file; a JSON file is an array of rows or `{"contacts": [...]}`. */
function sourceOf(path: string, format: 'csv' | 'json'): ImportSource {
  if (format === 'csv') return { format, csv: path === '-' ? process.stdin : createReadStream(path) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path === '-' ? 0 : path, 'utf8'));
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new Error(`no such file: ${path}`);
    throw new Error(`${path} is not valid JSON`);
  }
  const rows = Array.isArray(parsed) ? parsed : (parsed as { contacts?: unknown } | null)?.contacts;
  if (!Array.isArray(rows)) throw new Error(`${path} must hold an array of contacts, or {"contacts": [...]}`);
  return { format, rows };
}

function listIdsOf(values: readonly string[]): number[] {
  const ids = values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean).map(Number);
  if (ids.some((id) => !Number.isSafeInteger(id) || id < 1)) throw new Error('--list takes list ids');
  return ids;
}

export function progressLine(view: ImportView): string {
  const { operation: op, created, updated } = view;
  const { processed, expected, invalid } = op.counts;
  const percent = expected > 0 ? ` (${((100 * processed) / expected).toFixed(1)}%)` : '';
  const rate = op.ratePerSecond === null ? '' : `, ${number(Math.round(op.ratePerSecond))} rows/s`;
  const eta = op.finishedAt !== null ? '' : `, ETA ${formatDuration(op.etaSeconds)}`;
  return `import ${op.id} ${operationOutcome(op)}: ${number(processed)}/${number(expected)} rows${percent}, ${number(created)} created, ${number(updated)} updated, ${number(invalid)} invalid${rate}${eta}`;
}

/** A bar with counts, rate and ETA on a terminal; a plain line a second otherwise (logs, pipes). */
function progressView(stream: NodeJS.WriteStream, quiet: boolean): { update(view: ImportView): void; stop(): void } {
  if (quiet) return { update: () => undefined, stop: () => undefined };
  if (!stream.isTTY) {
    let lastState = '';
    let lastProcessed = -1;
    let lastAt = 0;
    return {
      update(view) {
        const { state, counts } = view.operation;
        const now = Date.now();
        if (state === lastState && (counts.processed === lastProcessed || now - lastAt < 1000)) return;
        stream.write(`${progressLine(view)}\n`);
        [lastState, lastProcessed, lastAt] = [state, counts.processed, now];
      },
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    { stream, format: 'import {id} |{bar}| {percentage}% | {value}/{total} rows | {created} created, {updated} updated, {invalid} invalid | {rate} rows/s | ETA {eta_text}', hideCursor: true, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update({ operation: op, created, updated }) {
      const payload = { id: op.id, created: number(created), updated: number(updated), invalid: number(op.counts.invalid), rate: op.ratePerSecond === null ? '?' : number(Math.round(op.ratePerSecond)), eta_text: formatDuration(op.etaSeconds) };
      if (!started) bar.start(Math.max(1, op.counts.expected), op.counts.processed, payload);
      started = true;
      bar.update(op.counts.processed, payload);
    },
    stop: () => started && bar.stop(),
  };
}

export function registerImportCommand(program: Command, { common, configOf, fail }: ImportCommandContext): void {
  common(program.command('import').description('import contacts in bulk from a CSV or JSON file (up to 1,000,000 rows), showing progress'))
    .argument('<file>', 'CSV with a header line (email, first_name, last_name, external_key, phone, custom.<name>, …), or JSON; - for standard input')
    .option('--account <name>', 'account name; a sub-account as PARENT/NAME', 'default')
    .addOption(new Option('--format <format>', 'file format (default: by extension, csv otherwise)').choices(['csv', 'json']))
    .addOption(new Option('--match-by <field>', 'the identity rows are matched on').choices(['email', 'external_key']).default('email'))
    .option('--list <id>', 'a list every imported contact joins (repeat, or comma-separate)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--label <text>', 'your reference for this import (a ticket number), shown on it')
    .option('--by <name>', BY_OPTION_HELP)
    .option('--no-wait', 'print the queued import and return; a worker (lethe serve or lethe worker) runs it')
    .option('--json', 'print only the final import (or, with --no-wait, the queued one) as JSON')
    .action(async (file: string, flags: ImportFlags) => {
      const config = configOf(flags as unknown as Record<string, unknown>);
      const lethe = await createLethe(config, { logger: createLogger('silent') }).catch(fail);
      const abort = new AbortController();
      let worker: Promise<void> | undefined;
      try {
        const format = flags.format ?? (extname(file).toLowerCase() === '.json' ? 'json' : 'csv');
        const options: ImportOptions = { matchBy: flags.matchBy === 'external_key' ? 'externalKey' : 'email', listIds: listIdsOf(flags.list), ...(flags.label !== undefined ? { label: flags.label } : {}) };
        const actor = await cliActor(lethe, flags.account, flags.by);
        if (file !== '-' && !existsSync(file)) throw new Error(`no such file: ${file}`);
        const created = await lethe.core.imports.create(actor, sourceOf(file, format), options);
        if (!flags.json) process.stdout.write(`import ${created.id} queued (${created.uuid}): ${number(created.counts.expected)} rows stored\n`);
        if (!flags.wait) {
          if (flags.json) process.stdout.write(`${JSON.stringify({ id: created.id, uuid: created.uuid, state: created.state, rows: created.counts.expected })}\n`);
          return;
        }
        const { chunkSize, workerPollMs, schedulerIntervalMs } = config;
        worker = runWorker(lethe.core, { chunkSize, pollMs: Math.min(workerPollMs, 200), schedulerIntervalMs, signal: abort.signal });
        const view = progressView(process.stdout, flags.json === true);
        let current: ImportView;
        for (;;) {
          current = await lethe.core.imports.get(actor, created.id);
          if (TERMINAL_STATES.includes(current.operation.state)) break;
          view.update(current);
          await sleep(POLL_MS);
        }
        view.stop();
        const errors = await lethe.core.imports.errors(actor, created.id, { limit: SHOWN_ERRORS });
        if (flags.json) {
          const { operation: op } = current;
          process.stdout.write(`${JSON.stringify({ id: op.id, uuid: op.uuid, state: op.state, outcome: operationOutcome(op), rows: op.counts.expected, processed: op.counts.processed, created: current.created, updated: current.updated, invalid: op.counts.invalid, errors: errors.items })}\n`);
        } else {
          process.stdout.write(`${progressLine(current)}\n`);
          for (const e of errors.items) process.stdout.write(`  row ${e.row}: ${e.message}\n`);
          if (errors.nextCursor !== null) process.stdout.write(`  … more errors: GET /v1/imports/${created.id}/errors\n`);
        }
        process.exitCode = current.operation.state === 'completed' ? 0 : 1;
      } catch (error) {
        abort.abort();
        await worker?.catch(() => undefined);
        await lethe.close();
        fail(error);
      }
      abort.abort();
      await worker?.catch(() => undefined);
      await lethe.close();
    });
}
