import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, FINAL_STATES, followOperation, hasScope, query } from '../api';
import type { Operation, Page, Session } from '../api';
import { actionName, n, when } from '../format';
import { ErrorNote, PageTitle, Progress, StateBadge, Table } from '../widgets';

interface Target { seq: number; value: string | null; value_hash: string | null; contact_id: number | null; outcome: string; detail: string | null }

const scopeFor = (action: string, dryRun: boolean) => (dryRun ? 'read' : action === 'erase' || action === 'purge' ? 'erase' : action === 'import' ? 'write' : 'delete');

/** Saves the receipt (GET /v1/operations/{id}/receipt) as a JSON file. */
export async function downloadReceipt(id: number): Promise<void> {
  const receipt = await api<unknown>('GET', `/operations/${id}/receipt`);
  const url = URL.createObjectURL(new Blob([JSON.stringify(receipt, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `lethe-receipt-${id}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function OperationPage({ id, session }: { id: string; session: Session }) {
  const [op, setOp] = useState<Operation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const abort = new AbortController();
    (async () => {
      const first = await api<Operation>('GET', `/operations/${encodeURIComponent(id)}`);
      setOp(first);
      if (!FINAL_STATES.includes(first.state)) {
        await followOperation(first.id, setOp, abort.signal);
        // The stream's last event is the final state; read it once more for the children's.
        setOp(await api<Operation>('GET', `/operations/${first.id}`));
      }
    })().catch((err: unknown) => {
      if (!abort.signal.aborted) setError(err);
    });
    return () => abort.abort();
  }, [id]);

  if (!op) return <><PageTitle title={`Operation ${id}`}>Operation {id}</PageTitle><ErrorNote error={error} />{!error ? <p role="status">Loading…</p> : null}</>;
  const final = FINAL_STATES.includes(op.state);
  const cancel = async () => {
    setBusy(true);
    try {
      setOp(await api<Operation>('POST', `/operations/${op.id}/cancel`, {}));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageTitle title={`Operation ${op.id}`}>{actionName(op.action)} #{op.id}{op.dry_run ? ' (dry run)' : ''}</PageTitle>
      <p><StateBadge state={op.outcome} /> {op.label ? <span class="label">{op.label}</span> : null}</p>
      <ErrorNote error={error} />
      <section aria-labelledby="progress-h">
        <h2 id="progress-h">Progress</h2>
        <div aria-live="polite"><Progress op={op} /></div>
        <div class="actions">
          {!final && hasScope(session, scopeFor(op.action, op.dry_run)) ? <button type="button" class="danger" disabled={busy} onClick={cancel}>Cancel operation</button> : null}
          {final ? (
            <>
              <button type="button" onClick={() => downloadReceipt(op.id).catch(setError)}>Download receipt (JSON)</button>
              <a class="button secondary" href={`#/operations/${op.id}/receipt`}>Printable receipt</a>
            </>
          ) : null}
        </div>
      </section>
      <section aria-labelledby="counts-h">
        <h2 id="counts-h">Counts</h2>
        <dl class="facts counts">
          {Object.entries(op.counts).map(([k, v]) => <Fragment key={k}><dt>{k.replace('_', ' ')}</dt><dd>{n(v)}</dd></Fragment>)}
        </dl>
        <dl class="facts">
          <dt>Selector</dt><dd>{op.selector.kind}{op.selector.size ? ` (${n(op.selector.size)} values)` : ''}</dd>
          <dt>Requested</dt><dd>{when(op.created_at)} through {op.requested_by.via}{op.requested_by.key_id ? ` by key ${op.requested_by.key_id}` : ''}{op.requested_by.operator ? ` by ${op.requested_by.operator}` : ''}</dd>
          <dt>Started</dt><dd>{when(op.started_at)}</dd>
          <dt>Finished</dt><dd>{when(op.finished_at)}</dd>
          {op.error ? <><dt>Error</dt><dd>{op.error.code}: {op.error.message}</dd></> : null}
        </dl>
        {op.children && op.children.length > 0 ? (
          <Table caption="Per-account parts">
            <thead><tr><th scope="col">Account</th><th scope="col">Part</th><th scope="col">State</th><th scope="col" class="num">Succeeded</th></tr></thead>
            <tbody>{op.children.map((c) => <tr key={c.id}><td>{c.account_id}</td><td>#{c.id}</td><td><StateBadge state={c.outcome} /></td><td class="num">{n(c.counts.succeeded)}</td></tr>)}</tbody>
          </Table>
        ) : null}
      </section>
      <Targets id={op.id} processed={op.counts.processed} />
    </>
  );
}

const OUTCOMES = ['pending', 'done', 'not_found', 'invalid', 'failed', 'skipped'];

/** The targets' outcomes, a page at a time; values only while pending, hashes afterwards. */
function Targets({ id, processed }: { id: number; processed: number }) {
  const [outcome, setOutcome] = useState('');
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [page, setPage] = useState<Page<Target> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const cursor = cursors[cursors.length - 1] ?? null;
  // Refreshed as the operation moves, at most one page at a time.
  const tick = Math.floor(processed / 1000);
  useEffect(() => {
    api<Page<Target>>('GET', `/operations/${id}/targets${query({ limit: 50, cursor, outcome })}`).then(setPage, setError);
  }, [id, cursor, outcome, tick]);
  return (
    <section aria-labelledby="targets-h">
      <h2 id="targets-h">Targets</h2>
      <label>Outcome{' '}
        <select value={outcome} onChange={(e) => { setCursors([null]); setOutcome((e.target as HTMLSelectElement).value); }}>
          <option value="">any</option>
          {OUTCOMES.map((o) => <option key={o} value={o}>{o.replace('_', ' ')}</option>)}
        </select>
      </label>
      <ErrorNote error={error} />
      <Table caption="Targets and their outcomes">
        <thead><tr><th scope="col" class="num">#</th><th scope="col">Value or keyed hash</th><th scope="col">Contact</th><th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead>
        <tbody>
          {page?.data.map((t) => (
            <tr key={t.seq}>
              <td class="num">{t.seq}</td>
              <td>{t.value ?? <code class="hash" title="keyed hash: the value itself is forgotten">{t.value_hash ?? '–'}</code>}</td>
              <td>{t.contact_id ?? ''}</td>
              <td><StateBadge state={t.outcome} /></td>
              <td>{t.detail ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </Table>
      {page && page.data.length === 0 ? <p>No target {outcome ? `with outcome ${outcome.replace('_', ' ')}` : 'named'} (a list or "all" selector names its contacts as it runs).</p> : null}
      <nav class="pager" aria-label="Pages of targets">
        <button type="button" class="secondary" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
        <span>Page {n(cursors.length)}</span>
        <button type="button" class="secondary" disabled={!page?.next_cursor} onClick={() => page?.next_cursor && setCursors([...cursors, page.next_cursor])}>Next page</button>
      </nav>
    </section>
  );
}
