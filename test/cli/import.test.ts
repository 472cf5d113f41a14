import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, ENGINES } from '../helpers/engines.js';
import type { TestDatabase } from '../helpers/engines.js';

for (const engine of ENGINES) {
  describe(`lethe import [${engine}]`, () => {
    let database: TestDatabase;
    let env: Record<string, string>;
    before(async () => {
      database = await createTestDatabase(engine);
      env = { LETHE_DATA_DIR: database.dir, DATABASE_URL: database.url, LETHE_IMPORT_CHUNK_SIZE: '10' };
      // The default account (the first start, with its admin key, stays for `serve`).
      assert.equal(runCli(['keys', 'create', '--json'], env).status, 0);
    });
    after(async () => database.drop());

    it('imports a CSV file, runs it to the end (plain lines when not on a terminal), and lists the rows it could not import', () => {
      const rows = Array.from({ length: 45 }, (_, i) => (i === 29 ? 'cli-secret-address,Bad,free' : `cli${i}@example.com,Person ${i},${i % 2 ? 'gold' : 'free'}`));
      const file = join(database.dir, 'contacts.csv');
      writeFileSync(file, `email,first_name,custom.plan\n${rows.join('\n')}\n`);
      const result = runCli(['import', file], env);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^import 1 queued \([0-9a-f-]{36}\): 45 rows stored$/m);
      assert.match(result.stdout, /^import 1 completed_with_errors: 45\/45 rows \(100\.0%\), 44 created, 0 updated, 1 invalid/m);
      assert.match(result.stdout, /^ {2}row 30: email is not a valid email address$/m);
      assert.doesNotMatch(result.stdout, /cli-secret-address/, 'row errors never quote the value');
    });

    it('imports JSON into a list, matched by external key, and prints the result as JSON', () => {
      const file = join(database.dir, 'contacts.json');
      writeFileSync(file, JSON.stringify({ contacts: [{ external_key: 'k1', email: 'k1@example.com' }, { external_key: 'k2' }, { email: 'nokey@example.com' }] }));
      const result = runCli(['import', file, '--match-by', 'external_key', '--json'], env);
      assert.equal(result.status, 0, result.stderr);
      const final = JSON.parse(result.stdout) as Record<string, unknown>;
      assert.deepEqual(
        { state: final.state, rows: final.rows, created: final.created, invalid: final.invalid, errors: final.errors },
        { state: 'completed', rows: 3, created: 2, invalid: 1, errors: [{ row: 3, field: 'external_key', code: 'VALIDATION_FAILED', message: 'external_key is required to match contacts' }] },
      );
    });

    it('refuses a file that cannot be imported with a message and exit code 1', () => {
      const file = join(database.dir, 'bad.csv');
      writeFileSync(file, 'first_name,last_name\nAnn,Lee\n');
      const bad = runCli(['import', file], env);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /the CSV header has no email column/);
      const unknownList = runCli(['import', join(database.dir, 'contacts.csv'), '--list', '999'], env);
      assert.equal(unknownList.status, 1);
      assert.match(unknownList.stderr, /list\(s\) not found: 999/);
      const queued = runCli(['import', join(database.dir, 'contacts.csv'), '--no-wait', '--json'], env);
      assert.equal(queued.status, 0, queued.stderr);
      assert.deepEqual(JSON.parse(queued.stdout), { ...(JSON.parse(queued.stdout) as object), state: 'queued', rows: 45 });
    });
  });
}
