import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { Operation } from '../../src/core/operations/operation.js';
import { createProgressView, formatDuration, progressLine, summaryLine } from '../../src/cli/progress.js';

const operation = (patch: Partial<Operation> & { processed?: number } = {}): Operation => {
  const { processed = 0, ...rest } = patch;
  // A cast, so that fields the engine adds later do not break this test of the CLI's view.
  return {
    id: 7, uuid: 'u', accountId: 1, parentId: null, kind: 'operation', action: 'erase', label: null, selectorKind: 'emails', selectorSize: 10, dryRun: false,
    state: 'processing',
    counts: { expected: 200_000, processed, succeeded: processed, notFound: 0, invalid: 0, failed: 0, skipped: 0, duplicates: 0 },
    createdAt: 0, startedAt: 1000, finishedAt: null, ratePerSecond: 2500.4, etaSeconds: 75, via: 'cli', requestedByKeyId: null, error: null, children: [],
    params: {}, scrubbedAt: null, cancelRequestedAt: null, chunksTotal: 0, chunksDone: 0, attempts: 0,
    ...rest,
  } as Operation;
};

/** A non-TTY stream that keeps what is written. */
function sink(): NodeJS.WriteStream & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _encoding, callback) { chunks.push(chunk.toString('utf8')); callback(); } });
  return Object.assign(stream, { isTTY: false, text: () => chunks.join('') }) as unknown as NodeJS.WriteStream & { text: () => string };
}

describe('CLI progress', () => {
  it('formats durations, progress lines and summaries', () => {
    assert.equal(formatDuration(42.4), '42s');
    assert.equal(formatDuration(185), '3m 05s');
    assert.equal(formatDuration(3 * 3600 + 120), '3h 02m');
    assert.equal(formatDuration(null), '?');
    assert.equal(progressLine(operation({ processed: 50_000 })), 'operation 7 processing: 50,000/200,000 (25.0%), 2,500/s, ETA 1m 15s');
    assert.equal(progressLine(operation({ state: 'queued', ratePerSecond: null, etaSeconds: null, counts: { expected: 0, processed: 0, succeeded: 0, notFound: 0, invalid: 0, failed: 0, skipped: 0, duplicates: 0 } })), 'operation 7 queued: 0/0, ?/s, ETA ?');
    const done = operation({ state: 'completed', processed: 200_000, finishedAt: 81_000, dryRun: true });
    assert.equal(summaryLine(done), 'operation 7 completed (dry run): 200,000 processed, 200,000 would be affected, 0 not found, 0 invalid, 0 failed, 0 skipped, 0 duplicates in 1m 20s');
  });

  it('writes a plain line per state change and at most one per interval while counts move', () => {
    const out = sink();
    const view = createProgressView(out, { lineEveryMs: 60_000 });
    view.update(operation({ state: 'queued' }));
    view.update(operation({ processed: 1 }));
    view.update(operation({ processed: 2 }));
    view.update(operation({ processed: 3 }));
    view.finish(operation({ state: 'completed', processed: 200_000, finishedAt: 2000 }));
    const lines = out.text().trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(':')[0]), ['operation 7 queued', 'operation 7 processing', 'operation 7 completed']);
    assert.ok(!out.text().includes('\u001b['), 'no control codes off a terminal');
    const quiet = sink();
    const silent = createProgressView(quiet, { quiet: true });
    silent.update(operation());
    silent.finish(operation({ state: 'completed' }));
    assert.equal(quiet.text(), '');
  });
});
