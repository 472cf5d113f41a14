import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACCESS_TOKEN_TTL_MS } from '../../src/core/keys/access-token.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';

for (const engine of ENGINES) {
  describe(`access tokens (OAuth2 client credentials) [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(async () => t.close());

    const keys = () => t.lethe.core.keys;
    const rows = () => t.lethe.store.handle.db.selectFrom('access_tokens').selectAll().execute();

    it('issues a token for a key id and secret that acts as the key, with its scopes, for 20 minutes', async () => {
      const { apiKey, secret } = await keys().create(t.accountId, { name: 'client', scopes: ['read', 'erase'] });
      const issued = await keys().issueAccessToken(apiKey.id, secret);
      assert.match(issued.token, /^lethe_at_[0-9a-f]{64}$/);
      assert.equal(issued.expiresIn, 1200);
      assert.equal(issued.expiresAt, t.clock.now() + ACCESS_TOKEN_TTL_MS);
      assert.deepEqual(issued.scopes, ['read', 'erase']);
      const key = await keys().authenticateAccessToken(issued.token);
      assert.equal(key.id, apiKey.id);
      assert.equal(key.accountId, t.accountId);
      assert.deepEqual(key.scopes, ['read', 'erase']);
      // Stored hashed: the token itself is nowhere in the table.
      const stored = await rows();
      assert.ok(stored.some((r) => r.key_id === apiKey.id));
      assert.ok(!JSON.stringify(stored).includes(issued.token.slice('lethe_at_'.length)));
    });

    it('refuses a wrong secret, an unknown id, and a revoked key, all as UNAUTHENTICATED', async () => {
      const { apiKey, secret } = await keys().create(t.accountId, { name: 'client', scopes: ['read'] });
      const wrong = `${secret.slice(0, -1)}${secret.endsWith('0') ? '1' : '0'}`; // never the secret itself
      await assert.rejects(keys().issueAccessToken(apiKey.id, wrong), { code: 'UNAUTHENTICATED' });
      await assert.rejects(keys().issueAccessToken('0'.repeat(24), secret), { code: 'UNAUTHENTICATED' });
      await assert.rejects(keys().authenticateAccessToken('lethe_at_' + '0'.repeat(64)), { code: 'UNAUTHENTICATED' });
      await assert.rejects(keys().authenticateAccessToken('not a token'), { code: 'UNAUTHENTICATED' });
      await keys().revoke(t.accountId, apiKey.id);
      await assert.rejects(keys().issueAccessToken(apiKey.id, secret), { code: 'UNAUTHENTICATED' });
    });

    it('expires a token after its lifetime and deletes expired rows as new tokens are issued', async () => {
      const { apiKey, secret } = await keys().create(t.accountId, { name: 'client', scopes: ['read'] });
      const issued = await keys().issueAccessToken(apiKey.id, secret);
      t.clock.advance(ACCESS_TOKEN_TTL_MS - 1);
      assert.equal((await keys().authenticateAccessToken(issued.token)).id, apiKey.id, 'still valid a millisecond before');
      t.clock.advance(1);
      await assert.rejects(keys().authenticateAccessToken(issued.token), { code: 'UNAUTHENTICATED' });
      const hashesBefore = (await rows()).length;
      await keys().issueAccessToken(apiKey.id, secret);
      const after = await rows();
      assert.ok(after.length < hashesBefore + 1, 'the expired token row is gone');
      assert.ok(after.every((r) => Number(r.expires_at) > t.clock.now()));
    });

    it('revokes every token of a key with the key', async () => {
      const { apiKey, secret } = await keys().create(t.accountId, { name: 'client', scopes: ['read'] });
      const first = await keys().issueAccessToken(apiKey.id, secret);
      const second = await keys().issueAccessToken(apiKey.id, secret);
      await keys().revoke(t.accountId, apiKey.id);
      await assert.rejects(keys().authenticateAccessToken(first.token), { code: 'UNAUTHENTICATED' });
      await assert.rejects(keys().authenticateAccessToken(second.token), { code: 'UNAUTHENTICATED' });
      assert.equal((await rows()).filter((r) => r.key_id === apiKey.id).length, 0);
    });

    it('narrows a token to fewer scopes on request, never beyond the key\'s', async () => {
      const { apiKey, secret } = await keys().create(t.accountId, { name: 'client', scopes: ['read', 'erase'] });
      const narrow = await keys().issueAccessToken(apiKey.id, secret, { scopes: ['read'] });
      assert.deepEqual((await keys().authenticateAccessToken(narrow.token)).scopes, ['read']);
      await assert.rejects(keys().issueAccessToken(apiKey.id, secret, { scopes: ['admin'] }), { code: 'FORBIDDEN' });
      const admin = await keys().create(t.accountId, { name: 'admin', scopes: ['admin'] });
      assert.deepEqual((await keys().issueAccessToken(admin.apiKey.id, admin.secret, { scopes: ['erase'] })).scopes, ['erase'], 'admin implies every scope');
    });
  });
}
