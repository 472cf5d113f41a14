import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import type { Actor } from '../../src/core/actor.js';
import { ensureFirstStart } from '../../src/core/bootstrap.js';
import { OperationRunner } from '../../src/jobs/runner.js';
import { createLogger } from '../../src/logger.js';
import { createLethe } from '../../src/main.js';
import type { Lethe } from '../../src/main.js';
import { cliArgs, runCli } from '../helpers/cli.js';
import { createTestDatabase, ENGINES } from '../helpers/engines.js';
import type { TestDatabase } from '../helpers/engines.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `lethe …` in the background (stdout is a pipe, not a terminal) and collects its output. */
function spawnCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [...cliArgs, ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { exited, stdout: () => stdout, stderr: () => stderr };
}

for (const engine of ENGINES) {
  describe(`lethe erase and lethe operations [${engine}]`, () => {
    let database: TestDatabase;
    let env: Record<string, string>;
    let lethe: Lethe;
    let actor: Actor;

    const statusOf = async (email: string) => {
      const page = await lethe.core.contacts.list(actor, { status: 'all', limit: 1000 });
      return page.contacts.find((c) => c.email === email)?.status ?? 'gone';
    };
    const write = (name: string, lines: string[]) => {
      const path = join(database.dir, name);
      writeFileSync(path, `${lines.join('\n')}\n`);
      return path;
    };

    before(async () => {
      database = await createTestDatabase(engine);
      env = { LETHE_DATA_DIR: database.dir, DATABASE_URL: database.url };
      lethe = await createLethe(loadConfig({ dataDir: database.dir, databaseUrl: database.url, logLevel: 'silent' }, {}), { logger: createLogger('silent') });
      const { accountId } = await ensureFirstStart(lethe.core, undefined);
      actor = { accountId, keyAccountId: accountId, keyId: null, scopes: ['admin'], via: 'cli' };
      const inputs = Array.from({ length: 12 }, (_, i) => ({ email: `cli${i}@example.com`, firstName: `Cli${i}` }));
      const results = await lethe.core.contacts.upsertMany(accountId, inputs, { source: 'test' });
      assert.ok(results.every((r) => r.outcome === 'created'));
    });
    after(async () => {
      await lethe.close();
      await database.drop();
    });

    it('erase --dry-run counts what would be affected and changes nothing; --json prints the operation', () => {
      const file = write('dry.txt', ['cli0@example.com', 'CLI0@example.com', '', 'cli1@example.com', 'nobody@example.com', 'not an address']);
      const result = runCli(['erase', '--emails', file, '--dry-run', '--json'], env);
      assert.equal(result.status, 0, result.stderr);
      const op = JSON.parse(result.stdout) as { state: string; dry_run: boolean; action: string; requested_by: { via: string }; counts: Record<string, number>; selector: { kind: string; size: number } };
      assert.equal(op.state, 'completed');
      assert.equal(op.dry_run, true);
      assert.equal(op.action, 'erase');
      assert.equal(op.requested_by.via, 'cli');
      assert.deepEqual(op.selector, { kind: 'emails', size: 5 }, 'blank lines are skipped');
      assert.equal(op.counts.succeeded, 2);
      assert.equal(op.counts.duplicates, 1);
      assert.equal(op.counts.not_found, 1);
      assert.equal(op.counts.invalid, 1);
      return Promise.all([statusOf('cli0@example.com'), statusOf('cli1@example.com')]).then((statuses) => assert.deepEqual(statuses, ['active', 'active']));
    });

    it('erase --emails erases, shows plain progress lines when not on a terminal, and exits 0', async () => {
      const file = write('erase.txt', ['cli0@example.com', 'cli1@example.com', 'nobody@example.com']);
      const result = runCli(['erase', '--emails', file], env);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^operation \d+ queued \([0-9a-f-]{36}\): erase of emails$/m);
      assert.match(result.stdout, /^operation \d+ completed: 3 processed, 2 succeeded, 1 not found, 0 invalid, 0 failed/m);
      assert.ok(!result.stdout.includes('\u001b['), 'no terminal control codes in a pipe');
      assert.ok(!result.stdout.includes('example.com') && !result.stderr.includes('example.com'), 'the output names no address');
      assert.equal(await statusOf('cli0@example.com'), 'gone', 'erased: the address is gone');
      assert.equal(await statusOf('cli2@example.com'), 'active');
    });

    it('soft deletes by --ids; refuses bad flags', async () => {
      const page = await lethe.core.contacts.list(actor, { status: 'active', limit: 1000 });
      const target = page.contacts.find((c) => c.email === 'cli2@example.com');
      assert.ok(target);
      const ids = write('ids.txt', [String(target.id), 'abc', '999999']);
      const soft = runCli(['erase', '--ids', ids, '--action', 'soft_delete', '--json'], env);
      assert.equal(soft.status, 0, soft.stderr);
      const op = JSON.parse(soft.stdout) as { action: string; counts: Record<string, number> };
      assert.equal(op.action, 'soft_delete');
      assert.deepEqual([op.counts.succeeded, op.counts.invalid, op.counts.not_found], [1, 1, 1]);
      assert.equal(await statusOf('cli2@example.com'), 'deleted');

      for (const [args, message] of [
        [['erase', '--emails', ids, '--all'], /exactly one of/],
        [['erase', '--all', '--account', 'nobody'], /no account named "nobody"/],
      ] as const) {
        const res = runCli([...args], env);
        assert.equal(res.status, 1, `${args.join(' ')}: ${res.stdout}`);
        assert.match(res.stderr, message);
      }
    });

    it('operations list, show and cancel; erase --no-wait leaves the work to a worker', async () => {
      const queued = runCli(['erase', '--all', '--action', 'purge', '--yes', '--no-wait', '--json'], env);
      assert.equal(queued.status, 0, queued.stderr);
      const op = JSON.parse(queued.stdout) as { id: number; state: string };
      assert.equal(op.state, 'queued');

      const list = runCli(['operations', 'list', '--json'], env);
      assert.equal(list.status, 0, list.stderr);
      const listed = JSON.parse(list.stdout) as { data: Array<{ id: number; state: string }> };
      assert.equal(listed.data[0]?.id, op.id, 'newest first');
      const show = runCli(['operations', 'show', String(op.id)], env);
      assert.equal(show.status, 0, show.stderr);
      assert.match(show.stdout, new RegExp(`^operation ${op.id} \\(`));
      assert.match(show.stdout, /state:\s+queued/);
      assert.match(show.stdout, /selector:\s+all/);

      const cancel = runCli(['operations', 'cancel', String(op.id)], env);
      assert.equal(cancel.status, 0, cancel.stderr);
      assert.match(cancel.stdout, new RegExp(`operation ${op.id} canceled`));
      assert.equal((await lethe.core.operations.get(actor, op.id)).state, 'canceled');
      assert.equal(await statusOf('cli3@example.com'), 'active', 'the canceled purge did nothing');
    });

    it('operations watch follows a running operation with plain lines and exits 0 when it completes', { timeout: 60_000 }, async () => {
      const op = await lethe.core.operations.create(actor, { action: 'soft_delete', selector: { kind: 'all' } });
      const watch = spawnCli(['operations', 'watch', String(op.id)], env);
      // A worker in this process, two contacts per chunk, slow enough for the watcher to see it move.
      const runner = new OperationRunner(lethe.core, { chunkSize: 2 });
      for (let waited = 0; !watch.stdout().includes('queued') && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      while (await runner.step()) await new Promise((resolve) => setTimeout(resolve, 700));
      const code = await watch.exited;
      assert.equal(code, 0, watch.stderr());
      const lines = watch.stdout().trim().split('\n');
      assert.match(lines[0] ?? '', new RegExp(`^operation ${op.id} queued: 0/`));
      assert.ok(lines.some((l) => new RegExp(`^operation ${op.id} processing: \\d+/\\d+ \\(\\d+\\.\\d%\\), [\\d,?]+/s, ETA \\S+`).test(l)), watch.stdout());
      assert.match(lines.at(-1) ?? '', new RegExp(`^operation ${op.id} completed: \\d+ processed, \\d+ succeeded`));
      assert.ok(!watch.stdout().includes('\u001b['), 'no terminal control codes in a pipe');
    });
  });
}
