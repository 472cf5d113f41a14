import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { canonicalJson, assertAuditSafe } from '../../src/core/audit/chain.js';
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

    it('chains records per account and detects a tampered row', async () => {
      const { core } = t.lethe;
      const sub = await core.accounts.createTopLevel('other');
      for (let i = 0; i < 5; i++) {
        await t.lethe.store.transaction((tx) => core.audit.record(tx, { accountId: t.accountId, actorKeyId: null, via: 'cli', action: 'test.event', data: { n: i } }));
        await core.audit.record(t.lethe.store, { accountId: sub.id, actorKeyId: null, via: 'cli', action: 'test.event', data: { n: i } });
      }
      const records = await core.audit.list(t.accountId, { limit: 100 });
      assert.deepEqual(records.map((r) => r.seq), [1, 2, 3, 4, 5]);
      assert.equal(records[1]?.prevHash, records[0]?.hash);
      assert.deepEqual(await core.audit.verify(), { ok: true, accounts: 2, records: 10 });

      await sql`update audit_log set data = ${'{"n":99}'} where account_id = ${t.accountId} and seq = 3`.execute(t.lethe.store.handle.db);
      const result = await core.audit.verify();
      assert.equal(result.ok, false);
      assert.deepEqual(result.firstBreak, { accountId: t.accountId, seq: 3, reason: 'hash mismatch' });
    });

    it('keeps one chain when appends race', async () => {
      const { core, store } = t.lethe;
      const account = await core.accounts.createTopLevel('racer');
      await Promise.all(Array.from({ length: 8 }, (_, n) => store.transaction((tx) => core.audit.record(tx, { accountId: account.id, actorKeyId: null, via: 'cli', action: 'race', data: { n } }))));
      const result = await core.audit.verify(account.id);
      assert.deepEqual(result, { ok: true, accounts: 1, records: 8 });
    });
  });
}
