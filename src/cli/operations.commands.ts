import { Option } from 'commander';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.js';
import type { Actor } from '../core/actor.js';
import { OPERATION_ACTIONS, OPERATION_STATES, TERMINAL_STATES } from '../core/operations/operation.js';
import type { CreateOperationInput, Operation, OperationAction, OperationState, Selector } from '../core/operations/operation.js';
import { parseRef } from '../core/refs.js';
import { operationOutcome } from '../core/operations/outcome.js';
import { presentOperation } from '../http/native/operations.wire.js';
import { createLogger } from '../logger.js';
import { createLethe } from '../main.js';
import type { Lethe } from '../main.js';
import { createInterface } from 'node:readline/promises';
import { ELIGIBLE } from '../core/lifecycle/apply-action.js';
import { presentReceipt } from '../http/native/operations-receipt.wire.js';
import { BY_OPTION_HELP, cliActor, whereOf } from './cli-actor.js';
import { createProgressView, formatDuration } from './progress.js';
import type { ProgressView } from './progress.js';

/**
 * `lethe erase` and `lethe operations list|show|watch|cancel`. They work on the database
 * through core, like the other commands (DATABASE_URL or the data folder): no server is
 * needed, and what they start is run by any worker on that database, this process's own
 * included.
 */

export interface CliContext {
  /** Adds the data folder, database and log flags to a command. */
  common(command: Command): Command;
  /** The configuration those flags (and the environment) give. */
  configOf(flags: Record<string, unknown>): Readonly<Config>;
  fail(error: unknown): never;
  /** Runs a worker in this process until `stop` resolves, when the engine provides one. */
  runWorker?: (lethe: Lethe, stop: Promise<void>) => Promise<void>;
}

export interface AccountFlags {
  account: string;
  /** Who is acting (`--by`; default the OS user). */
  by?: string;
}

const POLL_MS = 500;

async function open(context: CliContext, flags: Record<string, unknown>): Promise<Lethe> {
  return createLethe(context.configOf(flags), { logger: createLogger('silent') });
}

export { cliActor } from './cli-actor.js';

/** The values of a file, one per line (`-` reads standard input); blank lines are skipped. */
export function readValues(path: string): string[] {
  const text = readFileSync(path === '-' ? 0 : path, 'utf8');
  const values: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const value = line.trim();
    if (value !== '') values.push(value);
  }
  return values;
}

interface EraseFlags extends AccountFlags {
  emails?: string;
  ids?: string;
  uuids?: string;
  externalKeys?: string;
  list?: string;
  all?: boolean;
  action: string;
  dryRun?: boolean;
  allAccounts?: boolean;
  restoreToLists?: string;
  label?: string;
  yes?: boolean;
  wait: boolean;
  json?: boolean;
}

function selectorOf(flags: EraseFlags): Selector {
  const given = [flags.emails, flags.ids, flags.uuids, flags.externalKeys, flags.list, flags.all ? true : undefined].filter((v) => v !== undefined);
  if (given.length !== 1) throw new Error('name the contacts with exactly one of --emails FILE, --ids FILE, --uuids FILE, --external-keys FILE, --list ID or --all');
  if (flags.emails !== undefined) return { kind: 'emails', values: readValues(flags.emails) };
  // Ids that are not whole numbers go through as given: the operation counts them invalid.
  if (flags.ids !== undefined) return { kind: 'ids', values: readValues(flags.ids).map(parseRef) };
  if (flags.uuids !== undefined) return { kind: 'uuids', values: readValues(flags.uuids) };
  if (flags.externalKeys !== undefined) return { kind: 'external_keys', values: readValues(flags.externalKeys) };
  if (flags.list !== undefined) {
    const listId = Number(flags.list);
    if (!Number.isSafeInteger(listId) || listId < 1) throw new Error(`--list takes a list id, got "${flags.list}"`);
    return { kind: 'list', listId };
  }
  return { kind: 'all' };
}

function inputOf(flags: EraseFlags): CreateOperationInput {
  if (!(OPERATION_ACTIONS as readonly string[]).includes(flags.action)) throw new Error(`--action is one of ${OPERATION_ACTIONS.join(', ')}`);
  const restoreToLists = flags.restoreToLists?.split(',').map((s) => Number(s.trim()));
  if (restoreToLists?.some((id) => !Number.isSafeInteger(id) || id < 1)) throw new Error('--restore-to-lists takes comma-separated list ids');
  return {
    action: flags.action as OperationAction,
    selector: selectorOf(flags),
    ...(flags.dryRun ? { dryRun: true } : {}),
    ...(flags.allAccounts ? { accounts: 'all' as const } : {}),
    ...(restoreToLists ? { restoreToLists } : {}),
    ...(flags.label !== undefined ? { label: flags.label } : {}),
  };
}

