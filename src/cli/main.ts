import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config.js';
import type { ConfigOverrides } from '../config.js';
import { ensureDefaultAccount } from '../core/bootstrap.js';
import { createLethe } from '../main.js';
import { createLogger } from '../logger.js';
import { migrateToLatest, openDatabase } from '../store/database.js';
import { startServer } from '../http/server.js';
import { registerOperationCommands } from './operations.commands.js';
import { runWorker } from '../jobs/worker.js';
import { registerImportCommand } from './import.command.js';
import { registerAdminCommands } from './admin.commands.js';
import { registerRequestCommands } from './requests.commands.js';
import { registerKeyringCommands } from './keyring.commands.js';
import { BY_OPTION_HELP, findAccount, operatorName, whereOf } from './cli-actor.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

interface CommonFlags {
  dataDir?: string;
  databaseUrl?: string;
  logLevel?: string;
}

const common = (command: Command): Command =>
  command
    .addOption(new Option('--data-dir <dir>', 'data folder: SQLite file and secret').env('LETHE_DATA_DIR'))
    .addOption(new Option('--database-url <url>', 'postgres://… (unset: SQLite in the data folder)').env('DATABASE_URL'))
    .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent').env('LOG_LEVEL'));

const overridesOf = (flags: CommonFlags): ConfigOverrides => ({
  dataDir: flags.dataDir,
  databaseUrl: flags.databaseUrl,
  logLevel: flags.logLevel,
});

/** Prints a failure without a stack for known problems; exits non-zero. */
function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`lethe: ${message}\n`);
  process.exit(1);
}

const program = new Command('lethe').description('Lethe: a contact store whose centre is deletion').version(pkg.version);

common(program.command('serve').description('start the HTTP API (and, by default, the operations worker)'))
  .addOption(new Option('--port <port>', 'port to listen on').env('PORT'))
  .addOption(new Option('--host <host>', 'address to bind').env('HOST'))
  .addOption(new Option('--admin-key <key>', 'on first start, make this value the admin key').env('LETHE_ADMIN_KEY'))
  .addOption(new Option('--no-worker', 'do not run the operations worker in this process'))
  .action(async (flags: CommonFlags & { port?: string; host?: string; adminKey?: string; worker?: boolean }) => {
    const config = loadConfig({ ...overridesOf(flags), port: flags.port, host: flags.host, adminKey: flags.adminKey, embeddedWorker: flags.worker === false ? false : undefined });
    await startServer(config, pkg.version).catch(fail);
  });

