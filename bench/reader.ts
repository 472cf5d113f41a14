/**
 * The second process of the read-latency scenario: single-contact GETs over HTTP, one
 * at a time on a keep-alive connection, until the parent says stop; then it sends back
 * the latencies' summary. Run as a child with an IPC channel:
 * `node --import tsx bench/reader.ts <baseUrl> <key> <maxContactId>`.
 */
import http from 'node:http';
import { prng } from './generate.js';

export interface LatencySummary {
  requests: number;
  /** Answers other than 200 and 404 (errors, timeouts). */
  errors: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  seconds: number;
}

export function summarize(latencies: number[], statuses: Record<string, number>, errors: number, seconds: number): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number));
  return { requests: sorted.length, errors, statuses, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted[sorted.length - 1] ?? 0, seconds };
}

async function main(): Promise<void> {
  const [baseUrl = '', key = '', maxIdText = '1'] = process.argv.slice(2);
  const maxId = Number(maxIdText);
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const random = prng(7);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let running = true;
  let started = performance.now();
  process.on('message', (message) => {
    if (message === 'stop') running = false;
  });
  const get = (id: number) =>
    new Promise<number>((resolve) => {
      const req = http.get({ host: url.hostname, port: url.port, path: `/v1/contacts/${id}`, agent, headers: { authorization: `Bearer ${key}` }, timeout: 30_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(0));
    });
  // Warm the connection and the server's code paths; then tell the parent that timing starts.
  for (let i = 0; i < 20; i++) await get(1 + Math.floor(random() * maxId));
  process.send?.('ready');
  started = performance.now();
  while (running) {
    const id = 1 + Math.floor(random() * maxId);
    const t = performance.now();
    const status = await get(id);
    latencies.push(performance.now() - t);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status !== 200 && status !== 404) errors++;
  }
  agent.destroy();
  process.send?.(summarize(latencies, statuses, errors, (performance.now() - started) / 1000));
  process.disconnect?.();
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) await main();
