import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export interface WorkerHost {
  /** Wakes the worker: new work was queued. */
  notify(): void;
  /** Lets the step in flight finish, then ends the thread. */
  stop(): Promise<void>;
}

/** Starts the operations worker in a worker thread (run from source, the thread runs the .ts entry through tsx). */
export function startWorkerThread(config: Readonly<Config>, logger: Logger): WorkerHost {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const entry = new URL(`./worker-thread.${extension}`, import.meta.url);
  const workerData = { config: { ...config } };
  // From source, `node --import tsx` hooks do not reach worker threads on Node 20: the
  // thread registers tsx itself before it imports the .ts entry.
  const worker =
    extension === 'ts'
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true, workerData })
      : new Worker(entry, { workerData });
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
