import { Option } from 'commander';
import type { Command } from 'commander';
import { parseRef } from '../core/refs.js';
import { REQUEST_STATES, REQUEST_TYPES } from '../core/requests/request.js';
import type { RequestView } from '../core/requests/requests.service.js';
import { presentRequest } from '../http/native/requests.wire.js';
import { accountOption, withLethe, writeJson } from './operations.commands.js';
import type { AccountFlags, CliContext } from './operations.commands.js';

/**
 * `lethe requests list|show`: privacy requests and their deadlines, read from the database
 * as an admin of `--account` (no server or key needed). Never prints an identifier of the
 * person: the requests keep none.
 */

const day = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 10));

function line(r: RequestView): string {
  const deadline = `${day(r.dueAt)}${r.extendedAt !== null ? ' (extended)' : ''}`;
  return `${String(r.id).padStart(6)}  ${r.type.padEnd(7)}  ${r.state.padEnd(11)}  due ${deadline.padEnd(21)}  ${r.overdue ? 'OVERDUE ' : '        '}  ${r.reference ?? ''}\n`;
}

function describe(r: RequestView): string {
  const lines = [
    `request ${r.id} (${r.uuid}): ${r.type}, ${r.state}${r.overdue ? ', OVERDUE' : ''}`,
    `  person:    ${r.subjectCount} ${r.subjectKind} (keyed hashes only), accounts: ${r.scope}`,
    `  received:  ${new Date(r.receivedAt).toISOString()}`,
    `  due:       ${new Date(r.dueAt).toISOString()}${r.extendedAt !== null ? ` (extended from ${new Date(r.originalDueAt).toISOString()}: ${r.extensionReason ?? ''})` : ''}`,
  ];
  if (r.reference) lines.push(`  reference: ${r.reference}`);
  if (r.rejectedAt !== null) lines.push(`  rejected:  ${new Date(r.rejectedAt).toISOString()}: ${r.rejectionReason ?? ''}`);
  if (r.completedAt !== null) lines.push(`  completed: ${new Date(r.completedAt).toISOString()}`);
  if (r.operation) lines.push(`  operation: ${r.operation.id} ${r.operation.action} ${r.operation.state}${r.operation.children.length > 0 ? ` (${r.operation.children.length} accounts)` : ''}`);
  if (r.type === 'erasure' && r.state === 'completed' && r.operationId !== null) lines.push(`  receipt:   lethe operations receipt ${r.operationId}`);
  if (r.type === 'access' && r.exportReadyAt !== null) lines.push(`  export:    ${r.exportDeletedAt !== null ? `deleted ${new Date(r.exportDeletedAt).toISOString()}` : `until ${new Date(r.exportExpiresAt ?? 0).toISOString()} (GET /v1/requests/${r.id}/export)`}`);
  return `${lines.join('\n')}\n`;
}

export function registerRequestCommands(program: Command, context: CliContext): void {
  const { common } = context;
  const requests = program.command('requests').description('privacy requests (erasure, access) and their deadlines');

  common(requests.command('list').description('the account\'s privacy requests, newest first'))
    .option('--overdue', 'only open requests past their deadline')
    .addOption(new Option('--state <state>', 'only this state').choices([...REQUEST_STATES]))
    .addOption(new Option('--type <type>', 'only this type').choices([...REQUEST_TYPES]))
    .option('--limit <n>', 'how many', '50')
    .addOption(accountOption())
    .option('--json', 'print {"data": [...], "next_cursor"} as the API does')
    .action(async (flags: AccountFlags & { overdue?: boolean; state?: string; type?: string; limit: string; json?: boolean }) => {
      await withLethe(context, flags, async (lethe, actor) => {
        const page = await lethe.core.requests.list(actor, {
          limit: Number(flags.limit),
          ...(flags.overdue ? { overdue: true } : {}),
          ...(flags.state ? { state: flags.state } : {}),
          ...(flags.type ? { type: flags.type } : {}),
        });
        const now = lethe.core.deps.clock.now();
        if (flags.json) return writeJson({ data: page.items.map((r) => presentRequest(r, now)), next_cursor: page.nextCursor });
        if (page.items.length === 0) process.stdout.write(flags.overdue ? 'no overdue requests\n' : 'no requests\n');
        for (const r of page.items) process.stdout.write(line(r));
      });
    });

  common(requests.command('show').description('one privacy request: state, deadline, extension or rejection, operation, receipt or export'))
    .argument('<id>', 'request id or uuid')
    .addOption(accountOption())
    .option('--json', 'print the request as the API does')
    .action(async (ref: string, flags: AccountFlags & { json?: boolean }) => {
      await withLethe(context, flags, async (lethe, actor) => {
        const r = await lethe.core.requests.get(actor, parseRef(ref));
        if (flags.json) writeJson(presentRequest(r, lethe.core.deps.clock.now()));
        else process.stdout.write(describe(r));
      });
    });
}