const isFinal = (op: Operation): boolean => TERMINAL_STATES.includes(op.state);

/** Reads the operation every POLL_MS, showing progress, until it is final. */
async function follow(lethe: Lethe, actor: Actor, ref: number | string, view: ProgressView): Promise<Operation> {
  for (;;) {
    const op = await lethe.core.operations.get(actor, ref);
    if (isFinal(op)) {
      view.finish(op);
      return op;
    }
    view.update(op);
    await sleep(POLL_MS);
  }
}

/** Completed is success; failed and canceled are not. */
const exitCodeOf = (op: Operation): number => (op.state === 'completed' ? 0 : 1);

export const writeJson = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);

function describe(op: Operation): string {
  const c = op.counts;
  const lines = [
    `operation ${op.id} (${op.uuid})`,
    `  action:     ${op.action}${op.dryRun ? ' (dry run)' : ''}${op.label ? ` [${op.label}]` : ''}`,
    `  selector:   ${op.selectorKind}${op.selectorSize > 0 ? ` (${op.selectorSize.toLocaleString('en-US')} values)` : ''}`,
    `  state:      ${op.state}${op.error ? ` (${op.error.code})` : ''}`,
    `  outcome:    ${operationOutcome(op)}`,
    `  counts:     expected ${c.expected}, processed ${c.processed}, succeeded ${c.succeeded}, not found ${c.notFound}, invalid ${c.invalid}, failed ${c.failed}, skipped ${c.skipped}, duplicates ${c.duplicates}`,
    `  created:    ${new Date(op.createdAt).toISOString()} via ${op.via}${op.requestedByKeyId ? ` (key ${op.requestedByKeyId})` : ''}${op.operator ? ` by ${op.operator}` : ''}`,
    `  started:    ${op.startedAt === null ? '-' : new Date(op.startedAt).toISOString()}`,
    `  finished:   ${op.finishedAt === null ? '-' : new Date(op.finishedAt).toISOString()}`,
  ];
  if (!isFinal(op)) lines.push(`  rate:       ${op.ratePerSecond === null ? '?' : Math.round(op.ratePerSecond)}/s, ETA ${formatDuration(op.etaSeconds)}`);
  for (const child of op.children) lines.push(`  part:       account ${child.accountId}: operation ${child.id} ${child.state}, ${child.counts.succeeded} succeeded, ${child.counts.notFound} not found`);
  return `${lines.join('\n')}\n`;
}

/**
 * `--all` and `--list` change every contact they cover at once: on a terminal the operator
 * is asked (the count and the account named), `--yes` skips the question, and without a
 * terminal to ask on the command refuses unless `--yes` is given. Dry runs and restores ask nothing.
 */
