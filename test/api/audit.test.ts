import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { api, createKey, createSubAccount } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { runCli } from '../helpers/cli.js';

interface Entry {
  seq: number;
  action: string;
  actor_key_id: string | null;
  via: string;
  subject_type: string | null;
  subject_id: string | null;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

for (const engine of ENGINES) {
  describe(`audit API and CLI [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(async () => t.close());

    async function allEntries(headers = t.auth()): Promise<Entry[]> {
      const entries: Entry[] = [];
      let cursor: string | null = null;
      do {
        const res = await api(t, headers).get(`/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json() as { data: Entry[]; next_cursor: string | null };
        assert.ok(body.data.length <= 2);
        entries.push(...body.data);
        cursor = body.next_cursor;
      } while (cursor);
      return entries;
    }

    it('records settings changes, keys created and revoked, and sub-accounts, with who and through which API', async () => {
      const adminId = /^lethe_([0-9a-f]{24})_/.exec(t.adminKey)?.[1] ?? null;
      const client = api(t);
      assert.equal((await client.patch('/v1/account/settings', { retention_days: 7, restore_window_days: -1 })).statusCode, 200);
      const key = await createKey(t, ['read']);
      const keyId = /^lethe_([0-9a-f]{24})_/.exec(key)?.[1] ?? '';
      assert.equal((await client.delete(`/v1/keys/${keyId}`)).statusCode, 204);
      const subId = await createSubAccount(t, 'brand-b');

      const entries = await allEntries();
      assert.deepEqual(entries.map((e) => e.seq), entries.map((_, i) => i + 1), 'paging walks the chain in order, once');
      assert.deepEqual(entries.map((e) => e.action), ['account.created', 'key.created', 'settings.updated', 'key.created', 'key.revoked', 'subaccount.created']);
      const [, , settings, created, revoked, sub] = entries;
      assert.deepEqual(settings?.data, { restore_window_days: -1, retention_days: 7, suppression_window_days: null, previous_restore_window_days: null, previous_retention_days: 30, previous_suppression_window_days: null, reimport_policy: 'allow', previous_reimport_policy: 'allow' });
      assert.equal(settings?.actor_key_id, adminId);
      assert.equal(settings?.via, 'native');
      assert.deepEqual([created?.subject_id, created?.data], [keyId, { scopes: 'read' }]);
      assert.deepEqual([revoked?.subject_type, revoked?.subject_id], ['api_key', keyId]);
      assert.equal(sub?.subject_id, String(subId));
      for (let i = 1; i < entries.length; i++) assert.equal(entries[i]?.prev_hash, entries[i - 1]?.hash);

      // The sub-account's own chain starts with its creation; its key sees only that chain.
      const subAdmin = await createKey(t, ['admin'], { 'on-behalf-of': 'brand-b' });
      const subEntries = await allEntries(t.auth(subAdmin));
      assert.equal(subEntries[0]?.action, 'account.created');
      assert.ok(subEntries.every((e) => e.action !== 'settings.updated'));
    });

    it('needs the admin scope, and rejects a cursor it did not give', async () => {
      const reader = await createKey(t, ['read', 'write', 'delete', 'erase']);
      const res = await api(t, t.auth(reader)).get('/v1/audit');
      assert.equal(res.statusCode, 403);
      assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
      const bad = await api(t).get('/v1/audit?cursor=nope');
      assert.equal(bad.statusCode, 400);
      assert.equal((bad.json() as { field: string }).field, 'cursor');
    });

    it('holds no key names or secrets', async () => {
      const res = await api(t).post('/v1/keys', { name: 'Ada Lovelace laptop', scopes: ['read'] });
      assert.equal(res.statusCode, 201);
      const { secret } = res.json() as { secret: string };
      const rows = await sql<{ data: string }>`select data from audit_log`.execute(t.lethe.store.handle.db);
      const text = rows.rows.map((r) => r.data).join('\n');
      assert.doesNotMatch(text, /Ada Lovelace/);
      assert.ok(!text.includes(secret));
    });

    it('verifies the chain through the API and `lethe audit verify`, naming the first broken link', async () => {
      const env = { LETHE_DATA_DIR: t.database.dir, DATABASE_URL: t.database.url };
      const ok = await api(t).get('/v1/audit/verify');
      assert.equal(ok.statusCode, 200);
      const okBody = ok.json() as { ok: boolean; records: number; head: { seq: number } | null; first_break: unknown };
      assert.equal(okBody.ok, true);
      assert.equal(okBody.first_break, null);
      assert.equal(okBody.head?.seq, okBody.records);
      const intact = runCli(['audit', 'verify', '--json'], env);
      assert.equal(intact.status, 0, intact.stderr);
      const all = JSON.parse(intact.stdout) as { ok: boolean; first_break: unknown; heads: Array<{ account: string; seq: number }> };
      assert.deepEqual([all.ok, all.first_break], [true, null]);
      assert.deepEqual(all.heads.find((h) => h.account === 'default')?.seq, okBody.head?.seq);
      assert.ok(all.heads.some((h) => h.account === 'brand-b'), 'every chain is checked, sub-accounts too');

      await sql`update audit_log set data = ${'{"retention_days":3650}'} where account_id = ${t.accountId} and seq = 3`.execute(t.lethe.store.handle.db);
      const broken = (await api(t).get('/v1/audit/verify')).json() as { ok: boolean; first_break: unknown };
      assert.deepEqual([broken.ok, broken.first_break], [false, { seq: 3, reason: 'hash mismatch' }]);

      const cli = runCli(['audit', 'verify', '--account', 'default'], env);
      assert.equal(cli.status, 2, cli.stderr);
      assert.match(cli.stdout, /BROKEN: account default \(id \d+\), first broken link at seq 3: hash mismatch/);
    });
  });
}
