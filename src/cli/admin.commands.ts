import type { Command } from 'commander';
import { toIso } from '../core/clock.js';
import type { Account } from '../core/accounts/account.js';
import { createLogger } from '../logger.js';
import { createLethe } from '../main.js';
import type { Lethe } from '../main.js';
import { BY_OPTION_HELP, cliActor, findAccount, operatorName } from './cli-actor.js';
import type { CliContext } from './operations.commands.js';

/**
 * `lethe accounts list`, `lethe keys list|revoke`, `lethe lists list|create`: what an operator
 * reaches for after the first start, on the database itself (no server or key needed).
 */

const writeJson = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);

async function withLethe(context: CliContext, flags: Record<string, unknown>, fn: (lethe: Lethe) => Promise<void>): Promise<void> {
  const lethe = await createLethe(context.configOf(flags), { logger: createLogger('silent') }).catch(context.fail);
  try {
    await fn(lethe);
  } catch (error) {
    await lethe.close();
    context.fail(error);
  }
  await lethe.close();
}

const accountJson = (a: Account, parent: string | null) => ({ id: a.id, name: parent ? `${parent}/${a.name}` : a.name, parent_id: a.parentId, retention_days: a.retentionDays, restore_window_days: a.restoreWindowDays, created_at: toIso(a.createdAt) });

export function registerAdminCommands(program: Command, accounts: Command, keys: Command, context: CliContext): void {
  const { common } = context;

  common(accounts.command('list').description('every account, sub-accounts as PARENT/NAME'))
    .option('--json', 'print {"data": [...]}')
    .action(async (flags: { json?: boolean }) => {
      await withLethe(context, flags, async (lethe) => {
        const rows: ReturnType<typeof accountJson>[] = [];
        for (const top of await lethe.store.accounts.listTopLevel()) {
          rows.push(accountJson(top, null));
          for (const child of await lethe.store.accounts.listChildren(top.id)) rows.push(accountJson(child, top.name));
        }
        if (flags.json) return writeJson({ data: rows });
        if (rows.length === 0) process.stdout.write('no accounts (lethe serve creates "default" on its first start)\n');
        for (const a of rows) process.stdout.write(`${String(a.id).padStart(6)}  ${a.name}  (retention ${a.retention_days} days)\n`);
      });
    });

  common(keys.command('list').description("an account's API keys (never their secrets)"))
    .option('--account <name>', 'account name; a sub-account as PARENT/NAME', 'default')
    .option('--json', 'print {"data": [...]}')
    .action(async (flags: { account: string; json?: boolean }) => {
      await withLethe(context, flags, async (lethe) => {
        const account = await findAccount(lethe, flags.account);
        const list = await lethe.core.keys.list(account.id);
        const rows = list.map((k) => ({ id: k.id, name: k.name, scopes: k.scopes, created_at: toIso(k.createdAt), last_used_at: toIso(k.lastUsedAt), revoked_at: toIso(k.revokedAt) }));
        if (flags.json) return writeJson({ data: rows });
        if (rows.length === 0) process.stdout.write(`no keys in account ${flags.account}\n`);
        for (const k of rows) process.stdout.write(`${k.id}  ${k.scopes.join(',').padEnd(28)}  ${k.name}  ${k.revoked_at ? `revoked ${k.revoked_at}` : `last used ${k.last_used_at ?? 'never'}`}\n`);
      });
    });

  common(keys.command('revoke').description('revoke an API key (and every access token it was issued) at once'))
    .argument('<id>', "the key's public id (the part after lethe_)")
    .option('--account <name>', 'account name; a sub-account as PARENT/NAME', 'default')
    .option('--by <name>', BY_OPTION_HELP)
    .action(async (id: string, flags: { account: string; by?: string }) => {
      await withLethe(context, flags, async (lethe) => {
        const account = await findAccount(lethe, flags.account);
        const operator = operatorName(flags.by);
        // A full key pasted whole is taken by its public id.
        const keyId = /^lethe_([0-9a-f]+)_/.exec(id)?.[1] ?? id;
        await lethe.core.keys.revoke(account.id, keyId, { keyId: null, via: 'cli', ...(operator ? { operator } : {}) });
        process.stdout.write(`key ${keyId} revoked\n`);
      });
    });

  const lists = program.command('lists').description('contact lists');
  common(lists.command('list').description("an account's lists"))
    .option('--account <name>', 'account name; a sub-account as PARENT/NAME', 'default')
    .option('--json', 'print {"data": [...]}')
    .action(async (flags: { account: string; json?: boolean }) => {
      await withLethe(context, flags, async (lethe) => {
        const actor = await cliActor(lethe, flags.account);
        const rows: Array<{ id: number; name: string; contact_count: number }> = [];
        let afterId: number | undefined;
        for (;;) {
          const page = await lethe.core.lists.list(actor, { limit: 100, ...(afterId !== undefined ? { afterId } : {}) });
          for (const l of page.lists) rows.push({ id: l.id, name: l.name, contact_count: await lethe.core.contacts.count(actor, { status: 'active', listId: l.id }) });
          if (page.nextAfterId === null) break;
          afterId = page.nextAfterId;
        }
        if (flags.json) return writeJson({ data: rows });
        if (rows.length === 0) process.stdout.write(`no lists in account ${flags.account}\n`);
        for (const l of rows) process.stdout.write(`${String(l.id).padStart(6)}  ${l.name}  (${l.contact_count} contacts)\n`);
      });
    });

  common(lists.command('create').description('create a list; prints its id'))
    .argument('<name>', 'list name')
    .option('--account <name>', 'account name; a sub-account as PARENT/NAME', 'default')
    .option('--by <name>', BY_OPTION_HELP)
    .option('--json', 'print the list as JSON')
    .action(async (name: string, flags: { account: string; by?: string; json?: boolean }) => {
      await withLethe(context, flags, async (lethe) => {
        const list = await lethe.core.lists.create(await cliActor(lethe, flags.account, flags.by), { name });
        if (flags.json) return writeJson({ id: list.id, uuid: list.uuid, name: list.name });
        process.stdout.write(`created list ${list.name} (id ${list.id})\n`);
      });
    });
}
