import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import type { Actor } from '../../src/core/actor.js';
import { ensureFirstStart } from '../../src/core/bootstrap.js';
import { createLogger } from '../../src/logger.js';
import { createLethe } from '../../src/main.js';
import type { Lethe } from '../../src/main.js';
import { cliArgs, runCli } from '../helpers/cli.js';
import { createTestDatabase, ENGINES } from '../helpers/engines.js';
import type { TestDatabase } from '../helpers/engines.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `lethe …` on a pseudo-terminal (util-linux `script`), typing `input` on it. */
function runOnTerminal(args: string[], env: Record<string, string>, input: string): { status: number | null; output: string } {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, ...cliArgs, ...args].map(quote).join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, input, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: result.stdout + result.stderr };
}

for (const engine of ENGINES) {
  describe(`the CLI for a first-time user [${engine}]`, () => {
    let database: TestDatabase;
    let env: Record<string, string>;
    let lethe: Lethe;
    let actor: Actor;
    const statuses = async () => (await lethe.core.contacts.list(actor, { status: 'all', limit: 1000 })).contacts.map((c) => c.status);
    const auditOf = async () => lethe.core.audit.list(actor.accountId, { limit: 1000 });

    before(async () => {
      database = await createTestDatabase(engine);
      env = { LETHE_DATA_DIR: database.dir, DATABASE_URL: database.url };
      lethe = await createLethe(loadConfig({ dataDir: database.dir, databaseUrl: database.url, logLevel: 'silent' }, {}), { logger: createLogger('silent') });
      const { accountId } = await ensureFirstStart(lethe.core, undefined);
      actor = { accountId, keyAccountId: accountId, keyId: null, scopes: ['admin'], via: 'cli' };
      await lethe.core.contacts.upsertMany(accountId, Array.from({ length: 5 }, (_, i) => ({ email: `first${i}@example.com` })), { source: 'test' });
    });
    after(async () => {
      await lethe.close();
      await database.drop();
    });

    it('erase --label and --by: the reference on the operation and its receipt, the person in the audit', async () => {
      const file = join(database.dir, 'forget.txt');
      writeFileSync(file, 'first0@example.com\n');
      const res = runCli(['erase', '--emails', file, '--label', 'GDPR-4711', '--by', 'alice', '--json'], env);
      assert.equal(res.status, 0, res.stderr);
      const op = JSON.parse(res.stdout) as { id: number; label: string; outcome: string; requested_by: { via: string; operator: string } };
      assert.equal(op.label, 'GDPR-4711');
      assert.equal(op.outcome, 'completed');
      assert.deepEqual([op.requested_by.via, op.requested_by.operator], ['cli', 'alice']);
      const entries = (await auditOf()).filter((e) => e.subjectType === 'operation' && e.subjectId === String(op.id));
      assert.deepEqual(entries.map((e) => [e.action, e.data.by]), [['operation.created', 'alice'], ['operation.completed', 'alice']]);

      const receipt = runCli(['operations', 'receipt', String(op.id), '--json'], env);
      assert.equal(receipt.status, 0, receipt.stderr);
      const r = JSON.parse(receipt.stdout) as { operation: { label: string; requested_by: { operator: string } }; anchor: { seq: number; hash: string } };
      assert.equal(r.operation.label, 'GDPR-4711');
      assert.equal(r.operation.requested_by.operator, 'alice');
      const closing = entries.find((e) => e.action === 'operation.completed');
      assert.deepEqual([r.anchor.seq, r.anchor.hash], [closing?.seq, closing?.hash], 'anchored to the audit entry');
      const text = runCli(['operations', 'receipt', String(op.id)], env);
      assert.match(text.stdout, /receipt for operation \d+/);
      assert.match(text.stdout, /\[GDPR-4711\]/);
      assert.match(text.stdout, /by alice/);

      const byMail = runCli(['erase', '--emails', file, '--by', 'alice@example.com'], env);
      assert.equal(byMail.status, 1);
      assert.match(byMail.stderr, /not an email address/);
    });

    it('records the OS user when --by is not given (keys create, keys list, keys revoke)', async () => {
      const created = runCli(['keys', 'create', '--scopes', 'read', '--json'], env);
      assert.equal(created.status, 0, created.stderr);
      const { id } = JSON.parse(created.stdout) as { id: string };
      const list = runCli(['keys', 'list', '--json'], env);
      assert.equal(list.status, 0, list.stderr);
      const keys = (JSON.parse(list.stdout) as { data: Array<{ id: string; scopes: string[]; revoked_at: string | null }> }).data;
      assert.deepEqual(keys.find((k) => k.id === id)?.scopes, ['read']);
      assert.doesNotMatch(list.stdout, /secret/);
      const revoked = runCli(['keys', 'revoke', id, '--by', 'bob'], env);
      assert.equal(revoked.status, 0, revoked.stderr);
      assert.match(revoked.stdout, new RegExp(`key ${id} revoked`));
      const after = (JSON.parse(runCli(['keys', 'list', '--json'], env).stdout) as { data: Array<{ id: string; revoked_at: string | null }> }).data;
      assert.ok(after.find((k) => k.id === id)?.revoked_at, 'revoked');
      assert.equal(runCli(['keys', 'revoke', 'nosuchkey'], env).status, 1);

      const entries = await auditOf();
      assert.equal(entries.find((e) => e.action === 'key.created' && e.subjectId === id)?.data.by, userInfo().username);
      assert.equal(entries.find((e) => e.action === 'key.revoked' && e.subjectId === id)?.data.by, 'bob');
    });

    it('accounts list, lists create and lists list', () => {
      const sub = runCli(['accounts', 'create', 'europe', '--parent', 'default'], env);
      assert.equal(sub.status, 0, sub.stderr);
      const accounts = JSON.parse(runCli(['accounts', 'list', '--json'], env).stdout) as { data: Array<{ name: string }> };
      assert.deepEqual(accounts.data.map((a) => a.name), ['default', 'default/europe']);
      const created = runCli(['lists', 'create', 'newsletter', '--json'], env);
      assert.equal(created.status, 0, created.stderr);
      const list = JSON.parse(created.stdout) as { id: number; name: string };
      const lists = JSON.parse(runCli(['lists', 'list', '--json'], env).stdout) as { data: Array<{ id: number; name: string; contact_count: number }> };
      assert.deepEqual(lists.data, [{ id: list.id, name: 'newsletter', contact_count: 0 }]);
      assert.match(runCli(['lists', 'list'], env).stdout, /newsletter\s+\(0 contacts\)/);
    });

    it('erase --all asks on a terminal, refuses without one unless --yes', async () => {
      const before = await statuses();
      const piped = runCli(['erase', '--all', '--action', 'soft_delete'], env);
      assert.equal(piped.status, 1);
      assert.match(piped.stderr, /soft delete every contact of account "default": 4 contact\(s\).*Add --yes to confirm/);
      assert.deepEqual(await statuses(), before, 'nothing changed');

      const declined = runOnTerminal(['erase', '--all', '--action', 'soft_delete'], env, 'no\n');
      assert.equal(declined.status, 1, declined.output);
      assert.match(declined.output, /Type "yes" to go on/);
      assert.match(declined.output, /nothing done/);
      assert.deepEqual(await statuses(), before, 'nothing changed');

      const accepted = runOnTerminal(['erase', '--all', '--action', 'soft_delete'], env, 'yes\n');
      assert.equal(accepted.status, 0, accepted.output);
      assert.ok((await statuses()).filter((s) => s === 'deleted').length === 4, 'the four active contacts are soft-deleted');

      const restored = runCli(['erase', '--all', '--action', 'restore', '--json'], env);
      assert.equal(restored.status, 0, 'a restore asks nothing');
      const yes = runCli(['erase', '--all', '--action', 'soft_delete', '--yes', '--dry-run', '--json'], env);
      assert.equal(yes.status, 0, yes.stderr);
    });

    it('names the data folder when an account is not found, and refuses a bad --port in one line', () => {
      const res = runCli(['erase', '--all', '--yes', '--account', 'nobody'], env);
      assert.equal(res.status, 1);
      assert.ok(res.stderr.includes('no account named "nobody" in'), res.stderr);
      if (engine === 'sqlite') assert.ok(res.stderr.includes(`the data folder ${database.dir}`), res.stderr);
      else assert.match(res.stderr, /the PostgreSQL database/);
      assert.doesNotMatch(res.stderr, /postgres:\/\/[^ ]*@/, 'no credentials');

      const port = runCli(['serve', '--port', 'abc'], env);
      assert.equal(port.status, 1);
      assert.equal(port.stderr.trim(), 'lethe: PORT (--port) must be an integer of at least 0, got "abc"');
    });
  });
}
