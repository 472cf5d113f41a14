import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

/** The embedded worker as `/health` reports it. */
export type WorkerStatus = 'running' | 'restarting' | 'stopped';

export interface WorkerHost {
  /** Wakes the worker: new work was queued. */
  notify(): void;
  /** Lets the step in flight finish, then ends the thread. */
  stop(): Promise<void>;
  status(): WorkerStatus;
  /** Times the thread was started again after it died. */
  restarts(): number;
  /** Tests only: the thread exits as if it had crashed (the host restarts it). */
  crashForTest(): void;
}

export interface WorkerHostOptions {
  /** Delay before the n-th restart in a row (default: 1 s, 2 s, 4 s … capped at a minute). */
  restartDelayMs?: (attempt: number) => number;
}

/** A thread that ran this long before dying starts its backoff over. */
const HEALTHY_RUN_MS = 60_000;

const defaultDelay = (attempt: number): number => Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));

/**
 * Starts the operations worker in a worker thread, and starts it again (with backoff) if
 * it dies. Built, the thread runs `worker-thread.js`; run from source (tsx), a thread does
 * not inherit tsx's loader, so a small bootstrap registers it before importing
 * `worker-thread.ts`.
 */
export function startWorkerThread(config: Readonly<Config>, logger: Logger, options: WorkerHostOptions = {}): WorkerHost {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./worker-thread.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  const threadOptions = { workerData: { config: { ...config } } };
  const delayOf = options.restartDelayMs ?? defaultDelay;
  let worker: Worker;
  let exit: Promise<void> = Promise.resolve();
  let status: WorkerStatus = 'running';
  let stopping = false;
  let failures = 0;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;

  const spawn = (): void => {
    const startedAt = Date.now();
    const thread = fromSource
      ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`, { ...threadOptions, eval: true })
      : new Worker(entry, threadOptions);
    worker = thread;
    status = 'running';
    // An error's message may quote values: only its kind and code are logged.
    thread.on('error', (error: Error & { code?: unknown }) => logger.error({ err: { name: error.name, code: error.code } }, 'operations worker thread failed'));
    exit = new Promise<void>((resolve) =>
      thread.once('exit', (exitCode) => {
        resolve();
        if (stopping) {
          status = 'stopped';
          return;
        }
        failures = Date.now() - startedAt >= HEALTHY_RUN_MS ? 1 : failures + 1;
        const delayMs = delayOf(failures);
        status = 'restarting';
        logger.warn({ exitCode, restartInMs: delayMs, restarts }, 'operations worker thread exited; restarting it');
        timer = setTimeout(() => {
          timer = undefined;
          if (stopping) return;
          restarts++;
          spawn();
        }, delayMs);
      }),
    );
  };
  spawn();

  return {
    notify: () => {
      if (status === 'running') worker.postMessage('wake');
    },
    stop: async () => {
      stopping = true;
      if (timer) clearTimeout(timer);
      if (status !== 'running') {
        status = 'stopped';
        return;
      }
      worker.postMessage('stop');
      const kill = setTimeout(() => void worker.terminate(), 30_000);
      await exit;
      clearTimeout(kill);
    },
    status: () => status,
    restarts: () => restarts,
    crashForTest: () => {
      if (status === 'running') worker.postMessage('test:crash');
    },
  };
}
