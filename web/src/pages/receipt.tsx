import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { actionName, n, when } from '../format';
import { ErrorNote, PageTitle } from '../widgets';
import { downloadReceipt } from './operation';

interface Anchor { account_id: number; seq: number; action: string; at: string; hash: string; prev_hash: string }
interface ReceiptOp { id: number; uuid: string; action: string; label: string | null; dry_run: boolean; state: string; outcome: string; selector: { kind: string; size: number }; counts: Record<string, number>; created_at: string | null; started_at: string | null; finished_at: string | null; requested_by: { key_id: string | null; via: string; operator: string | null }; error_code: string | null }
interface Receipt { receipt_version: number; issued_at: string; account: { id: number; name: string }; operation: ReceiptOp; anchor: Anchor; parts: Array<{ account: { id: number; name: string }; operation: ReceiptOp; anchor: Anchor | null }> }

/** The receipt as a page a privacy officer prints and files: what was done, never a value, anchored to the audit chain. */
export function ReceiptPage({ id }: { id: string }) {
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<Receipt>('GET', `/operations/${encodeURIComponent(id)}/receipt`).then(setReceipt, setError);
  }, [id]);
  if (!receipt) return <><PageTitle title={`Receipt ${id}`}>Receipt of operation {id}</PageTitle><ErrorNote error={error} /></>;
  const op = receipt.operation;
  return (
    <article class="receipt">
      <PageTitle title={`Receipt ${op.id}`}>Receipt: {actionName(op.action)} of operation #{op.id}</PageTitle>
      <p class="no-print">
        <a href={`#/operations/${op.id}`}>Back to the operation</a>{' '}
        <button type="button" onClick={() => print()}>Print</button>{' '}
        <button type="button" class="secondary" onClick={() => downloadReceipt(op.id).catch(setError)}>Download JSON</button>
      </p>
      <ErrorNote error={error} />
      <dl class="facts">
        <dt>Account</dt><dd>{receipt.account.name} (id {receipt.account.id})</dd>
        <dt>Operation</dt><dd>#{op.id} · <code>{op.uuid}</code></dd>
        <dt>Action</dt><dd>{actionName(op.action)}{op.dry_run ? ' (dry run: nothing changed)' : ''}</dd>
        {op.label ? <><dt>Reference</dt><dd>{op.label}</dd></> : null}
        <dt>Outcome</dt><dd>{op.outcome.replace(/_/g, ' ')}</dd>
        <dt>Selector</dt><dd>{op.selector.kind}{op.selector.size ? `, ${n(op.selector.size)} values` : ''}</dd>
        <dt>Requested</dt><dd>{when(op.created_at)}, through {op.requested_by.via}{op.requested_by.key_id ? `, key ${op.requested_by.key_id}` : ''}{op.requested_by.operator ? `, by ${op.requested_by.operator}` : ''}</dd>
        <dt>Started</dt><dd>{when(op.started_at)}</dd>
        <dt>Finished</dt><dd>{when(op.finished_at)}</dd>
        {Object.entries(op.counts).map(([k, v]) => <Fragment key={k}><dt>{k.replace('_', ' ')}</dt><dd>{n(v)}</dd></Fragment>)}
      </dl>
      <h2>Anchor in the audit chain</h2>
      <dl class="facts">
        <dt>Entry</dt><dd>#{receipt.anchor.seq} ({receipt.anchor.action}) at {when(receipt.anchor.at)}</dd>
        <dt>Hash</dt><dd><code class="hash">{receipt.anchor.hash}</code></dd>
        <dt>Previous</dt><dd><code class="hash">{receipt.anchor.prev_hash}</code></dd>
      </dl>
      {receipt.parts.length > 0 ? (
        <>
          <h2>Per-account parts</h2>
          <ul>{receipt.parts.map((p) => <li key={p.operation.id}>{p.account.name}: #{p.operation.id}, {p.operation.outcome.replace(/_/g, ' ')}, {n(p.operation.counts.succeeded ?? 0)} succeeded{p.anchor ? <>, anchor #{p.anchor.seq} <code class="hash">{p.anchor.hash}</code></> : null}</li>)}</ul>
        </>
      ) : null}
      <p class="fine">Issued {when(receipt.issued_at)}. No value named in the request appears on this receipt. Check the chain with <code>lethe audit verify</code>, or <code>GET /v1/audit</code> at the entry above.</p>
    </article>
  );
}
