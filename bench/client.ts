import { BENCH_ADMIN_KEY } from './fixture.js';

/** A JSON request to a Lethe server; throws with the status and body on an unexpected status. */
export async function request<T = unknown>(baseUrl: string, method: string, path: string, body?: unknown, expect: number[] = [200, 201, 202]): Promise<{ status: number; body: T }> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed = (text ? JSON.parse(text) : null) as T;
  if (!expect.includes(response.status)) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return { status: response.status, body: parsed };
}

/** Whether the server has a route (anything but a 404 from the router). */
export async function hasRoute(baseUrl: string, method: string, path: string, body?: unknown): Promise<boolean> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // A route that exists may still answer 404 for a missing object; the router's own 404 says there is no route.
  return !(response.status === 404 && /no such route|Route .* not found/i.test(text));
}

/** The fields of an operation the bench reads (snake_case on the wire, as the native API answers). */
export interface WireOperation {
  id: number | string;
  uuid?: string;
  state: string;
  counts?: Record<string, number>;
  [key: string]: unknown;
}

const SETTLED = new Set(['completed', 'failed', 'canceled']);

/** Unwraps `{ operation: … }` or `{ data: … }` envelopes, whichever the API uses. */
function operationOf(body: unknown): WireOperation {
  const b = body as Record<string, unknown>;
  return ((b.operation ?? b.data ?? b) as WireOperation);
}

export async function createOperation(baseUrl: string, body: Record<string, unknown>): Promise<WireOperation> {
  return operationOf((await request(baseUrl, 'POST', '/v1/operations', body, [200, 201, 202])).body);
}

/** Polls an operation until it settles; returns it with the time it was first seen settled. */
export async function waitOperation(baseUrl: string, ref: number | string, options: { pollMs: number; timeoutMs: number }): Promise<WireOperation> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const op = operationOf((await request(baseUrl, 'GET', `/v1/operations/${ref}`)).body);
    if (SETTLED.has(op.state)) return op;
    if (performance.now() > deadline) throw new Error(`operation ${ref} not settled within ${options.timeoutMs} ms (state ${op.state})`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}
