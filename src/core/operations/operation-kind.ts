import type { Repositories, ScrubbableTable } from '../ports.js';
import type { CountsDelta, Operation, OperationChunk } from './operation.js';

/**
 * A kind of background work run by the operations worker (deletion, imports).
 * - `plan` runs once, in one transaction, when a worker first claims the operation: it
 *   returns the chunk ranges (target seq ranges or contact id ranges) and, when it knows
 *   it, the expected count.
 * - `processChunk` runs in the transaction that also marks the chunk done and adds its
 *   counts to the operation: it commits with its progress or not at all. It must be
 *   idempotent in effect (a row already gone counts as done).
 * - `scrubTables`: tables to scrub after the operation ends (erasure, purge); none for others.
 */
export interface OperationKindHandler {
  plan(tx: Repositories, operation: Operation, context: PlanContext): Promise<{ chunks: Array<{ rangeStart: number; rangeEnd: number }>; expected?: number }>;
  processChunk(tx: Repositories, operation: Operation, chunk: OperationChunk, context: ChunkContext): Promise<CountsDelta>;
  scrubTables?(operation: Operation): readonly ScrubbableTable[];
}

export interface PlanContext {
  now: number;
  /** Target seqs or contacts per chunk. */
  chunkSize: number;
}

export interface ChunkContext {
  now: number;
}
