import type { ContactFilter } from '../lifecycle/lifecycle.js';
import type { Repositories } from '../ports.js';
import type { Operation, ValueSelectorKind } from './operation.js';
import { VALUE_SELECTOR_KINDS } from './operation.js';

export const isValueSelector = (kind: string): kind is ValueSelectorKind => (VALUE_SELECTOR_KINDS as readonly string[]).includes(kind);

/**
 * The chunks of an operation: ranges of target seqs when it names values, else ranges of
 * contact ids matching `filter` (with how many there are). Shared by every kind of operation.
 */
export async function planChunks(tx: Repositories, operation: Operation, filter: ContactFilter, chunkSize: number): Promise<{ chunks: Array<{ rangeStart: number; rangeEnd: number }>; expected?: number }> {
  if (isValueSelector(operation.selectorKind)) {
    const rows = Number(operation.params.targetRows ?? 0);
    const chunks = [];
    for (let start = 1; start <= rows; start += chunkSize) chunks.push({ rangeStart: start, rangeEnd: Math.min(rows, start + chunkSize - 1) });
    return { chunks };
  }
  const { ranges, total } = await tx.lifecycle.planRanges(operation.accountId, filter, chunkSize);
  return { chunks: ranges, expected: total };
}
