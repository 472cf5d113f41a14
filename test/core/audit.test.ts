import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { canonicalJson, assertAuditSafe, linkHash } from '../../src/core/audit/chain.js';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';

describe('audit chain rules', () => {
  it('serializes canonically', () => {
    assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1, y: 2 } }), '{"a":[true,null,"x"],"b":1,"c":{"y":2,"z":1}}');
  });
  it('refuses personal-looking values', () => {
    assert.throws(() => assertAuditSafe({ email: 'ada@example.com' }), /no personal data/);
    assert.throws(() => assertAuditSafe({ note: 'x'.repeat(201) }), /no personal data/);
    assert.doesNotThrow(() => assertAuditSafe({ count: 3, kind: 'emails', dry_run: false }));
  });
});

for (const engine of ENGINES) {
  describe(`audit log [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(async () => t.close());

    /** A fresh account whose chain holds `account.created` and then `n` test entries (seq 2..n+1). */
    async function chainOf(name: string, n: number): Promise<number> {
      const { core, store } = t.lethe;
      const account = await core.accounts.createTopLevel(name);
      for (let i = 0; i < n; i++) await store.transaction((tx) => core.audit.record(tx, { accountId: account.id, actorKeyId: null, via: 'cli', action: 'test.event', data: { n: i } }));
      return account.id;
    }
    const db = () => t.lethe.store.handle.db;

    it('chains records per account; first start and account creation are recorded', async () => {
      const { core } = t.lethe;
      const first = await core.audit.list(t.accountId, { limit: 100 });
      assert.deepEqual(first.map((r) => r.action), ['account.created', 'key.created']);
      const id = await chainOf('chained', 5);
      const records = await core.audit.list(id, { limit: 100 });
      assert.deepEqual(records.map((r) => r.seq), [1, 2, 3, 4, 5, 6]);
      assert.equal(records[1]?.prevHash, records[0]?.hash);
      const result = await core.audit.verify(id);
      assert.equal(result.ok, true);
      assert.deepEqual(result.heads, [{ accountId: id, seq: 6, hash: records[5]?.hash }]);
      assert.equal((await core.audit.verify()).ok, true);
    });

    it('detects a changed entry at its seq (hash mismatch)', async () => {
      const id = await chainOf('tamper-data', 5);
      await sql`update audit_log set data = ${'{"n":99}'} where account_id = ${id} and seq = 3`.execute(db());
      const result = await t.lethe.core.audit.verify();
      assert.equal(result.ok, false);
      assert.deepEqual(result.firstBreak, { accountId: id, seq: 3, reason: 'hash mismatch' });
      await sql`delete from audit_log where account_id = ${id}`.execute(db());
    });

    it('detects a changed entry whose hash was recomputed, at the next seq', async () => {
      const { core } = t.lethe;
      const id = await chainOf('tamper-rehash', 5);
      const [row] = await core.audit.list(id, { afterSeq: 2, limit: 1 });
      assert.ok(row);
      const forged = { ...row, data: { n: 42 } };
      await sql`update audit_log set data = ${JSON.stringify(forged.data)}, hash = ${linkHash(row.prevHash, forged)} where account_id = ${id} and seq = 3`.execute(db());
      assert.deepEqual((await core.audit.verify(id)).firstBreak, { accountId: id, seq: 4, reason: 'previous hash mismatch' });
    });

    it('detects a deleted entry (sequence gap at the next seq)', async () => {
      const id = await chainOf('tamper-delete', 5);
      await sql`delete from audit_log where account_id = ${id} and seq = 4`.execute(db());
      assert.deepEqual((await t.lethe.core.audit.verify(id)).firstBreak, { accountId: id, seq: 5, reason: 'sequence gap' });
    });

    it('detects reordered entries (swapped seq) at the first moved one', async () => {
      const id = await chainOf('tamper-order', 5);
      await sql`update audit_log set seq = -1 where account_id = ${id} and seq = 3`.execute(db());
      await sql`update audit_log set seq = 3 where account_id = ${id} and seq = 4`.execute(db());
      await sql`update audit_log set seq = 4 where account_id = ${id} and seq = -1`.execute(db());
      assert.deepEqual((await t.lethe.core.audit.verify(id)).firstBreak, { accountId: id, seq: 3, reason: 'previous hash mismatch' });
    });

    it('finds a break past the first page of 1000', async () => {
      const { core } = t.lethe;
      const account = await core.accounts.createTopLevel('long-chain');
      // A long chain written in bulk, each link hashed by the chain's own rule.
      let [prev] = await core.audit.list(account.id, { limit: 1 });
      assert.ok(prev);
      const rows = [];
      for (let seq = 2; seq <= 1004; seq++) {
        const record = { accountId: account.id, seq, at: seq, actorKeyId: null, via: 'cli', action: 'test.event', subjectType: null, subjectId: null, data: { n: seq } };
        const hash = linkHash(prev.hash, record);
        rows.push({ account_id: account.id, seq, at: seq, actor_key_id: null, via: 'cli', action: 'test.event', subject_type: null, subject_id: null, data: JSON.stringify(record.data), prev_hash: prev.hash, hash });
        prev = { ...record, prevHash: prev.hash, hash };
      }
      for (let i = 0; i < rows.length; i += 250) await db().insertInto('audit_log').values(rows.slice(i, i + 250)).execute();
      assert.deepEqual([(await core.audit.verify(account.id)).ok, (await core.audit.verify(account.id)).records], [true, 1004]);
      await sql`delete from audit_log where account_id = ${account.id} and seq = 1001`.execute(db());
      assert.deepEqual((await core.audit.verify(account.id)).firstBreak, { accountId: account.id, seq: 1002, reason: 'sequence gap' });
    });

    it('keeps one chain when appends race', async () => {
      const { core, store } = t.lethe;
      const account = await core.accounts.createTopLevel('racer');
      await Promise.all(Array.from({ length: 8 }, (_, n) => store.transaction((tx) => core.audit.record(tx, { accountId: account.id, actorKeyId: null, via: 'cli', action: 'race', data: { n } }))));
      const result = await core.audit.verify(account.id);
      assert.equal(result.ok, true);
      assert.equal(result.records, 9);
    });
  });
}
