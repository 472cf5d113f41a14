import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { deriveKek, open, seal, unwrapKey } from '../../src/store/keyring/cipher.js';
import { Keyring } from '../../src/store/keyring/keyring.js';
import { Sealer } from '../../src/store/keyring/sealer.js';
import { ENGINES, createTestDatabase } from '../helpers/engines.js';
import type { TestDatabase } from '../helpers/engines.js';
import { searchKeyringStorage } from '../helpers/raw-storage.js';

describe('keyring cipher', () => {
  it('opens what it sealed only with the same key and associated data', () => {
    const key = randomBytes(32);
    const sealed = seal(key, Buffer.from('Zoë Quillfeather'), Buffer.from('contact-1'));
    assert.equal(open(key, sealed, Buffer.from('contact-1')).toString(), 'Zoë Quillfeather');
    assert.throws(() => open(key, sealed, Buffer.from('contact-2')));
    assert.throws(() => open(randomBytes(32), sealed, Buffer.from('contact-1')));
    const tampered = Buffer.from(sealed);
    tampered[20] = (tampered[20] as number) ^ 1;
    assert.throws(() => open(key, tampered, Buffer.from('contact-1')));
    assert.notDeepEqual(seal(key, Buffer.from('x'), Buffer.alloc(0)), seal(key, Buffer.from('x'), Buffer.alloc(0)), 'a fresh nonce each time');
  });

  it('derives one KEK per secret, with an id that is not the key', () => {
    const secret = randomBytes(32);
    assert.deepEqual(deriveKek(secret), deriveKek(Buffer.from(secret)));
    assert.notDeepEqual(deriveKek(secret).key, deriveKek(randomBytes(32)).key);
    assert.ok(!deriveKek(secret).key.toString('hex').includes(deriveKek(secret).id));
    assert.throws(() => deriveKek(randomBytes(16)), /at least 32 bytes/);
  });
});

/** The wrapped bytes of a key as stored, read past the Keyring. */
async function storedWrapping(url: string, id: string): Promise<Buffer | undefined> {
  if (!url.startsWith('postgres')) {
    const db = new SQLite(url, { readonly: true });
    try {
      return db.prepare<[string], { wrapped: Buffer }>('select wrapped from data_keys where id = ?').get(id)?.wrapped;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ wrapped: Buffer }>('select wrapped from lethe_keyring.data_keys where id = $1', [id])).rows[0]?.wrapped;
  } finally {
    await client.end();
  }
}

