import type { Core } from '../core/core.js';
import type { Logger } from '../logger.js';
import { OperationRunner } from './runner.js';

export interface WorkerOptions {
  chunkSize: number;
  /** Sleep between looks for work when idle. */
  pollMs: number;
  /** How often the scheduler queues purges that are due. */
  schedulerIntervalMs: number;
  /** Return once no work is left (`lethe worker --until-idle`). */
  untilIdle?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
  workerId?: string;
}

/** Wakes a sleeping worker loop at once (new work was queued in this process). */
export class WorkSignal {
  #wake: (() => void) | undefined;
  #pending = false;
  notify(): void {
    this.#pending = true;
    this.#wake?.();
  }
  /** Resolves after `ms`, or earlier on notify or abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.#pending || signal?.aborted) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#wake = undefined;
        this.#pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.#wake = done;
    });
  }
}

/**
 * The worker loop: runs the scheduler now and then, and operations step by step until
 * aborted (or, with `untilIdle`, until nothing is left to do). A step that throws is
 * logged and retried after a pause; the loop itself never dies of one.
 */
export async function runWorker(core: Core, options: WorkerOptions, wake: WorkSignal = new WorkSignal()): Promise<void> {
  const runner = new OperationRunner(core, { chunkSize: options.chunkSize, ...(options.logger ? { logger: options.logger } : {}), ...(options.workerId ? { workerId: options.workerId } : {}) });
  let lastSchedule = -Infinity;
  options.logger?.info({ workerId: runner.workerId, chunkSize: options.chunkSize }, 'operations worker started');
  while (!options.signal?.aborted) {
    let worked = false;
    try {
      // Wall time, not the injectable clock: this is how often to look, not a business rule.
      if (Date.now() - lastSchedule >= options.schedulerIntervalMs) {
        lastSchedule = Date.now();
        const queued = await core.operations.schedulePurges();
        if (queued.length > 0) options.logger?.info({ operations: queued.map((op) => op.id) }, 'scheduler queued purges');
      }
      worked = await runner.step();
    } catch (error) {
      options.logger?.warn({ err: { name: (error as Error)?.name, code: (error as { code?: unknown })?.code } }, 'worker step failed; retrying');
      await wake.sleep(options.pollMs, options.signal);
      continue;
    }
    if (worked) {
      // Let timers and I/O of this event loop run between chunks.
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    if (options.untilIdle) break;
    await wake.sleep(options.pollMs, options.signal);
  }
  options.logger?.info({ workerId: runner.workerId }, 'operations worker stopped');
}
