import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, FINAL_STATES, followOperation, hasScope } from '../api';
import type { Operation, Page, Session } from '../api';
import { StackedBars } from '../charts';
import type { Series } from '../charts';
import { actionName, n, when } from '../format';
import { ErrorNote, PageTitle, Progress, StateBadge, Table } from '../widgets';

interface StateCounts { total: number; queued: number; processing: number; completed: number; failed: number; canceled: number }
interface Outcomes { processed: number; succeeded: number; not_found: number; invalid: number; failed: number }
interface Analytics { from: string; to: string; buckets: Array<{ start: string; operations: StateCounts; contacts: StateCounts; outcomes: Outcomes }>; totals: { operations: StateCounts; contacts: StateCounts; outcomes: Outcomes } }
interface Verify { ok: boolean; records: number; head: { seq: number; hash: string } | null; first_break: { seq: number; reason: string } | null }

// Colours chosen for contrast against white and against each other.
const STATE_COLORS: Record<string, string> = { completed: '#15803d', processing: '#1d4ed8', queued: '#6b7280', failed: '#b91c1c', canceled: '#a16207' };
const OUTCOME_COLORS: Record<string, string> = { succeeded: '#15803d', not_found: '#6b7280', invalid: '#a16207', failed: '#b91c1c' };

export function OverviewPage({ session }: { session: Session }) {
  return (
    <>
      <PageTitle title="Overview">Overview</PageTitle>
      <Running />
      {hasScope(session, 'read') || hasScope(session, 'erase') ? <Requests /> : null}
      <Charts />
      {hasScope(session, 'admin') ? <AuditState /> : null}
    </>
  );
}

/** Operations queued or running now, each followed live through its stream. */
function Running() {
  const [ops, setOps] = useState<Operation[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stop = false;
    const load = async () => {
      try {
        const [running, queued] = await Promise.all([
          api<Page<Operation>>('GET', '/operations?state=processing&limit=20'),
          api<Page<Operation>>('GET', '/operations?state=queued&limit=20'),
        ]);
        if (!stop) setOps([...running.data, ...queued.data]);
      } catch (err) {
        if (!stop) setError(err);
      }
    };
    void load();
    // New work shows up within a few seconds; the progress of what is shown comes from the streams.
    const timer = setInterval(load, 5000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, []);
  return (
    <section aria-labelledby="running-h">
      <h2 id="running-h">Running now</h2>
      <ErrorNote error={error} />
      {ops === null ? <p role="status">Loading…</p> : ops.length === 0 ? <p>No operation is queued or running.</p> : (
        <ul class="cards">{ops.map((op, i) => <LiveCard key={op.id} initial={op} live={i < LIVE_STREAMS} />)}</ul>
      )}
    </section>
  );
}

/**
 * Streams followed at once: a browser opens at most six connections to one server over
 * HTTP/1.1, and each stream holds one; the other cards move with the list's refresh.
 */
const LIVE_STREAMS = 3;

function LiveCard({ initial, live }: { initial: Operation; live: boolean }) {
  const [streamed, setStreamed] = useState<Operation | null>(null);
  useEffect(() => {
    if (!live || FINAL_STATES.includes(initial.state)) return;
    const abort = new AbortController();
    followOperation(initial.id, setStreamed, abort.signal).catch(() => undefined);
    return () => abort.abort();
  }, [initial.id, live]);
  const op = live && streamed ? streamed : initial;
  return (
    <li class="card">
      <a href={`#/operations/${op.id}`}>{actionName(op.action)} #{op.id}{op.label ? ` · ${op.label}` : ''}</a> <StateBadge state={op.state} />
      <Progress op={op} />
    </li>
  );
}

interface PrivacyRequest { id: number; type: string; state: string; reference: string | null; due_at: string | null; overdue: boolean }

const OPEN = ['received', 'in_progress'];
const SOON_MS = 7 * 86_400_000;

/** Privacy requests past their deadline, and those due within a week. */
function Requests() {
  const [overdue, setOverdue] = useState<PrivacyRequest[] | null>(null);
  const [soon, setSoon] = useState<PrivacyRequest[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const dueBefore = new Date(Date.now() + SOON_MS).toISOString();
    Promise.all([
      api<Page<PrivacyRequest>>('GET', '/requests?overdue=true&limit=20'),
      api<Page<PrivacyRequest>>('GET', `/requests?due_before=${encodeURIComponent(dueBefore)}&limit=100`),
    ]).then(([o, s]) => {
      setOverdue(o.data);
      setSoon(s.data.filter((r) => OPEN.includes(r.state) && !r.overdue));
    }, setError);
  }, []);
  const row = (r: PrivacyRequest) => (
    <tr key={r.id}><td>#{r.id}</td><td>{r.type}</td><td>{r.reference ?? ''}</td><td><StateBadge state={r.overdue ? 'overdue' : r.state} /></td><td>{when(r.due_at)}</td></tr>
  );
  return (
    <section aria-labelledby="requests-h">
      <h2 id="requests-h">Privacy requests</h2>
      <ErrorNote error={error} />
      {overdue && soon ? (
        <>
          <p><strong class={overdue.length ? 'bad' : 'ok'}>{n(overdue.length)} overdue</strong> · {n(soon.length)} due within 7 days</p>
          {overdue.length + soon.length > 0 ? (
            <Table caption="Privacy requests overdue or due soon">
              <thead><tr><th scope="col">#</th><th scope="col">Type</th><th scope="col">Reference</th><th scope="col">State</th><th scope="col">Due</th></tr></thead>
              <tbody>{overdue.map(row)}{soon.map(row)}</tbody>
            </Table>
          ) : null}
        </>
      ) : !error ? <p role="status">Loading…</p> : null}
    </section>
  );
}

