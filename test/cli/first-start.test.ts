import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, ENGINES } from '../helpers/engines.js';
import type { TestDatabase } from '../helpers/engines.js';
import { runCli, startCli } from '../helpers/cli.js';

for (const engine of ENGINES) {
  describe(`first start and keys [${engine}]`, () => {
    let database: TestDatabase;
    let env: Record<string, string>;
    before(async () => {
      database = await createTestDatabase(engine);
      env = { LETHE_DATA_DIR: database.dir, DATABASE_URL: database.url, PORT: '0' };
    });
    after(async () => database.drop());

    it('creates an account and an admin key on the first start and prints the key once', async () => {
      const first = await startCli(['serve'], env, /Lethe is (ready|listening)[\s\S]*Docs|listening on/);
      const url = /API:\s+(http:\/\/\S+)\/v1/.exec(first.output())?.[1];
      const key = /(lethe_[0-9a-f]{24}_[0-9a-f]{48})/.exec(first.output())?.[1];
      assert.ok(url && key, first.output());
      const account = await fetch(`${url}/v1/account`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(account.status, 200);
      assert.equal(((await account.json()) as { name: string }).name, 'default');
      await first.stop();

      const second = await startCli(['serve'], env, /listening on/);
      assert.doesNotMatch(second.output(), /lethe_[0-9a-f]{24}_/, 'the key is shown once only');
      await second.stop();
    });

    it('prints {"id","secret","key"} for scripts with keys create --json', async () => {
      const result = runCli(['keys', 'create', '--account', 'default', '--scopes', 'read,erase', '--json'], env);
      assert.equal(result.status, 0, result.stderr);
      const created = JSON.parse(result.stdout) as { id: string; secret: string; key: string };
      assert.deepEqual(Object.keys(created).sort(), ['id', 'key', 'secret']);
      assert.equal(created.key, `lethe_${created.id}_${created.secret}`);
      const bad = runCli(['keys', 'create', '--account', 'nobody', '--json'], env);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /no account named "nobody"/);
      const badScope = runCli(['keys', 'create', '--scopes', 'root'], env);
      assert.equal(badScope.status, 1);
      assert.match(badScope.stderr, /unknown scope/);
    });
  });

  describe(`keys create before the first serve [${engine}]`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await createTestDatabase(engine);
    });
    after(async () => database.drop());

    it('leaves the first start to serve: it still prints the admin key', async () => {
      const env = { LETHE_DATA_DIR: database.dir, DATABASE_URL: database.url, PORT: '0' };
      const created = runCli(['keys', 'create', '--scopes', 'read', '--json'], env);
      assert.equal(created.status, 0, created.stderr);
      const readKey = (JSON.parse(created.stdout) as { key: string }).key;
      const server = await startCli(['serve'], env, /Lethe is (ready|listening)[\s\S]*Docs|listening on/);
      const url = /API:\s+(http:\/\/\S+)\/v1/.exec(server.output())?.[1];
      const admin = /Admin key \(shown once[^\n]*\n\s*(lethe_[0-9a-f]{24}_[0-9a-f]{48})/.exec(server.output())?.[1];
      assert.ok(url && admin, server.output());
      assert.equal((await fetch(`${url}/v1/keys`, { headers: { authorization: `Bearer ${admin}` } })).status, 200, 'the printed key is an admin key');
      const account = await fetch(`${url}/v1/account`, { headers: { authorization: `Bearer ${readKey}` } });
      assert.equal(((await account.json()) as { name: string }).name, 'default', 'the earlier key is on the same default account');
      await server.stop();
    });

    it('honours LETHE_ADMIN_KEY on the serve that follows a keys create', async () => {
      const other = await createTestDatabase(engine);
      try {
        const env = { LETHE_DATA_DIR: other.dir, DATABASE_URL: other.url, PORT: '0' };
        assert.equal(runCli(['keys', 'create', '--json'], env).status, 0);
        const adminKey = 'automation-admin-key-after-keys-create';
        const server = await startCli(['serve'], { ...env, LETHE_ADMIN_KEY: adminKey }, /Docs/);
        const url = /API:\s+(http:\/\/\S+)\/v1/.exec(server.output())?.[1];
        assert.ok(url, server.output());
        assert.equal((await fetch(`${url}/v1/keys`, { headers: { authorization: `Bearer ${adminKey}` } })).status, 200);
        await server.stop();
      } finally {
        await other.drop();
      }
    });
  });

  describe(`LETHE_ADMIN_KEY [${engine}]`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await createTestDatabase(engine);
    });
    after(async () => database.drop());

    it('makes the given value the admin key on first start', async () => {
      const adminKey = 'automation-admin-key-0123456789';
      const server = await startCli(['serve'], { LETHE_DATA_DIR: database.dir, DATABASE_URL: database.url, PORT: '0', LETHE_ADMIN_KEY: adminKey }, /Docs/);
      assert.doesNotMatch(server.output(), new RegExp(adminKey), 'the given key is not echoed');
      const url = /API:\s+(http:\/\/\S+)\/v1/.exec(server.output())?.[1];
      const ok = await fetch(`${url}/v1/keys`, { headers: { authorization: `Bearer ${adminKey}` } });
      assert.equal(ok.status, 200);
      const wrong = await fetch(`${url}/v1/keys`, { headers: { authorization: 'Bearer automation-admin-key-0000000000' } });
      assert.equal(wrong.status, 401);
      await server.stop();
    });
  });
}
