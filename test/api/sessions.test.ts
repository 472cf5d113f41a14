import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';

const CSRF = { 'x-lethe-csrf': '1' };

for (const engine of ENGINES) {
  describe(`dashboard sessions [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(engine);
    });
    after(async () => t.close());

    const createKey = async (scopes: string[], headers: Record<string, string> = {}) => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: { ...t.auth(), ...headers }, payload: { name: 'k', scopes } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; key: string };
    };
    const signIn = async (key: string, headers: Record<string, string> = CSRF) => t.app.inject({ method: 'POST', url: '/v1/sessions', headers, payload: { key } });
    const cookieOf = (res: { headers: Record<string, unknown> }): string => {
      const raw = [res.headers['set-cookie']].flat().find((c) => String(c).startsWith('lethe_session='));
      assert.ok(raw, 'a session cookie is set');
      return String(raw);
    };
    const sessionHeader = (setCookie: string) => ({ cookie: setCookie.split(';')[0] as string });

    it('trades a key for an HttpOnly, SameSite=Strict cookie with an expiry; the session acts as the key with its scopes', async () => {
      const key = await createKey(['read', 'delete']);
      const res = await signIn(key.key);
      assert.equal(res.statusCode, 201, res.body);
      const cookie = cookieOf(res);
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Strict/i);
      assert.match(cookie, /Expires=/i);
      assert.doesNotMatch(cookie, /Secure/i, 'plain http: not Secure');
      assert.ok(!cookie.includes(key.key), 'the cookie is not the key');
      const body = res.json();
      assert.deepEqual(body.scopes, ['read', 'delete']);
      assert.equal(body.key_id, key.id);
      assert.equal(body.via, 'session');
      const me = await t.app.inject({ method: 'GET', url: '/v1/sessions/current', headers: sessionHeader(cookie) });
      assert.equal(me.statusCode, 200, me.body);
      assert.equal(me.json().key_id, key.id);
      assert.ok(Date.parse(me.json().expires_at) > Date.now());
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/contacts', headers: sessionHeader(cookie) })).statusCode, 200);
      // The key's scopes hold: no erase, no admin.
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/keys', headers: sessionHeader(cookie) })).statusCode, 403);
    });

    it('is Secure over https (as a proxy says, or as configured)', async () => {
      const key = await createKey(['read']);
      const res = await signIn(key.key, { ...CSRF, 'x-forwarded-proto': 'https' });
      assert.equal(res.statusCode, 201);
      assert.match(cookieOf(res), /Secure/);
    });

    it('refuses a wrong key (401), a sign-in without the CSRF header (403), and sets no cookie', async () => {
      const wrong = await signIn(`lethe_${'0'.repeat(24)}_${'0'.repeat(48)}`);
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.headers['set-cookie'], undefined);
      const key = await createKey(['read']);
      const noHeader = await signIn(key.key, {});
      assert.equal(noHeader.statusCode, 403);
      assert.equal(noHeader.headers['set-cookie'], undefined);
      const bad = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: CSRF, payload: { key: key.key, extra: 1 } });
      assert.equal(bad.statusCode, 400);
    });

    it('is CSRF-safe: a state-changing request with the cookie needs X-Lethe-CSRF and this server\'s origin', async () => {
      const cookie = cookieOf(await signIn(t.adminKey));
      const create = (headers: Record<string, string>) => t.app.inject({ method: 'POST', url: '/v1/lists', headers: { ...sessionHeader(cookie), ...headers }, payload: { name: `l${Math.random()}` } });
      assert.equal((await create({})).statusCode, 403);
      assert.equal((await create({ ...CSRF, origin: 'https://evil.example' })).statusCode, 403);
      assert.equal((await create({ ...CSRF, origin: 'null' })).statusCode, 403);
      const lists = await t.app.inject({ method: 'GET', url: '/v1/lists', headers: sessionHeader(cookie) });
      assert.equal(lists.json().data.length, 0, 'nothing was written');
      assert.equal((await create({ ...CSRF, origin: 'http://localhost:80', host: 'localhost:80' })).statusCode, 201);
      assert.equal((await create(CSRF)).statusCode, 201);
      // A Bearer key needs no such header (API clients are not browsers).
      assert.equal((await t.app.inject({ method: 'POST', url: '/v1/lists', headers: t.auth(), payload: { name: 'bearer' } })).statusCode, 201);
    });

    it('acts for a sub-account with on-behalf-of, never for another account', async () => {
      const sub = await t.app.inject({ method: 'POST', url: '/v1/subaccounts', headers: t.auth(), payload: { name: 'session-sub' } });
      assert.equal(sub.statusCode, 201, sub.body);
      const cookie = cookieOf(await signIn(t.adminKey));
      const account = await t.app.inject({ method: 'GET', url: '/v1/account', headers: { ...sessionHeader(cookie), 'on-behalf-of': 'session-sub' } });
      assert.equal(account.json().name, 'session-sub');
      // The sub-account's own key cannot reach its parent.
      const subKey = await createKey(['admin'], { 'on-behalf-of': 'session-sub' });
      const subCookie = cookieOf(await signIn(subKey.key));
      const me = await t.app.inject({ method: 'GET', url: '/v1/sessions/current', headers: sessionHeader(subCookie) });
      assert.equal(me.json().account.name, 'session-sub');
      const up = await t.app.inject({ method: 'GET', url: '/v1/account', headers: { ...sessionHeader(subCookie), 'on-behalf-of': 'default' } });
      assert.equal(up.statusCode, 403);
    });

    it('signing out ends the session; revoking the key ends every session of it', async () => {
      const key = await createKey(['read']);
      const first = cookieOf(await signIn(key.key));
      const second = cookieOf(await signIn(key.key));
      const out = await t.app.inject({ method: 'DELETE', url: '/v1/sessions/current', headers: { ...sessionHeader(first), ...CSRF } });
      assert.equal(out.statusCode, 204);
      assert.match(cookieOf(out), /lethe_session=;/);
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/contacts', headers: sessionHeader(first) })).statusCode, 401);
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/contacts', headers: sessionHeader(second) })).statusCode, 200);
      assert.equal((await t.app.inject({ method: 'DELETE', url: `/v1/keys/${key.id}`, headers: t.auth() })).statusCode, 204);
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/contacts', headers: sessionHeader(second) })).statusCode, 401);
    });

    it('a session is not an access token, nor a key', async () => {
      const cookie = cookieOf(await signIn(t.adminKey));
      const token = (cookie.split(';')[0] as string).slice('lethe_session='.length);
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/contacts', headers: { authorization: `Bearer ${token}` } })).statusCode, 401);
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/contacts', headers: { cookie: `lethe_session=${t.adminKey}` } })).statusCode, 401);
    });

    it('filters operations by the API they came through (via)', async () => {
      const made = await t.app.inject({ method: 'POST', url: '/v1/operations', headers: t.auth(), payload: { action: 'soft_delete', selector: { ids: [999999] }, dry_run: true } });
      assert.ok([200, 202].includes(made.statusCode), made.body);
      const native = await t.app.inject({ method: 'GET', url: '/v1/operations?via=native', headers: t.auth() });
      const sendgrid = await t.app.inject({ method: 'GET', url: '/v1/operations?via=sendgrid', headers: t.auth() });
      assert.equal(native.statusCode, 200);
      assert.ok(native.json().data.length >= 1);
      assert.equal(sendgrid.json().data.length, 0);
    });
  });
}
