import type { Operation } from './operation.js';

/**
 * What became of an operation, in one word every surface maps from: each vendor's job
 * status and the native API's `outcome` are lookups of this, never their own rules.
 * `completed_with_errors`: finished, and some targets were invalid or failed (an import
 * whose every row was invalid is this too, not `completed`).
 */
export const OPERATION_OUTCOMES = ['pending', 'running', 'completed', 'completed_with_errors', 'failed', 'canceled'] as const;
export type OperationOutcome = (typeof OPERATION_OUTCOMES)[number];

export function operationOutcome(operation: Pick<Operation, 'state' | 'counts'>): OperationOutcome {
  switch (operation.state) {
    case 'queued':
      return 'pending';
    case 'processing':
      return 'running';
    case 'failed':
      return 'failed';
    case 'canceled':
      return 'canceled';
    case 'completed':
      return operation.counts.invalid + operation.counts.failed > 0 ? 'completed_with_errors' : 'completed';
  }
}
