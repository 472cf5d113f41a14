import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api';
import type { Operation, Page } from '../api';
import { ACTION_NAMES, actionName, n, pct, SURFACES, when } from '../format';
import { ErrorNote, PageTitle, StateBadge, Table } from '../widgets';

interface Filters { state: string; action: string; via: string; from: string; to: string }
const EMPTY: Filters = { state: '', action: '', via: '', from: '', to: '' };
const PAGE = 50;

/** Dates from the form (days, UTC) as the API's times: `to` includes its whole day. */
const toTime = (day: string, end: boolean): string | undefined => {
  if (!day) return undefined;
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(t) ? undefined : new Date(end ? t + 86_400_000 : t).toISOString();
};

/** Every operation of the account, newest first, a page at a time (cursor paging: as fast on page 2,000 as on page 1). */
export function OperationsPage() {
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  // The cursors of the pages before this one, to go back.
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [page, setPage] = useState<Page<Operation> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const cursor = cursors[cursors.length - 1] ?? null;

  useEffect(() => {
    setError(null);
    setPage(null);
    const q = query({ limit: PAGE, cursor, state: applied.state, action: applied.action, via: applied.via, from: toTime(applied.from, false), to: toTime(applied.to, true) });
    api<Page<Operation>>('GET', `/operations${q}`).then(setPage, setError);
  }, [applied, cursor]);

  const field = (name: keyof Filters) => ({
    value: filters[name],
    onInput: (e: Event) => setFilters({ ...filters, [name]: (e.target as HTMLInputElement).value }),
  });
  const apply = (e: Event) => {
    e.preventDefault();
    setCursors([null]);
    setApplied(filters);
  };

  return (
    <>
      <PageTitle title="Operations">Operations</PageTitle>
      <form class="filters" onSubmit={apply} aria-label="Filter operations">
        <label>State
          <select {...field('state')}>
            <option value="">any</option>
            {['queued', 'processing', 'completed', 'failed', 'canceled'].map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>Action
          <select {...field('action')}>
            <option value="">any</option>
            {Object.entries(ACTION_NAMES).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        </label>
        <label>API
          <select {...field('via')}>
            <option value="">any</option>
            {SURFACES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>From <input type="date" {...field('from')} /></label>
        <label>To <input type="date" {...field('to')} /></label>
        <button type="submit">Filter</button>
        <button type="button" class="secondary" onClick={() => { setFilters(EMPTY); setCursors([null]); setApplied(EMPTY); }}>Clear</button>
      </form>
      <ErrorNote error={error} />
      <Table caption="Operations, newest first">
        <thead>
          <tr><th scope="col">#</th><th scope="col">Action</th><th scope="col">Label</th><th scope="col">State</th><th scope="col" class="num">Targets</th><th scope="col" class="num">Done</th><th scope="col">API</th><th scope="col">Created</th></tr>
        </thead>
        <tbody>
          {page?.data.map((op) => (
            <tr key={op.id}>
              <td><a href={`#/operations/${op.id}`}>{op.id}</a></td>
              <td>{actionName(op.action)}{op.dry_run ? ' (dry run)' : ''}</td>
              <td>{op.label ?? ''}</td>
              <td><StateBadge state={op.outcome} /></td>
              <td class="num">{n(op.counts.expected)}</td>
              <td class="num">{pct(op.progress)}</td>
              <td>{op.requested_by.via}</td>
              <td>{when(op.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </Table>
      {page && page.data.length === 0 ? <p>No operation matches.</p> : null}
      {!page && !error ? <p role="status">Loading…</p> : null}
      <nav class="pager" aria-label="Pages of operations">
        <button type="button" class="secondary" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
        <span>Page {n(cursors.length)}</span>
        <button type="button" class="secondary" disabled={!page?.next_cursor} onClick={() => page?.next_cursor && setCursors([...cursors, page.next_cursor])}>Next page</button>
      </nav>
    </>
  );
}
