import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './app.js';
import { createKey } from './api.js';

/** A key as a Mailjet client holds it: the public id (API key) and the secret (secret key). */
export interface MailjetKey {
  apiKey: string;
  apiSecret: string;
  headers: Record<string, string>;
}

export function basicHeader(apiKey: string, apiSecret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}` };
}

/** A new key of the acting account (or of the account named by `on-behalf-of`), split for Basic auth. */
export async function mailjetKey(t: TestApp, scopes: string[] = ['read', 'write', 'erase'], headers: Record<string, string> = {}): Promise<MailjetKey> {
  const key = await createKey(t, scopes, headers);
  const match = /^lethe_([0-9a-f]+)_([0-9a-f]+)$/.exec(key);
  if (!match) throw new Error('unexpected key format');
  const [, apiKey = '', apiSecret = ''] = match;
  return { apiKey, apiSecret, headers: basicHeader(apiKey, apiSecret) };
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Requests as Mailjet's clients send them: Basic auth and a JSON content type on every call. */
export interface MailjetApi {
  request(method: Method, url: string, body?: unknown): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  put(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  delete(url: string, body?: unknown): Promise<LightMyRequestResponse>;
}

export function mailjetApi(t: TestApp, headers: Record<string, string>): MailjetApi {
  const request = (method: Method, url: string, body?: unknown) =>
    t.app.inject({ method, url, headers: { ...headers, 'content-type': 'application/json' }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
  return {
    request,
    get: (url) => request('GET', url),
    post: (url, body) => request('POST', url, body),
    put: (url, body) => request('PUT', url, body),
    delete: (url, body) => request('DELETE', url, body),
  };
}
