import type { TestApp } from './app.js';

/**
 * Stand-in until the engine's `drainOperations` (test/helpers/operations.ts) is merged:
 * the operations tests call it to run the worker until idle.
 */
export async function drainOperations(t: TestApp): Promise<void> {
  void t;
  throw new Error('the operations worker is not merged yet');
}