common(program.command('migrate').description('bring the database schema up to date')).action(async (flags: CommonFlags) => {
  const config = loadConfig(overridesOf(flags));
  const handle = openDatabase({ url: config.databaseUrl });
  try {
    const applied = await migrateToLatest(handle.db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
  } catch (error) {
    fail(error);
  } finally {
    await handle.close();
  }
});

const accounts = program.command('accounts').description('manage accounts');
common(accounts.command('create').description('create a top-level account, or a sub-account with --parent'))
  .argument('<name>', 'account name')
  .option('--parent <name>', 'make it a sub-account of this top-level account')
  .option('--by <name>', BY_OPTION_HELP)
  .option('--json', 'print JSON')
  .action(async (name: string, flags: CommonFlags & { parent?: string; by?: string; json?: boolean }) => {
    const lethe = await createLethe(loadConfig(overridesOf(flags)), { logger: createLogger('silent') }).catch(fail);
    try {
      const { store, core } = lethe;
      let account;
      const operator = operatorName(flags.by);
      if (flags.parent) {
        const parent = await store.accounts.findByName(null, flags.parent);
        if (!parent) throw new Error(`no top-level account named "${flags.parent}" in ${whereOf(lethe.config)}`);
        account = await core.accounts.createSubAccount({ accountId: parent.id, keyAccountId: parent.id, keyId: null, scopes: ['admin'], via: 'cli', ...(operator ? { operator } : {}) }, name);
      } else {
        account = await core.accounts.createTopLevel(name, { keyId: null, via: 'cli', ...(operator ? { operator } : {}) });
      }
      process.stdout.write(flags.json ? `${JSON.stringify({ id: account.id, name: account.name, parent_id: account.parentId })}\n` : `created account ${account.name} (id ${account.id})\n`);
    } catch (error) {
      fail(error);
    } finally {
      await lethe.close();
    }
  });

const keys = program.command('keys').description('manage API keys');
common(keys.command('create').description('create an API key and print it once'))
  .option('--account <name>', 'account name; a sub-account as PARENT/NAME', 'default')
  .option('--scopes <scopes>', 'comma-separated: read,write,delete,erase,admin', 'read,write,delete,erase')
  .option('--name <name>', 'a label for the key', 'cli')
  .option('--by <name>', BY_OPTION_HELP)
  .option('--json', 'print {"id","secret","key"}')
  .action(async (flags: CommonFlags & { account: string; scopes: string; name: string; by?: string; json?: boolean }) => {
    const lethe = await createLethe(loadConfig(overridesOf(flags)), { logger: createLogger('silent') }).catch(fail);
    try {
      const { core } = lethe;
      // The default account only: the admin key and the first start stay for `serve`.
      if (flags.account === 'default') await ensureDefaultAccount(core);
      const account = await findAccount(lethe, flags.account);
      const operator = operatorName(flags.by);
      const created = await core.keys.create(account.id, { name: flags.name, scopes: flags.scopes.split(',').map((s) => s.trim()).filter(Boolean) }, { keyId: null, via: 'cli', ...(operator ? { operator } : {}) });
      process.stdout.write(
        flags.json
          ? `${JSON.stringify({ id: created.apiKey.id, secret: created.secret, key: created.key })}\n`
          : `key for ${flags.account} (scopes ${created.apiKey.scopes.join(',')}), shown once:\n${created.key}\n`,
      );
    } catch (error) {
      fail(error);
    } finally {
      await lethe.close();
    }
  });

common(program.command('worker').description('run the operations worker (and the purge scheduler) in this process'))
  .option('--until-idle', 'exit once no work is left (scrubs still owed included)')
  .addOption(new Option('--poll-ms <ms>', 'how often an idle worker looks for work').env('LETHE_WORKER_POLL_MS'))
  .addOption(new Option('--chunk-size <n>', 'contacts per chunk (one transaction each)').env('LETHE_CHUNK_SIZE'))
  .addOption(new Option('--concurrency <n>', 'chunks run at once (PostgreSQL; SQLite runs one)').env('LETHE_WORKER_CONCURRENCY'))
  .action(async (flags: CommonFlags & { untilIdle?: boolean; pollMs?: string; chunkSize?: string; concurrency?: string }) => {
    const config = loadConfig({ ...overridesOf(flags), workerPollMs: flags.pollMs, chunkSize: flags.chunkSize, workerConcurrency: flags.concurrency });
    const lethe = await createLethe(config).catch(fail);
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.stdout.write(`lethe worker: started on ${lethe.store.capabilities.engine} (chunk size ${config.chunkSize}, concurrency ${lethe.store.capabilities.singleWriter ? 1 : config.workerConcurrency})\n`);
    try {
      await runWorker(lethe.core, {
        chunkSize: config.chunkSize,
        concurrency: config.workerConcurrency,
        pollMs: config.workerPollMs,
        schedulerIntervalMs: config.schedulerIntervalMs,
        untilIdle: flags.untilIdle === true,
        signal: abort.signal,
        logger: lethe.logger,
        webhooks: { timeoutMs: config.webhooksTimeoutMs, concurrency: config.webhooksConcurrency, allowPrivate: config.webhooksAllowPrivate },
      });
      process.stdout.write('lethe worker: stopped\n');
    } catch (error) {
      fail(error);
    } finally {
      await lethe.close();
    }
  });

const audit = program.command('audit').description('the append-only, hash-chained audit log');
common(audit.command('verify').description('check the hash chains and name the first broken link (exit code 2 when broken)'))
  .option('--account <name>', 'check one account; a sub-account as PARENT/NAME (default: every account)')
  .option('--json', 'print the result as JSON')
  .action(async (flags: CommonFlags & { account?: string; json?: boolean }) => {
    const lethe = await createLethe(loadConfig(overridesOf(flags)), { logger: createLogger('silent') }).catch(fail);
    let broken = false;
    try {
      const { store, core } = lethe;
      let accountId: number | undefined;
      if (flags.account !== undefined) {
        accountId = (await findAccount(lethe, flags.account)).id;
      }
      const result = await core.audit.verify(accountId);
      const nameOf = async (id: number) => (await store.accounts.findById(id))?.name ?? null;
      const firstBreak = result.firstBreak ? { account_id: result.firstBreak.accountId, account: await nameOf(result.firstBreak.accountId), seq: result.firstBreak.seq, reason: result.firstBreak.reason } : null;
      broken = !result.ok;
      if (flags.json) {
        const heads = await Promise.all(result.heads.map(async (h) => ({ account_id: h.accountId, account: await nameOf(h.accountId), seq: h.seq, hash: h.hash })));
        process.stdout.write(`${JSON.stringify({ ok: result.ok, accounts: result.accounts, records: result.records, heads, first_break: firstBreak })}\n`);
      } else if (firstBreak) {
        process.stdout.write(`audit chain BROKEN: account ${firstBreak.account ?? '?'} (id ${firstBreak.account_id}), first broken link at seq ${firstBreak.seq}: ${firstBreak.reason}\n`);
      } else {
        process.stdout.write(`audit chain intact: ${result.records} record(s) in ${result.accounts} account(s)\n`);
        for (const head of result.heads) process.stdout.write(`  account ${(await nameOf(head.accountId)) ?? '?'} (id ${head.accountId}): head seq ${head.seq} ${head.hash}\n`);
      }
    } catch (error) {
      fail(error);
    } finally {
      await lethe.close();
    }
    if (broken) process.exitCode = 2;
  });
registerOperationCommands(program, {
  common,
  configOf: (flags) => loadConfig(overridesOf(flags as CommonFlags)),
  fail,
  // `lethe erase` runs a worker in its own process while it waits. It never does twice what a
  // server's worker on the same database also picks up: each chunk is claimed in the
  // transaction that does it (SKIP LOCKED on PostgreSQL, one writer on SQLite). The one lease
  // that matters is a scrub's, renewed while its worker lives and taken over when it lapses.
  runWorker: (lethe, stop) => {
    const abort = new AbortController();
    void stop.then(() => abort.abort());
    const { chunkSize, workerConcurrency, workerPollMs, schedulerIntervalMs } = lethe.config;
    return runWorker(lethe.core, { chunkSize, concurrency: workerConcurrency, pollMs: Math.min(workerPollMs, 200), schedulerIntervalMs, signal: abort.signal });
  },
});
registerRequestCommands(program, { common, configOf: (flags) => loadConfig(overridesOf(flags as CommonFlags)), fail });
registerImportCommand(program, { common, configOf: (flags) => loadConfig(overridesOf(flags as CommonFlags)), fail });
registerAdminCommands(program, accounts, keys, { common, configOf: (flags) => loadConfig(overridesOf(flags as CommonFlags)), fail });
registerKeyringCommands(program, { common, configOf: (flags) => loadConfig(overridesOf(flags as CommonFlags)), fail });

// A bad flag or setting (`--port abc`) is one line on standard error, never a stack.
await program.parseAsync(process.argv).catch(fail);
