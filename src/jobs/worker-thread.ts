import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import { createLethe } from '../main.js';
import { runWorker, WorkSignal } from './worker.js';

/**
 * Entry point of the worker thread that `lethe serve` starts: its own store connection,
 * its own event loop, so a million-contact operation never blocks the HTTP server's.
 * Messages: 'wake' (work was queued), 'stop' (finish the step in flight and exit).
 */
const { config } = workerData as { config: Config };
const port = parentPort;
if (!port) throw new Error('worker-thread.ts runs as a worker thread only');
const lethe = await createLethe(config);
const wake = new WorkSignal();
const abort = new AbortController();
port.on('message', (message: unknown) => {
  if (message === 'wake') wake.notify();
  // The host's restart test: end the thread at once, as a crash would.
  if (message === 'test:crash') process.exit(70);
  if (message === 'stop') {
    abort.abort();
    wake.notify();
  }
});
port.postMessage('ready');
try {
  await runWorker(
    lethe.core,
    { chunkSize: config.chunkSize, concurrency: config.workerConcurrency, pollMs: config.workerPollMs, schedulerIntervalMs: config.schedulerIntervalMs, signal: abort.signal, logger: lethe.logger, webhooks: { timeoutMs: config.webhooksTimeoutMs, concurrency: config.webhooksConcurrency, allowPrivate: config.webhooksAllowPrivate } },
    wake,
  );
} finally {
  await lethe.close();
  port.postMessage('stopped');
  port.close();
}
