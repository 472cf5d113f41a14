import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '../../src/store/keyring/keyring.js';
import { runCli } from '../helpers/cli.js';
import { ENGINES, createTestDatabase } from '../helpers/engines.js';
import type { TestDatabase } from '../helpers/engines.js';

for (const engine of ENGINES) {
  describe(`lethe keyring [${engine}]`, () => {
    let database: TestDatabase;
    const oldSecret = randomBytes(32).toString('hex');
    const newSecret = randomBytes(32).toString('hex');
    let env: Record<string, string>;

    before(async () => {
      database = await createTestDatabase(engine);
      env = { LETHE_DATA_DIR: database.dir, DATABASE_URL: database.url, LETHE_SECRET: oldSecret };
    });
    after(async () => database.drop());

    it('shows its status, and rotate re-wraps every key under the new secret', async () => {
      const keyringUrl = engine === 'sqlite' ? join(database.dir, 'keyring.db') : database.url;
      const status = runCli(['keyring', 'status', '--json'], env);
      assert.equal(status.status, 0, status.stderr);
      const parsed = JSON.parse(status.stdout) as { engine: string; keys: number; kek_id: string };
      assert.equal(parsed.engine, engine);

      const ids = [randomUUID(), randomUUID(), randomUUID()];
      const keyring = await Keyring.open({ url: keyringUrl, secret: Buffer.from(oldSecret, 'hex') });
      const keys = await keyring.ensure(ids);
      await keyring.close();

      const refused = runCli(['keyring', 'rotate'], { ...env, LETHE_KEYRING_SECRET: newSecret });
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /LETHE_KEYRING_PREVIOUS_SECRET/);

      const rotated = runCli(['keyring', 'rotate', '--json'], { ...env, LETHE_KEYRING_SECRET: newSecret, LETHE_KEYRING_PREVIOUS_SECRET: oldSecret });
      assert.equal(rotated.status, 0, rotated.stderr);
      const result = JSON.parse(rotated.stdout) as { rewrapped: number; kek_id: string };
      assert.equal(result.rewrapped, 3);
      assert.notEqual(result.kek_id, parsed.kek_id);

      const reopened = await Keyring.open({ url: keyringUrl, secret: Buffer.from(newSecret, 'hex') });
      try {
        const read = await reopened.get(ids);
        for (const id of ids) assert.deepEqual(read.get(id), keys.get(id));
      } finally {
        await reopened.close();
      }
    });
  });
}
