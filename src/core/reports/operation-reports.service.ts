import type { AuditRecord } from '../audit/audit.js';
import type { CoreDeps } from '../context.js';
import type { Actor } from '../actor.js';
import { AppError, invalid, notFound } from '../errors.js';
import type { Operation, OperationState } from '../operations/operation.js';
import { MAX_STATS_BUCKETS, STATS_INTERVALS } from './operation-stats.js';
import type { OperationStatsRow, StatsInterval, ServerFigures } from './operation-stats.js';

export type StateCounts = Record<OperationState, number> & { total: number };

export interface OutcomeCounts {
  processed: number;
  succeeded: number;
  notFound: number;
  invalid: number;
  failed: number;
}

export interface AnalyticsBucket {
  start: number;
  /** Operations created in the bucket, by their state now. */
  operations: StateCounts;
  /** Contacts those operations named (duplicates removed), by the operation's state. */
  contacts: StateCounts;
  /** What became of the contacts processed so far. */
  outcomes: OutcomeCounts;
}

export interface OperationAnalytics {
  from: number;
  to: number;
  interval: StatsInterval;
  buckets: AnalyticsBucket[];
  totals: Omit<AnalyticsBucket, 'start'>;
}

export interface AnalyticsQuery {
  from?: number;
  to?: number;
  interval?: StatsInterval;
  kind?: string;
  action?: string;
}

/** The audit entry that closes an operation, to which its receipt is anchored. */
export interface ReceiptAnchor {
  accountId: number;
  seq: number;
  at: number;
  action: string;
  hash: string;
  prevHash: string;
}

export interface OperationReceipt {
  operation: Operation;
  accountName: string;
  anchor: ReceiptAnchor;
  /** Each part of a cross-account request, anchored in its own account's chain. */
  children: Array<{ operation: Operation; accountName: string; anchor: ReceiptAnchor | null }>;
  issuedAt: number;
}

const zeroStates = (): StateCounts => ({ total: 0, queued: 0, processing: 0, completed: 0, failed: 0, canceled: 0 });
const zeroOutcomes = (): OutcomeCounts => ({ processed: 0, succeeded: 0, notFound: 0, invalid: 0, failed: 0 });

const DEFAULT_SPAN: Record<StatsInterval, number> = { hour: 24 * STATS_INTERVALS.hour, day: 30 * STATS_INTERVALS.day };

/** Audit actions that close an operation, one per final state. */
const CLOSING_ACTION: Partial<Record<OperationState, string>> = {
  completed: 'operation.completed',
  failed: 'operation.failed',
  canceled: 'operation.canceled',
};

/**
 * Reports over operations: analytics in time buckets, and receipts of finished ones
 * anchored to the audit chain. Neither holds personal data: counts, kinds, times, ids.
 */
export class OperationReportsService {
  constructor(private readonly deps: CoreDeps) {}

  /** Server-wide figures for monitoring (every account: for operators, behind the admin scope). */
  serverFigures(): Promise<ServerFigures> {
    return this.deps.store.operationStats.serverFigures();
  }

  async analytics(actor: Actor, query: AnalyticsQuery): Promise<OperationAnalytics> {
    const interval = query.interval ?? 'day';
    const width = STATS_INTERVALS[interval];
    // By default up to the end of the current bucket, so that what happened just now counts.
    const to = query.to ?? (Math.floor(this.deps.clock.now() / width) + 1) * width;
    const from = query.from ?? to - DEFAULT_SPAN[interval];
    if (!Number.isFinite(from)) throw invalid('from', 'from must be an ISO 8601 date-time with a zone');
    if (!Number.isFinite(to)) throw invalid('to', 'to must be an ISO 8601 date-time with a zone');
    if (from >= to) throw invalid('from', 'from must be before to');
    const first = Math.floor(from / width) * width;
    const count = Math.ceil((to - first) / width);
    if (count > MAX_STATS_BUCKETS) throw invalid('to', `the range spans ${count} ${interval}s; at most ${MAX_STATS_BUCKETS} buckets per request`);

    const rows = await this.deps.store.operationStats.bucketsByState({
      accountId: actor.accountId,
      from,
      to,
      bucketMs: width,
      ...(query.kind !== undefined ? { kind: query.kind } : {}),
      ...(query.action !== undefined ? { action: query.action } : {}),
    });
    const buckets: AnalyticsBucket[] = Array.from({ length: count }, (_, i) => ({ start: first + i * width, operations: zeroStates(), contacts: zeroStates(), outcomes: zeroOutcomes() }));
    const totals = { operations: zeroStates(), contacts: zeroStates(), outcomes: zeroOutcomes() };
    for (const row of rows) {
      const bucket = buckets[Math.round((row.bucketStart - first) / width)];
      if (!bucket) continue;
      for (const target of [bucket, totals]) addRow(target, row);
    }
    return { from, to, interval, buckets, totals };
  }

  /**
   * The receipt of a finished operation (one the caller has already read through
   * `core.operations.get`, which checks the tenant): what was done, anchored to the audit
   * entry that closed it. CONFLICT while it is still queued or processing.
   */
  async receipt(actor: Actor, operation: Operation): Promise<OperationReceipt> {
    if (operation.accountId !== actor.accountId) throw notFound('operation');
    if (CLOSING_ACTION[operation.state] === undefined) {
      throw new AppError('CONFLICT', `operation ${operation.id} is ${operation.state}; a receipt is issued once it has finished`);
    }
    const anchor = await this.anchorOf(operation);
    if (!anchor) throw new AppError('CONFLICT', `operation ${operation.id} has finished but its audit entry is not recorded yet; retry shortly`);
    const children = await Promise.all(
      operation.children.map(async (child) => ({ operation: child, accountName: await this.accountName(child.accountId), anchor: (await this.anchorOf(child)) ?? null })),
    );
    return { operation, accountName: await this.accountName(operation.accountId), anchor, children, issuedAt: this.deps.clock.now() };
  }

  private async accountName(accountId: number): Promise<string> {
    return (await this.deps.store.accounts.findById(accountId))?.name ?? '';
  }

  private async anchorOf(operation: Operation): Promise<ReceiptAnchor | undefined> {
    const action = CLOSING_ACTION[operation.state];
    if (action === undefined) return undefined;
    const records = await this.deps.store.audit.findBySubject(operation.accountId, 'operation', String(operation.id));
    const closing = records.filter((r) => r.action === action).at(-1);
    return closing ? anchorOf(closing) : undefined;
  }
}

const anchorOf = (r: AuditRecord): ReceiptAnchor => ({ accountId: r.accountId, seq: r.seq, at: r.at, action: r.action, hash: r.hash, prevHash: r.prevHash });

function addRow(target: Omit<AnalyticsBucket, 'start'>, row: OperationStatsRow): void {
  const state = row.state as keyof StateCounts;
  if (state in target.operations && state !== 'total') {
    target.operations[state] += row.operations;
    target.contacts[state] += row.contacts;
  }
  target.operations.total += row.operations;
  target.contacts.total += row.contacts;
  target.outcomes.processed += row.processed;
  target.outcomes.succeeded += row.succeeded;
  target.outcomes.notFound += row.notFound;
  target.outcomes.invalid += row.invalid;
  target.outcomes.failed += row.failed;
}