for (const engine of ENGINES) {
  describe(`keyring [${engine}]`, () => {
    let database: TestDatabase;
    let url: string;
    const secret = randomBytes(32);

    before(async () => {
      database = await createTestDatabase(engine);
      url = engine === 'sqlite' ? join(database.dir, 'keyring.db') : database.url;
    });
    after(async () => database.drop());

    it('creates a key per id once, stores it wrapped only, and gives it back after a restart', async () => {
      const ids = Array.from({ length: 300 }, () => randomUUID());
      let keyring = await Keyring.open({ url, secret });
      const created = await keyring.ensure(ids);
      assert.equal(created.size, 300);
      assert.equal(new Set([...created.values()].map((k) => k.toString('hex'))).size, 300, 'every id its own key');
      const again = await keyring.ensure([ids[0] as string, ids[1] as string]);
      assert.deepEqual(again.get(ids[0] as string), created.get(ids[0] as string), 'ensure keeps an existing key');
      await keyring.close();

      keyring = await Keyring.open({ url, secret });
      try {
        const read = await keyring.get(ids);
        for (const id of ids) assert.deepEqual(read.get(id), created.get(id));
        const wrapped = await storedWrapping(url, ids[0] as string);
        assert.ok(wrapped, 'stored');
        assert.equal(unwrapKey(deriveKek(secret), ids[0] as string, wrapped).toString('hex'), created.get(ids[0] as string)?.toString('hex'));
        assert.throws(() => unwrapKey(deriveKek(secret), ids[1] as string, wrapped), 'a wrapping opens only for its own id');
        // No data key is anywhere in the keyring's storage in the clear.
        const hits = await searchKeyringStorage(url, [...created.values()]);
        assert.deepEqual(hits, [], 'no unwrapped key in storage');
      } finally {
        await keyring.close();
      }
      if (engine === 'sqlite') assert.equal(statSync(url).mode & 0o777, 0o600, 'the keyring file is its owner\'s only');
    });

    it('refuses to open under another secret', async () => {
      await assert.rejects(Keyring.open({ url, secret: randomBytes(32) }), /another key-encryption key/);
    });

    it('destroys a key: it is gone at once, and after the scrub its bytes are nowhere in the storage', async () => {
      const keyring = await Keyring.open({ url, secret });
      try {
        const doomed = randomUUID();
        const kept = Array.from({ length: 50 }, () => randomUUID());
        const keys = await keyring.ensure([doomed, ...kept]);
        // The storage carries the key before the destroy (else the search below proves nothing).
        if (engine === 'sqlite') await keyring.scrub();
        const wrapped = (await storedWrapping(url, doomed)) as Buffer;
        assert.ok((await searchKeyringStorage(url, [wrapped])).length > 0, 'the wrapping is found before the destroy');

        assert.equal(await keyring.destroy([doomed, randomUUID()]), 1);
        assert.equal((await keyring.get([doomed])).size, 0, 'gone, even from this process\'s cache');
        const fresh = await Keyring.open({ url, secret });
        try {
          assert.equal((await fresh.get([doomed])).size, 0, 'gone for another process');
        } finally {
          await fresh.close();
        }
        const report = await keyring.scrub();
        assert.equal(report.engine, engine);
        if (engine === 'postgres') assert.equal(report.partitions, 1, 'only the partition of the destroyed key is rewritten');
        const hits = await searchKeyringStorage(url, [wrapped, keys.get(doomed) as Buffer]);
        assert.deepEqual(hits, [], 'neither the wrapping nor the key is left in the keyring storage');
        const others = await keyring.get(kept);
        for (const id of kept) assert.deepEqual(others.get(id), keys.get(id), 'other keys still open');
        if (engine === 'postgres') assert.equal((await keyring.scrub()).partitions, 0, 'nothing owed after a scrub');
      } finally {
        await keyring.close();
      }
    });

    it('rotates the KEK: every key re-wrapped, the data keys unchanged, the old wrappings scrubbed', async () => {
      const newSecret = randomBytes(32);
      const before = await Keyring.open({ url, secret });
      const id = randomUUID();
      const original = (await before.ensure([id])).get(id) as Buffer;
      const total = await before.count();
      await before.close();
      const oldWrapping = (await storedWrapping(url, id)) as Buffer;

      await assert.rejects(Keyring.open({ url, secret: newSecret }), /another key-encryption key/, 'without the old secret the keys cannot be opened');
      const rotating = await Keyring.open({ url, secret: newSecret, previousSecrets: [secret] });
      try {
        const progress = await rotating.rotate(undefined, 100);
        assert.equal(progress.rewrapped, total);
        assert.equal((await rotating.rotate()).rewrapped, 0, 'a second run has nothing left to do');
        await rotating.scrub();
      } finally {
        await rotating.close();
      }
      const after = await Keyring.open({ url, secret: newSecret });
      try {
        assert.deepEqual((await after.get([id])).get(id), original);
        assert.deepEqual(await searchKeyringStorage(url, [oldWrapping]), [], 'the old wrapping is scrubbed');
      } finally {
        await after.close();
      }
      await assert.rejects(Keyring.open({ url, secret }), /another key-encryption key/, 'the old secret no longer opens the keyring');
    });
  });
}

for (const engine of ENGINES) {
  describe(`sealer [${engine}]`, () => {
    let database: TestDatabase;
    let keyring: Keyring;
    before(async () => {
      database = await createTestDatabase(engine);
      keyring = await Keyring.open({ url: engine === 'sqlite' ? join(database.dir, 'keyring.db') : database.url, secret: randomBytes(32) });
    });
    after(async () => {
      await keyring.close();
      await database.drop();
    });

    it('seals a row\'s values as one blob under its owner\'s key; a destroyed key leaves it unreadable', async () => {
      const sealer = new Sealer(keyring);
      const [a, b] = [randomUUID(), randomUUID()];
      const values = [{ email: 'Zoë@Example.org', firstName: 'Zoë' }, { email: 'max@example.org', customFields: { colour: 'teal' } }];
      const sealed = await sealer.sealMany([{ owner: a, values: values[0] }, { owner: b, values: values[1] }]);
      assert.equal(sealed.length, 2);
      for (const blob of sealed) assert.ok(!blob.includes(Buffer.from('example.org')), 'no plaintext in the blob');
      assert.deepEqual(await sealer.openMany([{ owner: a, sealed: sealed[0] as Buffer }, { owner: b, sealed: sealed[1] as Buffer }, { owner: a, sealed: null }]), [...values, undefined]);
      await assert.rejects(sealer.openMany([{ owner: b, sealed: sealed[0] as Buffer }]), 'a blob opens only for its own owner');
      await keyring.destroy([a]);
      assert.deepEqual(await sealer.openMany([{ owner: a, sealed: sealed[0] as Buffer }, { owner: b, sealed: sealed[1] as Buffer }]), [undefined, values[1]]);
    });
  });
}
