import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { api, createContact, markErased, markSoftDeleted } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';

interface Page {
  data: Array<{ id: number; status: string }>;
  next_cursor: string | null;
}

for (const engine of ENGINES) {
  describe(`contact listing [${engine}]`, () => {
    let t: TestApp;
    let c: Api;
    const ids: number[] = [];
    let deletedId: number;
    let erasedId: number;
    let listId: number;

    before(async () => {
      t = await buildTestApp(engine);
      c = api(t);
      listId = (await c.post('/v1/lists', { name: 'members' })).json().id;
      for (let i = 0; i < 25; i++) {
        const contact = await createContact(c, { email: `p${i}@example.com`, ...(i % 5 === 0 ? { list_ids: [listId] } : {}) });
        ids.push(contact.id);
      }
      deletedId = (await createContact(c, { email: 'gone@example.com' })).id;
      await markSoftDeleted(t, deletedId);
      erasedId = (await createContact(c, { email: 'erased@example.com' })).id;
      await markErased(t, erasedId);
    });
    after(async () => t.close());

    const all = async (query: string, limit: number): Promise<number[]> => {
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await c.get(`/v1/contacts?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json() as Page;
        assert.ok(page.data.length <= limit);
        seen.push(...page.data.map((x) => x.id));
        cursor = page.next_cursor;
        pages++;
        assert.ok(pages < 100, 'pagination ends');
      } while (cursor);
      return seen;
    };

    it('lists active contacts by default, in id order, page by page without repeats', async () => {
      const seen = await all('', 10);
      assert.deepEqual(seen, ids);
      const first = (await c.get('/v1/contacts?limit=10')).json() as Page;
      assert.equal(first.data.length, 10);
      assert.ok(first.next_cursor);
      const exact = (await c.get('/v1/contacts?limit=25')).json() as Page;
      assert.equal(exact.data.length, 25);
      assert.equal(exact.next_cursor, null, 'no cursor when nothing is left');
    });

    it('filters by status', async () => {
      assert.deepEqual(await all('status=deleted', 100), [deletedId]);
      assert.deepEqual(await all('status=erased', 100), [erasedId]);
      assert.deepEqual(await all('status=all', 7), [...ids, deletedId, erasedId]);
      assert.equal((await c.get('/v1/contacts?status=purged')).statusCode, 400);
    });

    it('filters by list, and refuses an unknown list', async () => {
      assert.deepEqual(await all(`list_id=${listId}`, 2), ids.filter((_, i) => i % 5 === 0));
      const unknown = await c.get('/v1/contacts?list_id=999999');
      assert.equal(unknown.statusCode, 404);
    });

    it('filters by update time', async () => {
      t.clock.advance(60_000);
      const since = new Date(t.clock.now()).toISOString();
      const touched = ids[3] as number;
      assert.equal((await c.patch(`/v1/contacts/${touched}`, { first_name: 'Touched' })).statusCode, 200);
      assert.deepEqual(await all(`updated_since=${encodeURIComponent(since)}`, 10), [touched]);
      assert.equal((await c.get('/v1/contacts?updated_since=yesterday')).statusCode, 400);
    });

    it('refuses bad limits, bad cursors and unknown parameters', async () => {
      for (const query of ['limit=0', 'limit=1001', 'limit=ten', 'cursor=garbage', `cursor=${Buffer.from('[1,2]').toString('base64url')}`, 'colour=red']) {
        const res = await c.get(`/v1/contacts?${query}`);
        assert.equal(res.statusCode, 400, query);
        assert.equal(res.json().code, 'VALIDATION_FAILED');
      }
      assert.equal(((await c.get('/v1/contacts?limit=1000')).json() as Page).data.length, 25);
    });
  });
}