async function confirmed(lethe: Lethe, actor: Actor, flags: EraseFlags, input: CreateOperationInput): Promise<boolean> {
  const { selector } = input;
  if (flags.yes || input.dryRun || input.action === 'restore' || (selector.kind !== 'all' && selector.kind !== 'list')) return true;
  const count = await lethe.core.contacts.countMatching(actor, { statuses: ELIGIBLE[input.action], ...(selector.kind === 'list' ? { listId: selector.listId } : {}) });
  const scope = selector.kind === 'all' ? 'every contact' : `every contact on list ${selector.listId}`;
  const what = `${input.action.replace('_', ' ')} ${scope} of account "${flags.account}": ${count.toLocaleString('en-US')} contact(s), in ${whereOf(lethe.config)}`;
  if (!process.stdin.isTTY) throw new Error(`this would ${what}. Add --yes to confirm (standard input is not a terminal to ask on)`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`This will ${what}.\nType "yes" to go on: `);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export const accountOption = () => new Option('--account <name>', 'account name; a sub-account as PARENT/NAME').default('default');

export function registerOperationCommands(program: Command, context: CliContext): void {
  const { common, fail } = context;

  common(program.command('erase').description('erase (or soft delete, restore, purge) contacts in bulk as one operation, showing its progress'))
    .option('--emails <file>', 'email addresses, one per line (- for standard input)')
    .option('--ids <file>', 'contact ids, one per line')
    .option('--uuids <file>', 'contact uuids, one per line')
    .option('--external-keys <file>', 'external keys, one per line')
    .option('--list <id>', 'every member of this list')
    .option('--all', 'every contact of the account')
    .addOption(new Option('--action <action>', 'what to do').choices([...OPERATION_ACTIONS]).default('erase'))
    .option('--dry-run', 'count what would be affected and change nothing')
    .option('--all-accounts', 'with --emails: the account and all its sub-accounts (erase only)')
    .option('--restore-to-lists <ids>', 'with --action restore: comma-separated list ids')
    .option('--label <text>', 'your reference for this operation (a ticket number), shown on it and on its receipt')
    .addOption(accountOption())
    .option('--by <name>', BY_OPTION_HELP)
    .option('-y, --yes', 'with --all or --list: go on without asking (required when standard input is not a terminal)')
    .option('--no-wait', 'print the queued operation and return; a worker runs it')
    .option('--json', 'print the final operation (or, with --no-wait, the queued one) as JSON')
    .action(async (flags: EraseFlags) => {
      let input: CreateOperationInput | undefined;
      try {
        input = inputOf(flags);
      } catch (error) {
        fail(error);
      }
      const lethe = await open(context, flags as unknown as Record<string, unknown>).catch(fail);
      let code = 0;
      try {
        const actor = await cliActor(lethe, flags.account, flags.by);
        if (!(await confirmed(lethe, actor, flags, input as CreateOperationInput))) {
          process.stdout.write('nothing done\n');
          await lethe.close();
          process.exitCode = 1;
          return;
        }
        const created = await lethe.core.operations.create(actor, input as CreateOperationInput);
        if (!flags.json) process.stdout.write(`operation ${created.id} ${created.state} (${created.uuid}): ${created.action}${created.dryRun ? ' (dry run)' : ''} of ${created.selectorKind}\n`);
        if (!flags.wait) {
          if (flags.json) writeJson(presentOperation(created));
          return;
        }
        const final = await runAndFollow(context, lethe, actor, created.id, createProgressView(process.stdout, { quiet: flags.json === true }));
        if (flags.json) writeJson(presentOperation(final));
        code = exitCodeOf(final);
      } catch (error) {
        await lethe.close();
        fail(error);
      }
      await lethe.close();
      process.exitCode = code;
    });

  const operations = program.command('operations').description('bulk operations: list, show, watch, cancel');

  common(operations.command('list').description('the account\'s operations, newest first'))
    .addOption(new Option('--state <state>', 'only this state').choices([...OPERATION_STATES]))
    .addOption(new Option('--action <action>', 'only this action'))
    .addOption(new Option('--kind <kind>', 'only this kind (operation, import.contacts)'))
    .option('--limit <n>', 'how many', '20')
    .addOption(accountOption())
    .option('--json', 'print {"data": [...], "next_cursor"} as the API does')
    .action(async (flags: AccountFlags & { state?: OperationState; action?: string; kind?: string; limit: string; json?: boolean }) => {
      await withLethe(context, flags, async (lethe, actor) => {
        const limit = Number(flags.limit);
        const page = await lethe.core.operations.list(actor, {
          limit,
          ...(flags.state ? { state: flags.state } : {}),
          ...(flags.action ? { action: flags.action } : {}),
          ...(flags.kind ? { kind: flags.kind } : {}),
        });
        if (flags.json) {
          writeJson({ data: page.items.map(presentOperation), next_cursor: page.nextCursor });
          return;
        }
        if (page.items.length === 0) process.stdout.write('no operations\n');
        for (const op of page.items) {
          process.stdout.write(
            `${String(op.id).padStart(6)}  ${op.state.padEnd(10)}  ${(op.action + (op.dryRun ? ' (dry)' : '')).padEnd(18)}  ${`${op.selectorKind}:${op.selectorSize}`.padEnd(16)}  ` +
              `${op.counts.processed}/${op.counts.expected}  ${new Date(op.createdAt).toISOString()}  ${op.via}\n`,
          );
        }
      });
    });

  common(operations.command('show').description('one operation: state, counts, times, rate and ETA'))
    .argument('<id>', 'operation id or uuid')
    .addOption(accountOption())
    .option('--json', 'print the operation as the API does')
    .action(async (ref: string, flags: AccountFlags & { json?: boolean }) => {
      await withLethe(context, flags, async (lethe, actor) => {
        const op = await lethe.core.operations.get(actor, parseRef(ref));
        if (flags.json) writeJson(presentOperation(op));
        else process.stdout.write(describe(op));
      });
    });

  common(operations.command('receipt').description('the receipt of a finished operation: what was done, anchored to its audit entry'))
    .argument('<id>', 'operation id or uuid')
    .addOption(accountOption())
    .option('--json', 'print the receipt as the API does (GET /v1/operations/{id}/receipt)')
    .action(async (ref: string, flags: AccountFlags & { json?: boolean }) => {
      await withLethe(context, flags, async (lethe, actor) => {
        const receipt = presentReceipt(await lethe.core.operationReports.receipt(actor, await lethe.core.operations.get(actor, parseRef(ref))));
        if (flags.json) return writeJson(receipt);
        const { operation: op, anchor } = receipt;
        const c = op.counts;
        process.stdout.write(
          [
            `receipt for operation ${op.id} (${op.uuid}) of account ${receipt.account.name}`,
            `  action:     ${op.action}${op.dry_run ? ' (dry run)' : ''}${op.label ? ` [${op.label}]` : ''}`,
            `  outcome:    ${op.outcome} (state ${op.state})`,
            `  selector:   ${op.selector.kind} (${op.selector.size} values)`,
            `  counts:     succeeded ${c.succeeded}, not found ${c.not_found}, invalid ${c.invalid}, failed ${c.failed}, skipped ${c.skipped}, duplicates ${c.duplicates}`,
            `  requested:  ${op.created_at ?? '-'} via ${op.requested_by.via}${op.requested_by.key_id ? ` (key ${op.requested_by.key_id})` : ''}${op.requested_by.operator ? ` by ${op.requested_by.operator}` : ''}`,
            `  finished:   ${op.finished_at ?? '-'}`,
            `  anchor:     audit seq ${anchor.seq} ${anchor.action} ${anchor.hash}`,
            ...receipt.parts.map((p) => `  part:       account ${p.account.name}: operation ${p.operation.id} ${p.operation.outcome}${p.anchor ? `, audit seq ${p.anchor.seq} ${p.anchor.hash}` : ''}`),
          ].join('\n') + '\n',
        );
      });
    });

  common(operations.command('watch').description('follow an operation until it finishes: a progress bar on a terminal, plain lines otherwise'))
    .argument('<id>', 'operation id or uuid')
    .addOption(accountOption())
    .option('--json', 'print only the final operation as JSON')
    .action(async (ref: string, flags: AccountFlags & { json?: boolean }) => {
      await withLethe(context, flags, async (lethe, actor) => {
        const final = await follow(lethe, actor, parseRef(ref), createProgressView(process.stdout, { quiet: flags.json === true }));
        if (flags.json) writeJson(presentOperation(final));
        process.exitCode = exitCodeOf(final);
      });
    });

  common(operations.command('cancel').description('cancel an operation: a queued one at once, a running one at its next chunk'))
    .argument('<id>', 'operation id or uuid')
    .addOption(accountOption())
    .option('--by <name>', BY_OPTION_HELP)
    .option('--json', 'print the operation as JSON')
    .action(async (ref: string, flags: AccountFlags & { json?: boolean }) => {
      await withLethe(context, flags, async (lethe, actor) => {
        const op = await lethe.core.operations.cancel(actor, parseRef(ref));
        if (flags.json) writeJson(presentOperation(op));
        else process.stdout.write(op.state === 'canceled' ? `operation ${op.id} canceled\n` : `operation ${op.id} ${op.state}: cancel requested, it stops at its next chunk\n`);
      });
    });
}

/** Opens Lethe for the named account, runs `fn`, closes; a failure is printed and exits 1. */
/** Opens the database, runs `fn` as an admin of `--account` (as `--by`), and closes it; an error is one line. */
export async function withLethe(context: CliContext, flags: AccountFlags, fn: (lethe: Lethe, actor: Actor) => Promise<void>): Promise<void> {
  const lethe = await open(context, flags as unknown as Record<string, unknown>).catch(context.fail);
  try {
    await fn(lethe, await cliActor(lethe, flags.account, flags.by));
  } catch (error) {
    await lethe.close();
    context.fail(error);
  }
  await lethe.close();
}

/** Follows the operation; where the engine offers an in-process worker, runs one meanwhile. */
async function runAndFollow(context: CliContext, lethe: Lethe, actor: Actor, id: number, view: ProgressView): Promise<Operation> {
  if (!context.runWorker) return follow(lethe, actor, id, view);
  let done!: () => void;
  const stop = new Promise<void>((resolve) => (done = resolve));
  const worker = context.runWorker(lethe, stop);
  try {
    return await follow(lethe, actor, id, view);
  } finally {
    done();
    await worker;
  }
}
