import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../helpers/api.js';
import type { Api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';

/** Refusals read as sentences that say what is accepted, not as validator output. */
for (const engine of ENGINES) {
  describe(`validation messages [${engine}]`, () => {
    let t: TestApp;
    let c: Api;
    before(async () => {
      t = await buildTestApp(engine);
      c = api(t);
    });
    after(async () => t.close());

    const detail = async (res: Promise<{ statusCode: number; body: string; json(): unknown }>, status = 400) => {
      const r = await res;
      assert.equal(r.statusCode, status, r.body);
      return (r.json() as { detail: string }).detail;
    };

    it('name the allowed values, the selector rule, the time format and the expected type', async () => {
      assert.equal(await detail(c.post('/v1/operations', { action: 'forget', selector: { all: true } })), 'action must be one of: soft_delete, restore, erase, purge');
      assert.equal(
        await detail(c.post('/v1/operations', { action: 'erase', selector: { ids: [1], emails: ['a@example.com'] } })),
        'selector names exactly one of ids, uuids, external_keys, emails, list or all',
      );
      assert.equal(await detail(c.get('/v1/contacts?updated_since=yesterday')), 'updated_since must be a time in ISO 8601 with a zone, e.g. 2026-01-05T10:00:00Z');
      assert.equal(await detail(c.get('/v1/contacts?status=gone')), 'status must be one of: active, deleted, erased, all');
      assert.equal(await detail(c.post('/v1/operations', { action: 'erase', selector: { all: 'yes' } })), 'selector.all must be true or false');
      assert.equal(await detail(c.post('/v1/lists', ['newsletter'])), 'the body must be a JSON object (send it with content-type: application/json)');
    });

    it('names the accepted content types', async () => {
      const res = t.app.inject({ method: 'POST', url: '/v1/lists', headers: { ...t.auth(), 'content-type': 'application/xml' }, payload: '<list/>' });
      assert.match(await detail(res, 415), /send application\/json \(and text\/csv or a multipart\/form-data upload for POST \/v1\/imports\)/);
    });
  });
}
