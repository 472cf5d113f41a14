import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { api, createContact, createKey, createSubAccount } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { drainOperations } from '../helpers/operations.js';

/** Rows of the operation tables and the audit: a refused request leaves none. */
async function written(t: TestApp): Promise<number[]> {
  const db = t.lethe.store.handle.db;
  const counts: number[] = [];
  for (const table of ['operations', 'operation_targets', 'operation_chunks', 'audit_log'] as const) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts.push(Number(row.n));
  }
  return counts;
}

const PROBLEM = 'application/problem+json; charset=utf-8';

for (const engine of ENGINES) {
  describe(`operations: scopes, tenancy and bad input [${engine}]`, () => {
    let t: TestApp;
    let admin: Api;
    let contactId: number;

    before(async () => {
      t = await buildTestApp(engine);
      admin = api(t);
      contactId = (await createContact(admin, { email: 'keep@example.com' })).id;
    });
    after(async () => t.close());

    it('needs delete for soft delete and restore, erase for erase and purge, read for a dry run; 403 writes nothing', async () => {
      const keys = {
        read: api(t, t.auth(await createKey(t, ['read']))),
        write: api(t, t.auth(await createKey(t, ['read', 'write']))),
        delete: api(t, t.auth(await createKey(t, ['delete']))),
        erase: api(t, t.auth(await createKey(t, ['erase']))),
      };
      const cases: Array<[keyof typeof keys, string, boolean, number]> = [
        ['read', 'soft_delete', false, 403],
        ['read', 'erase', false, 403],
        ['write', 'restore', false, 403],
        ['write', 'purge', false, 403],
        ['delete', 'erase', false, 403],
        ['delete', 'purge', false, 403],
        ['erase', 'soft_delete', false, 403],
        ['read', 'erase', true, 202],
        ['delete', 'soft_delete', false, 202],
        ['delete', 'restore', false, 202],
        ['erase', 'erase', false, 202],
        ['erase', 'purge', false, 202],
      ];
      for (const [key, action, dryRun, status] of cases) {
        const before = await written(t);
        const res = await keys[key].post('/v1/operations', { action, selector: { ids: [contactId] }, ...(dryRun ? { dry_run: true } : {}) });
        assert.equal(res.statusCode, status, `${key} key, ${action}${dryRun ? ' (dry run)' : ''}: ${res.body}`);
        if (status === 403) {
          assert.equal(res.headers['content-type'], PROBLEM);
          assert.equal(res.json().code, 'FORBIDDEN');
          assert.deepEqual(await written(t), before, 'a refused request writes nothing');
        } else {
          // Cancel it again: canceling needs the scope that starting it needed.
          const cancel = await keys.read.post(`/v1/operations/${res.json().id}/cancel`);
          assert.equal(cancel.statusCode, dryRun ? 200 : 403, cancel.body);
          if (!dryRun) assert.equal((await keys[key].post(`/v1/operations/${res.json().id}/cancel`)).statusCode, 200);
        }
      }
      const noKey = await t.app.inject({ method: 'POST', url: '/v1/operations', payload: { action: 'erase', selector: { all: true } } });
      assert.equal(noKey.statusCode, 401);
      assert.equal((await keys.read.get('/v1/operations')).statusCode, 200);
    });

    it('hides another account\'s operations: 404 for get, targets, cancel, stream and receipt', async () => {
      await createSubAccount(t, 'brand-b');
      const sub = api(t, { ...t.auth(), 'on-behalf-of': 'brand-b' });
      const subKey = api(t, t.auth(await createKey(t, ['read', 'erase'], { 'on-behalf-of': 'brand-b' })));
      const res = await admin.post('/v1/operations', { action: 'erase', selector: { ids: [contactId] }, dry_run: true });
      const op = res.json();
      await drainOperations(t);
      for (const client of [sub, subKey]) {
        for (const [method, url] of [
          ['GET', `/v1/operations/${op.id}`],
          ['GET', `/v1/operations/${op.uuid}`],
          ['GET', `/v1/operations/${op.id}/targets`],
          ['POST', `/v1/operations/${op.id}/cancel`],
          ['GET', `/v1/operations/${op.id}/stream`],
          ['GET', `/v1/operations/${op.id}/receipt`],
        ] as const) {
          const r = await client.request(method, url);
          assert.equal(r.statusCode, 404, `${method} ${url}: ${r.body}`);
          assert.equal(r.headers['content-type'], PROBLEM);
        }
        assert.deepEqual((await client.get('/v1/operations')).json().data, []);
        assert.equal((await client.get('/v1/operations/analytics')).json().totals.operations.total, 0);
      }
      // The sub-account's own erase cannot reach the parent's contact either.
      const own = await subKey.post('/v1/operations', { action: 'erase', selector: { ids: [contactId], }, });
      assert.equal(own.statusCode, 202);
      await drainOperations(t);
      const done = (await subKey.get(`/v1/operations/${own.json().id}`)).json();
      assert.equal(done.counts.succeeded, 0);
      assert.equal(done.counts.not_found, 1);
      assert.equal((await admin.get(`/v1/contacts/${contactId}`)).json().status, 'active');
    });

    it('refuses bad input with problem details and writes nothing', async () => {
      const list = (await admin.post('/v1/lists', { name: 'x' })).json();
      const bad: Array<[unknown, RegExp]> = [
        [{}, /action/],
        [{ action: 'shred', selector: { all: true } }, /action/],
        [{ action: 'erase' }, /selector/],
        [{ action: 'erase', selector: {} }, /selector/],
        [{ action: 'erase', selector: { ids: [1], emails: ['a@example.com'] } }, /selector/],
        [{ action: 'erase', selector: { ids: [] } }, /selector\.ids/],
        [{ action: 'erase', selector: { ids: 'all' } }, /selector\.ids/],
        [{ action: 'erase', selector: { all: false } }, /selector\.all/],
        [{ action: 'erase', selector: { list: 'x' } }, /selector\.list/],
        [{ action: 'erase', selector: { phones: ['1'] } }, /phones/],
        [{ action: 'erase', selector: { ids: [{ id: 1 }] } }, /selector\.ids\[0\]/],
        [{ action: 'erase', selector: { all: true }, dry_run: 'yes' }, /dry_run/],
        [{ action: 'erase', selector: { all: true }, accounts: 'some' }, /accounts/],
        [{ action: 'erase', selector: { all: true }, extra: 1 }, /extra/],
        [{ action: 'erase', selector: { list: 999_999 } }, /list/],
        [{ action: 'erase', selector: { ids: [1] }, accounts: 'all' }, /emails|accounts/],
        [{ action: 'erase', selector: { ids: [1] }, restore_to_lists: [list.id] }, /restore/],
        [{ action: 'restore', selector: { ids: [1] }, restore_to_lists: [999_999] }, /list/],
      ];
      for (const [body, field] of bad) {
        const before = await written(t);
        const res = await admin.post('/v1/operations', body);
        assert.ok(res.statusCode === 400 || res.statusCode === 404, `${JSON.stringify(body)}: ${res.statusCode} ${res.body}`);
        assert.equal(res.headers['content-type'], PROBLEM);
        const problem = res.json();
        assert.match(`${problem.field ?? ''} ${problem.detail}`, field, JSON.stringify(problem));
        assert.deepEqual(await written(t), before, `${JSON.stringify(body)} wrote nothing`);
      }
      const notJson = await t.app.inject({ method: 'POST', url: '/v1/operations', headers: { ...t.auth(), 'content-type': 'application/json' }, payload: '{"action":' });
      assert.equal(notJson.statusCode, 400);
    });

    it('validates a million values and answers a short 400 when one of them is wrong', async () => {
      const values: unknown[] = Array.from({ length: 1_000_000 }, (_, i) => `someone.${i}@example.com`);
      values[999_999] = { nested: true };
      const before = await written(t);
      const res = await admin.post('/v1/operations', { action: 'erase', selector: { emails: values } });
      assert.equal(res.statusCode, 400, res.body.slice(0, 500));
      assert.ok(res.body.length < 2000, `the 400 is short (${res.body.length} bytes)`);
      assert.equal(res.json().field, 'selector.emails[999999]');

      // Every item wrong: still one short problem, not a million.
      const allWrong = await admin.post('/v1/operations', { action: 'erase', selector: { ids: Array.from({ length: 1_000_000 }, () => [1]) } });
      assert.equal(allWrong.statusCode, 400);
      assert.ok(allWrong.body.length < 2000, `the 400 is short (${allWrong.body.length} bytes)`);

      const tooMany = await admin.post('/v1/operations', { action: 'erase', selector: { ids: Array.from({ length: 1_000_001 }, (_, i) => i + 1) } });
      assert.equal(tooMany.statusCode, 400);
      assert.match(tooMany.json().detail, /1000000|more than/);
      assert.deepEqual(await written(t), before, 'nothing written');
    });

    it('takes bodies past the general body limit on this route only', async () => {
      const small = await buildTestApp(engine, { config: { bodyLimit: 2048 } });
      try {
        const emails = Array.from({ length: 200 }, (_, i) => `limit.${i}@example.com`);
        const lookup = await api(small).post('/v1/contacts/lookup', { emails });
        assert.equal(lookup.statusCode, 413, 'the general limit holds elsewhere');
        assert.equal(lookup.headers['content-type'], PROBLEM);
        const res = await api(small).post('/v1/operations', { action: 'erase', selector: { emails }, dry_run: true });
        assert.equal(res.statusCode, 202, res.body);
        assert.equal(res.json().selector.size, 200);
      } finally {
        await small.close();
      }
    });
  });
}
