import { randomBytes } from 'node:crypto';
import type { Core } from '../core/core.js';
import type { Logger } from '../logger.js';
import { OperationRunner } from './runner.js';
import { WebhookSender } from './webhook-sender.js';
import type { WebhookSenderOptions } from './webhook-sender.js';

export interface WorkerOptions {
  chunkSize: number;
  /** Sleep between looks for work when idle. */
  pollMs: number;
  /** How often the scheduler queues purges that are due. */
  schedulerIntervalMs: number;
  /**
   * Steps run at once, each on its own connection (PostgreSQL: chunks of one operation are
   * claimed with SKIP LOCKED, so they never overlap). Engines with one writer run one.
   */
  concurrency?: number;
  /** Return once no work is left (`lethe worker --until-idle`). */
  untilIdle?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
  workerId?: string;
  /** Sends the webhook outbox in a loop of its own (slow receivers never delay operations); absent: not sent here. */
  webhooks?: Omit<WebhookSenderOptions, 'logger'>;
}

/** Wakes sleeping worker loops at once (new work was queued in this process, or a sibling loop found some). */
export class WorkSignal {
  readonly #sleepers = new Set<() => void>();
  #pending = false;
  notify(): void {
    if (this.#sleepers.size === 0) this.#pending = true;
    for (const wake of [...this.#sleepers]) wake();
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
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.#sleepers.add(done);
    });
  }
}

/**
 * The worker loop: runs the scheduler now and then, and operations step by step until
 * aborted (or, with `untilIdle`, until nothing is left to do, scrubs owed included). A step that throws is
 * logged and retried after a pause; the loop itself never dies of one. With a concurrency
 * above one, that many loops share the work (the scheduler runs in the first).
 */
export async function runWorker(core: Core, options: WorkerOptions, wake: WorkSignal = new WorkSignal()): Promise<void> {
  const concurrency = core.deps.store.capabilities.singleWriter ? 1 : Math.max(1, options.concurrency ?? 1);
  const workerId = options.workerId ?? `worker-${process.pid}-${randomBytes(3).toString('hex')}`;
  options.logger?.info({ workerId, chunkSize: options.chunkSize, concurrency }, 'operations worker started');
  await Promise.all([
    ...Array.from({ length: concurrency }, (_, i) => workerLoop(core, options, wake, concurrency === 1 ? workerId : `${workerId}.${i + 1}`, { schedules: i === 0, siblings: concurrency > 1 })),
    ...(options.webhooks ? [webhookLoop(core, options, options.webhooks)] : []),
  ]);
  options.logger?.info({ workerId }, 'operations worker stopped');
}

async function workerLoop(core: Core, options: WorkerOptions, wake: WorkSignal, workerId: string, { schedules, siblings }: { schedules: boolean; siblings: boolean }): Promise<void> {
  const runner = new OperationRunner(core, { chunkSize: options.chunkSize, workerId, ...(options.logger ? { logger: options.logger } : {}) });
  let lastSchedule = -Infinity;
  while (!options.signal?.aborted) {
    let worked = false;
    try {
      // Wall time, not the injectable clock: this is how often to look, not a business rule.
      if (schedules && Date.now() - lastSchedule >= options.schedulerIntervalMs) {
        lastSchedule = Date.now();
        const queued = await core.operations.schedulePurges();
        if (queued.length > 0) options.logger?.info({ operations: queued.map((op) => op.id) }, 'scheduler queued purges');
        const { expired } = await core.requests.schedule();
        if (expired > 0) options.logger?.info({ exports: expired }, 'scheduler deleted expired exports');
      }
      worked = await runner.step();
    } catch (error) {
      options.logger?.warn({ err: { name: (error as Error)?.name, code: (error as { code?: unknown })?.code } }, 'worker step failed; retrying');
      await wake.sleep(options.pollMs, options.signal);
      continue;
    }
    if (worked) {
      // A step may have made more work (a plan's chunks): sleeping siblings look now.
      if (siblings) wake.notify();
      // Let timers and I/O of this event loop run between chunks.
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    if (options.untilIdle) {
      // Idle is not done while a scrub is owed: one reserved by a worker that died is taken
      // up here as soon as its lease lapses, one postponed when it is due again.
      const owedAt = await core.deps.store.operations.nextScrubOwedAt();
      if (owedAt === undefined) break;
      await wake.sleep(Math.max(10, Math.min(options.pollMs, owedAt - core.deps.clock.now())), options.signal);
      continue;
    }
    await wake.sleep(options.pollMs, options.signal);
  }
}

/** How far ahead `--until-idle` waits for a webhook delivery due later (a retry in 5 s, a lapsing lease). */
const UNTIL_IDLE_WEBHOOK_HORIZON_MS = 60_000;

/**
 * The webhook sender's loop: one batch at a time (each attempt bounded by its timeout), then
 * a look again at once if it sent any. With `untilIdle` it ends when no delivery is due within
 * a minute (retries hours away are the next worker's).
 */
async function webhookLoop(core: Core, options: WorkerOptions, webhooks: Omit<WebhookSenderOptions, 'logger'>): Promise<void> {
  const sender = new WebhookSender(core, { ...webhooks, ...(options.logger ? { logger: options.logger } : {}) });
  while (!options.signal?.aborted) {
    let sent = 0;
    try {
      sent = await sender.step();
    } catch (error) {
      options.logger?.warn({ err: { name: (error as Error)?.name, code: (error as { code?: unknown })?.code } }, 'webhook step failed; retrying');
    }
    if (sent > 0) continue;
    if (options.untilIdle) {
      const due = await core.deps.store.webhooks.nextDueAt().catch(() => undefined);
      const wait = due === undefined ? Infinity : due - core.deps.clock.now();
      if (wait > UNTIL_IDLE_WEBHOOK_HORIZON_MS) break;
      await sleepFor(Math.max(10, Math.min(options.pollMs, wait)), options.signal);
      continue;
    }
    await sleepFor(options.pollMs, options.signal);
  }
}

function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
