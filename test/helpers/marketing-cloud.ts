import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './app.js';

/** A Lethe key split into Marketing Cloud's client id and secret. */
export function clientOf(key: string): { clientId: string; clientSecret: string } {
  const match = /^lethe_([0-9a-f]+)_([0-9a-f]+)$/.exec(key);
  assert.ok(match, 'a key in Lethe\'s format');
  return { clientId: match[1] as string, clientSecret: match[2] as string };
}

/** `POST /v2/token` with a key (and optionally a business unit id). */
export function requestToken(t: TestApp, key: string, accountId?: number | string): Promise<LightMyRequestResponse> {
  const { clientId, clientSecret } = clientOf(key);
  return t.app.inject({
    method: 'POST',
    url: '/v2/token',
    payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...(accountId !== undefined ? { account_id: accountId } : {}) },
  });
}

/** An access token for a key (and business unit), as `Authorization` headers. */
export async function mcAuth(t: TestApp, key: string, accountId?: number): Promise<{ authorization: string }> {
  const res = await requestToken(t, key, accountId);
  assert.equal(res.statusCode, 200, res.body);
  return { authorization: `Bearer ${(res.json() as { access_token: string }).access_token}` };
}

/** Asserts a refusal in the contacts envelope (`resultMessages`, `hasErrors`). */
export function assertResultError(res: LightMyRequestResponse, status: number, message?: RegExp): void {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json() as { hasErrors: boolean; resultMessages: Array<{ resultType: string; message: string }>; requestServiceMessageID: string };
  assert.equal(body.hasErrors, true);
  assert.equal(body.resultMessages[0]?.resultType, 'Error');
  assert.equal(typeof body.requestServiceMessageID, 'string');
  if (message) assert.match(body.resultMessages[0]?.message ?? '', message);
}

/** Asserts a refusal in the gateway's shape (`{message, errorcode, documentation}`). */
export function assertGatewayError(res: LightMyRequestResponse, status: number): void {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json() as { message: unknown; errorcode: unknown; documentation: unknown };
  assert.equal(typeof body.message, 'string');
  assert.equal(typeof body.errorcode, 'number');
  assert.equal(typeof body.documentation, 'string');
  assert.ok(!/at .*\.ts|sqlite|postgres/i.test(res.body), 'no stack or driver message');
}
