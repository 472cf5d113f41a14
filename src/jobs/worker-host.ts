import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export interface WorkerHost {
  /** Wakes the worker: new work was queued. */
  notify(): void;
  /** Lets the step in flight finish, then ends the thread. */
  stop(): Promise<void>;
}

/**
 * Starts the operations worker in a worker thread. Built, the thread runs
 * `worker-thread.js`; run from source (tsx), a thread does not inherit tsx's loader, so a
 * small bootstrap registers it before importing `worker-thread.ts`.
 */
export function startWorkerThread(config: Readonly<Config>, logger: Logger): WorkerHost {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./worker-thread.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  const options = { workerData: { config: { ...config } } };
  const worker = fromSource
    ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`, { ...options, eval: true })
    : new Worker(entry, options);
  let exited = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => ((exited = true), resolve())));
  worker.on('error', (error) => logger.error({ err: error }, 'operations worker thread failed'));
  return {
    notify: () => {
      if (!exited) worker.postMessage('wake');
    },
    stop: async () => {
      if (exited) return;
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 30_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
