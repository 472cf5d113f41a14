import { Type } from 'typebox';
import type { Static } from 'typebox';
import { toIso } from '../../core/clock.js';
import type { AnalyticsBucket, AnalyticsQuery as CoreAnalyticsQuery, OperationAnalytics, StateCounts } from '../../core/reports/operation-reports.service.js';
import { MAX_STATS_BUCKETS } from '../../core/reports/operation-stats.js';
import type { StatsInterval } from '../../core/reports/operation-stats.js';
import { parseIsoTime } from './wire.js';

/** Analytics of operations on the wire. */

export const AnalyticsQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Start of the range (default: 24 hours or 30 days before to)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'End of the range, exclusive (default: the end of the current hour or day)' })),
    interval: Type.Optional(Type.Unsafe<StatsInterval>({ type: 'string', enum: ['hour', 'day'], default: 'day', description: `Bucket width; at most ${MAX_STATS_BUCKETS} buckets` })),
    kind: Type.Optional(Type.String({ maxLength: 64, description: '"operation" for deletion work, "import.contacts" for imports' })),
    action: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
);

const Count = Type.Integer({ minimum: 0 });
const StateCountsSchema = Type.Object({ total: Count, queued: Count, processing: Count, completed: Count, failed: Count, canceled: Count });
const OutcomesSchema = Type.Object({ processed: Count, succeeded: Count, not_found: Count, invalid: Count, failed: Count });

const Figures = {
  operations: { ...StateCountsSchema, description: 'Operations created in the bucket, by their state now' },
  contacts: { ...StateCountsSchema, description: 'Targets those operations named (duplicates removed), by the operation\'s state' },
  outcomes: { ...OutcomesSchema, description: 'What became of the targets processed so far' },
};

export const AnalyticsSchema = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  interval: Type.Unsafe<StatsInterval>({ type: 'string', enum: ['hour', 'day'] }),
  buckets: Type.Array(Type.Object({ start: Type.String({ format: 'date-time' }), ...Figures })),
  totals: Type.Object(Figures),
});

export function analyticsQueryOf(q: Static<typeof AnalyticsQuery>): CoreAnalyticsQuery {
  return {
    ...(q.from !== undefined ? { from: parseIsoTime(q.from) } : {}),
    ...(q.to !== undefined ? { to: parseIsoTime(q.to) } : {}),
    ...(q.interval !== undefined ? { interval: q.interval } : {}),
    ...(q.kind !== undefined ? { kind: q.kind } : {}),
    ...(q.action !== undefined ? { action: q.action } : {}),
  };
}

const states = (c: StateCounts) => ({ total: c.total, queued: c.queued, processing: c.processing, completed: c.completed, failed: c.failed, canceled: c.canceled });

const figures = (b: Omit<AnalyticsBucket, 'start'>) => ({
  operations: states(b.operations),
  contacts: states(b.contacts),
  outcomes: { processed: b.outcomes.processed, succeeded: b.outcomes.succeeded, not_found: b.outcomes.notFound, invalid: b.outcomes.invalid, failed: b.outcomes.failed },
});

const iso = (ms: number): string => toIso(ms) ?? '';

export const presentAnalytics = (a: OperationAnalytics): Static<typeof AnalyticsSchema> => ({
  from: iso(a.from),
  to: iso(a.to),
  interval: a.interval,
  buckets: a.buckets.map((b) => ({ start: iso(b.start), ...figures(b) })),
  totals: figures(a.totals),
});
