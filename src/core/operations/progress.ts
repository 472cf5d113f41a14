import type { Operation } from './operation.js';

/** Rate (targets per second since start) and ETA of the work left, for progress displays. */
export function withRates(op: Operation, now: number): Operation {
  if (op.startedAt === null) return op;
  const end = op.finishedAt ?? now;
  const seconds = Math.max(0.001, (end - op.startedAt) / 1000);
  const rate = op.counts.processed / seconds;
  const left = Math.max(0, op.counts.expected - op.counts.processed);
  return {
    ...op,
    ratePerSecond: Math.round(rate * 10) / 10,
    etaSeconds: op.finishedAt !== null ? 0 : rate > 0 ? Math.ceil(left / rate) : null,
  };
}
