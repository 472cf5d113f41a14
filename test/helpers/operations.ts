import type { TestApp } from './app.js';
import { OperationRunner } from '../../src/jobs/runner.js';

/**
 * Runs the worker in-process until no work is left: first the scheduler's pass (purges
 * that are due at the test clock's time), then every step of every operation. Returns
 * the number of steps taken.
 */
export async function drainOperations(t: TestApp, options: { chunkSize?: number; schedule?: boolean } = {}): Promise<number> {
  if (options.schedule !== false) await t.lethe.core.operations.schedulePurges();
  const runner = new OperationRunner(t.lethe.core, { chunkSize: options.chunkSize ?? t.config.chunkSize });
  return runner.runUntilIdle();
}

/** A runner for tests that step by hand (cancel between chunks, two runners on one operation). */
export function testRunner(t: TestApp, chunkSize = t.config.chunkSize, workerId?: string): OperationRunner {
  return new OperationRunner(t.lethe.core, { chunkSize, ...(workerId ? { workerId } : {}) });
}