function Charts() {
  const [data, setData] = useState<Analytics | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<Analytics>('GET', '/operations/analytics?interval=day').then(setData, setError);
  }, []);
  const labels = useMemo(() => data?.buckets.map((b) => b.start.slice(5, 10)) ?? [], [data]);
  const byState = useMemo<Series[]>(() => (data ? (['completed', 'processing', 'queued', 'failed', 'canceled'] as const).map((s) => ({ label: s, color: STATE_COLORS[s]!, values: data.buckets.map((b) => b.operations[s]) })) : []), [data]);
  const byOutcome = useMemo<Series[]>(() => (data ? (['succeeded', 'not_found', 'invalid', 'failed'] as const).map((s) => ({ label: s.replace('_', ' '), color: OUTCOME_COLORS[s]!, values: data.buckets.map((b) => b.outcomes[s]) })) : []), [data]);
  return (
    <section aria-labelledby="charts-h">
      <h2 id="charts-h">The last 30 days</h2>
      <ErrorNote error={error} />
      {data ? (
        <div class="grid2">
          <figure>
            <figcaption>Operations by state ({n(data.totals.operations.total)} in all)</figcaption>
            <StackedBars labels={labels} series={byState} label={`Operations per day by state: ${n(data.totals.operations.completed)} completed, ${n(data.totals.operations.failed)} failed, ${n(data.totals.operations.canceled)} canceled, ${n(data.totals.operations.processing + data.totals.operations.queued)} unfinished`} />
          </figure>
          <figure>
            <figcaption>Contacts by outcome ({n(data.totals.outcomes.processed)} processed)</figcaption>
            <StackedBars labels={labels} series={byOutcome} label={`Contacts per day by outcome: ${n(data.totals.outcomes.succeeded)} succeeded, ${n(data.totals.outcomes.not_found)} not found, ${n(data.totals.outcomes.invalid)} invalid, ${n(data.totals.outcomes.failed)} failed`} />
          </figure>
        </div>
      ) : null}
    </section>
  );
}

function AuditState() {
  const [verify, setVerify] = useState<Verify | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [checkedAt, setCheckedAt] = useState<string | null>(null);
  const check = () => {
    setError(null);
    api<Verify>('GET', '/audit/verify').then((v) => {
      setVerify(v);
      setCheckedAt(new Date().toISOString());
    }, setError);
  };
  useEffect(check, []);
  return (
    <section aria-labelledby="audit-h">
      <h2 id="audit-h">Audit chain</h2>
      <ErrorNote error={error} />
      {verify ? (
        <dl class="facts">
          <dt>State</dt>
          <dd>{verify.ok ? <span class="ok">Verified: every link holds</span> : <span class="bad">Broken at entry {verify.first_break?.seq}: {verify.first_break?.reason}</span>}</dd>
          <dt>Entries</dt>
          <dd>{n(verify.records)}</dd>
          <dt>Head</dt>
          <dd>{verify.head ? <>#{verify.head.seq} <code class="hash">{verify.head.hash}</code></> : 'empty'}</dd>
          <dt>Checked</dt>
          <dd>{when(checkedAt)} <button type="button" class="secondary small" onClick={check}>Check again</button></dd>
        </dl>
      ) : !error ? <p role="status">Checking…</p> : null}
    </section>
  );
}
