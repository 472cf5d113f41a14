import cliProgress from 'cli-progress';
import type { Operation } from '../core/operations/operation.js';

/** How an operation's progress is shown while the CLI waits for it. */
export interface ProgressView {
  update(operation: Operation): void;
  /** The final state: the bar is closed and one summary line written. */
  finish(operation: Operation): void;
}

const number = (n: number): string => n.toLocaleString('en-US');

/** Seconds as `1h 02m`, `3m 05s` or `42s`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

const rateOf = (op: Operation): string => (op.ratePerSecond === null ? '?' : number(Math.round(op.ratePerSecond)));

/** One line of progress, for logs and pipes. */
export function progressLine(op: Operation): string {
  const { processed, expected } = op.counts;
  const percent = expected > 0 ? ` (${((100 * processed) / expected).toFixed(1)}%)` : '';
  return `operation ${op.id} ${op.state}: ${number(processed)}/${number(expected)}${percent}, ${rateOf(op)}/s, ETA ${formatDuration(op.etaSeconds)}`;
}

/** The line a finished operation leaves. */
export function summaryLine(op: Operation): string {
  const c = op.counts;
  const took = op.startedAt !== null && op.finishedAt !== null ? ` in ${formatDuration((op.finishedAt - op.startedAt) / 1000)}` : '';
  const what = op.dryRun ? 'would be affected' : 'succeeded';
  return (
    `operation ${op.id} ${op.state}${op.dryRun ? ' (dry run)' : ''}: ${number(c.processed)} processed, ${number(c.succeeded)} ${what}, ` +
    `${number(c.notFound)} not found, ${number(c.invalid)} invalid, ${number(c.failed)} failed, ${number(c.skipped)} skipped, ${number(c.duplicates)} duplicates${took}` +
    (op.error ? ` (error ${op.error.code})` : '')
  );
}

/**
 * A progress bar with rate and ETA on a terminal; otherwise a plain line whenever the
 * state changes or at most every `lineEveryMs` while the counts move.
 */
export function createProgressView(stream: NodeJS.WriteStream, options: { quiet?: boolean; lineEveryMs?: number } = {}): ProgressView {
  if (options.quiet) return { update: () => undefined, finish: () => undefined };
  if (stream.isTTY) return barView(stream);
  return lineView(stream, options.lineEveryMs ?? 1000);
}

function barView(stream: NodeJS.WriteStream): ProgressView {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'operation {id} {state} |{bar}| {percentage}% | {value}/{total} | {rate}/s | ETA {eta_text}',
      hideCursor: true,
      barsize: 30,
      fps: 5,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const payload = (op: Operation) => ({ id: op.id, state: op.state, rate: rateOf(op), eta_text: formatDuration(op.etaSeconds) });
  return {
    update(op) {
      if (!started) {
        bar.start(Math.max(op.counts.expected, 1), op.counts.processed, payload(op));
        started = true;
      }
      bar.setTotal(Math.max(op.counts.expected, 1));
      bar.update(op.counts.processed, payload(op));
    },
    finish(op) {
      if (started) {
        bar.update(op.counts.processed, payload(op));
        bar.stop();
      }
      stream.write(`${summaryLine(op)}\n`);
    },
  };
}

function lineView(stream: NodeJS.WriteStream, lineEveryMs: number): ProgressView {
  let lastState = '';
  let lastProcessed = -1;
  let lastAt = 0;
  return {
    update(op) {
      const now = Date.now();
      const changed = op.state !== lastState || (op.counts.processed !== lastProcessed && now - lastAt >= lineEveryMs);
      if (!changed) return;
      stream.write(`${progressLine(op)}\n`);
      lastState = op.state;
      lastProcessed = op.counts.processed;
      lastAt = now;
    },
    finish(op) {
      stream.write(`${summaryLine(op)}\n`);
    },
  };
}
