import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { countRows, createSubAccount } from '../helpers/api.js';
import { mailjetApi, mailjetKey } from '../helpers/mailjet.js';

for (const engine of ENGINES) {
  describe(`Mailjet per-minute call limit [${engine}]`, () => {
    let t: TestApp;
    let clock: ManualClock;
    before(async () => {
      // The start of a minute, so that the window does not roll over mid-test.
      clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
      t = await buildTestApp(engine, { clock, config: { mailjetRateLimit: 3 } });
    });
    after(async () => t.close());

    it('answers 429 in Mailjet\'s shape past the limit, writes nothing, counts per account and resets each minute', async () => {
      const mj = mailjetApi(t, (await mailjetKey(t)).headers);
      await createSubAccount(t, 'limited-sub');
      const sub = mailjetApi(t, (await mailjetKey(t, ['read', 'write'], { 'on-behalf-of': 'limited-sub' })).headers);

      assert.equal((await mj.post('/v3/REST/contact', { Email: 'one@example.com' })).statusCode, 201);
      assert.equal((await mj.get('/v3/REST/contact')).statusCode, 200);
      assert.equal((await mj.get('/v3/REST/contactslist')).statusCode, 200);
      const rows = await countRows(t, 'contacts');
      for (const res of [await mj.post('/v3/REST/contact', { Email: 'two@example.com' }), await mj.get('/v3/REST/contact'), await mj.delete('/v4/contacts/1')]) {
        assert.equal(res.statusCode, 429, res.body);
        const body = res.json() as Record<string, unknown>;
        assert.deepEqual(Object.keys(body).sort(), ['ErrorInfo', 'ErrorMessage', 'StatusCode']);
        assert.equal(body.StatusCode, 429);
        assert.equal(body.ErrorInfo, '');
        assert.match(String(body.ErrorMessage), /limit/i);
      }
      assert.equal(await countRows(t, 'contacts'), rows, 'a refused request wrote nothing');
      assert.equal((await mj.get('/v3/REST/contact/1')).statusCode, 429, 'the contact was not deleted either');

      assert.equal((await sub.get('/v3/REST/contact')).statusCode, 200, 'another account has its own count');

      clock.advance(60_000);
      const read = await mj.get('/v3/REST/contact/one@example.com');
      assert.equal(read.statusCode, 200, 'a new minute, a new count');
      assert.equal(read.json().Data[0].Email, 'one@example.com');
    });
  });
}
