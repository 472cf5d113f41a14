import type { SurfaceApp, SurfaceContext } from '../../surface.js';
import { invalid } from '../../../core/errors.js';
import type { Operation } from '../../../core/operations/operation.js';
import { operationOutcome } from '../../../core/operations/outcome.js';
import type { AnalyticsBucket } from '../../../core/reports/operation-reports.service.js';
import { lowerQuery } from './case.js';
import { ANALYTICS_STATUS, DELETE_LABEL, envelope, mcDate } from './wire.js';


/** Marketing Cloud's UTC dates: `2019-02-18T00:00:00`, optionally with a fraction and a `Z`. */
const UTC_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,7})?)?)?Z?$/;

function utcDate(raw: string | undefined, name: string): number {
  if (raw === undefined || raw.trim() === '') throw invalid(name, `${name} is required (UTC, like 2019-02-18T00:00:00)`);
  const match = UTC_DATE.exec(raw.trim());
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4] ?? 0), Number(match[5] ?? 0), Number(match[6] ?? 0)) : Number.NaN;
  if (!match || !Number.isFinite(ms) || new Date(ms).getUTCDate() !== Number(match[3])) throw invalid(name, `${name} is not a UTC date like 2019-02-18T00:00:00`);
  return ms;
}

function range(query: Record<string, string>): { from: number; to: number } {
  const from = utcDate(query.startdateutc, 'startdateutc');
  const to = utcDate(query.enddateutc, 'enddateutc');
  if (from >= to) throw invalid('enddateutc', 'enddateutc must be after startdateutc');
  return { from, to };
}

/** The summary's bucket times, as Marketing Cloud's sample shows them: `01-15-2018 00:00:00`. */
function summaryTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(5, 7)}-${iso.slice(8, 10)}-${iso.slice(0, 4)} ${iso.slice(11, 19)}`;
}

const STATUS_SERIES = [
  { statusid: 1, status: 'Processing', of: (b: AnalyticsBucket) => b.operations.queued + b.operations.processing },
  { statusid: 5, status: 'Completed', of: (b: AnalyticsBucket) => b.operations.completed },
  { statusid: 7, status: 'Invalid', of: (b: AnalyticsBucket) => b.operations.failed + b.operations.canceled },
] as const;

function series(buckets: readonly AnalyticsBucket[], of: (b: AnalyticsBucket) => number) {
  const items = buckets.map((b) => ({ time: summaryTime(b.start), value: of(b) }));
  const values = items.map((i) => i.value);
  return { requestcount: values.reduce((a, b) => a + b, 0), minvalue: values.length ? Math.min(...values) : 0, maxvalue: values.length ? Math.max(...values) : 0, items };
}

/** Most delete operations one analytics request looks through. */
const MAX_SCANNED = 10_000;

/**
 * Marketing Cloud's delete analytics: the delete requests of a date range (paged, by
 * status) and their hourly or daily time series by status, from core's operations and
 * their analytics. Dates are required, UTC.
 */
export async function analyticsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.get('/v1/contacts/analytics/deleterequests', {
    config: { scope: 'read' },
    schema: {
      summary: 'Marketing Cloud delete requests between startdateutc and enddateutc (required, UTC), statusid 1 Processing, 5 Completed, 7 Invalid; $page, $pagesize, $orderby',
    },
  }, async (request) => {
    const query = lowerQuery(request.query);
    const { from, to } = range(query);
    const statusId = query.statusid === undefined ? undefined : Number(query.statusid);
    if (statusId !== undefined && ![1, 5, 7].includes(statusId)) throw invalid('statusid', 'statusid is 1 (Processing), 5 (Completed) or 7 (Invalid)');
    const page = query.$page === undefined ? 1 : Number(query.$page);
    const size = query.$pagesize === undefined ? 20 : Number(query.$pagesize);
    if (!Number.isInteger(page) || page < 1) throw invalid('$page', '$page is a page number from 1');
    if (!Number.isInteger(size) || size < 1 || size > 500) throw invalid('$pagesize', '$pagesize is 1 to 500');
    const order = (query.$orderby ?? 'operationId desc').trim().toLowerCase().split(/\s+/);
    if (!['operationid', 'receiveddateutc'].includes(order[0] ?? '') || !['asc', 'desc', undefined].includes(order[1]) || order.length > 2) {
      throw invalid('$orderby', '$orderby is operationId or receivedDateUtc, then asc or desc');
    }
    const found: Operation[] = [];
    let scanned = 0;
    let cursor: string | undefined;
    do {
      const batch = await core.operations.list(request.actor, { action: 'soft_delete', from, to, limit: 200, ...(cursor !== undefined ? { cursor } : {}) });
      scanned += batch.items.length;
      found.push(...batch.items.filter((op) => op.label === DELETE_LABEL && (statusId === undefined || ANALYTICS_STATUS[operationOutcome(op)].id === statusId)));
      cursor = batch.nextCursor ?? undefined;
    } while (cursor !== undefined && scanned < MAX_SCANNED);
    // Listed newest first; ids and creation times rise together.
    if (order[1] === 'asc') found.reverse();
    const now = core.deps.clock.now();
    return {
      startDateUtc: mcDate(from),
      endDateUtc: mcDate(to),
      statusAsOfDateUtc: new Date(now).toISOString(),
      pageNumber: page,
      pageSize: size,
      operations: found.slice((page - 1) * size, page * size).map((op) => ({
        operationId: op.id,
        totalContactCount: op.counts.expected,
        completedContactCount: op.counts.succeeded,
        receivedDateUtc: mcDate(op.createdAt),
        status: ANALYTICS_STATUS[operationOutcome(op)].name,
        lastStatusDateUtc: mcDate(op.finishedAt ?? op.startedAt ?? op.createdAt),
        deleteMethod: op.selectorKind === 'list' ? 'List Reference' : 'Contact Key/ID',
      })),
      ...envelope(now),
    };
  });

  app.get('/v1/contacts/analytics/deleterequests/summary', {
    config: { scope: 'read' },
    schema: {
      summary: 'Marketing Cloud delete request summary: hourly (ranges up to 48 hours) or daily time series of delete requests, in total and by status',
    },
  }, async (request) => {
    const { from, to } = range(lowerQuery(request.query));
    const hourly = to - from <= 48 * 3_600_000;
    const analytics = await core.operationReports.analytics(request.actor, { from, to, interval: hourly ? 'hour' : 'day', action: 'soft_delete' });
    const now = core.deps.clock.now();
    return {
      startdateutc: mcDate(from),
      enddateutc: mcDate(to),
      statusasofdateutc: new Date(now).toISOString(),
      interval: hourly ? 0 : 1,
      itemcount: analytics.buckets.length,
      totaltimeseries: [series(analytics.buckets, (b) => b.operations.total)],
      statustimeseries: STATUS_SERIES.map((s) => ({ statusid: s.statusid, status: s.status, ...series(analytics.buckets, s.of) })),
      ...envelope(now),
    };
  });
}
