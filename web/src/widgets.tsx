import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Operation } from './api';
import { duration, n, pct } from './format';

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return <p class="error" role="alert">{error instanceof Error ? error.message : String(error)}</p>;
}

export const StateBadge = ({ state }: { state: string }) => <span class={`badge badge-${state}`}>{state.replace(/_/g, ' ')}</span>;

/** The operation's progress, with the rate and ETA the server computes. */
export function Progress({ op }: { op: Operation }) {
  return (
    <div class="progress">
      <progress max={1} value={op.progress} aria-label={`Operation ${op.id} progress`}>{pct(op.progress)}</progress>
      <span>
        {pct(op.progress)} · {n(op.counts.processed)} of {n(op.counts.expected)}
        {op.rate_per_second !== null ? ` · ${n(Math.round(op.rate_per_second))}/s` : ''}
        {op.eta_seconds !== null && op.state === 'processing' ? ` · ETA ${duration(op.eta_seconds)}` : ''}
      </span>
    </div>
  );
}

/** Sets the document title and moves focus to the page's heading when the page changes (screen readers hear the new page). */
export function PageTitle({ children, title }: { children: ComponentChildren; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Lethe`;
    ref.current?.focus();
  }, [title]);
  return <h1 tabIndex={-1} ref={ref}>{children}</h1>;
}

export function Table({ caption, children }: { caption: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table>
        <caption class="sr-only">{caption}</caption>
        {children}
      </table>
    </div>
  );
}
