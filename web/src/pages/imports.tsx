import { useEffect, useState } from 'preact/hooks';
import { api, FINAL_STATES, query, uploadImport } from '../api';
import type { Page } from '../api';
import { duration, n, pct } from '../format';
import { ErrorNote, PageTitle, StateBadge, Table } from '../widgets';

interface Import { id: number; state: string; outcome: string; rows: number; processed: number; created: number; updated: number; invalid: number; failed: number; rate_per_second: number | null; eta_seconds: number | null; error: { code: string; message: string } | null }
interface RowError { row: number; field: string; code: string; message: string }

/** Uploads a CSV of contacts (POST /v1/imports, multipart) and follows it: upload, then rows, then the rows refused. */
export function ImportsPage() {
  const [file, setFile] = useState<File | null>(null);
  const [lists, setLists] = useState<Array<{ id: number; name: string }>>([]);
  const [listId, setListId] = useState('');
  const [matchBy, setMatchBy] = useState('email');
  const [sent, setSent] = useState<number | null>(null);
  const [imp, setImp] = useState<Import | null>(null);
  const [errors, setErrors] = useState<RowError[]>([]);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api<{ data: Array<{ id: number; name: string }> }>('GET', '/lists?limit=100').then((r) => setLists(r.data), () => setLists([]));
  }, []);

  useEffect(() => {
    if (!imp || FINAL_STATES.includes(imp.state)) return;
    const timer = setTimeout(() => api<Import>('GET', `/imports/${imp.id}`).then(setImp, setError), 1000);
    return () => clearTimeout(timer);
  }, [imp]);
  useEffect(() => {
    if (imp && FINAL_STATES.includes(imp.state) && imp.invalid + imp.failed > 0) api<Page<RowError>>('GET', `/imports/${imp.id}/errors?limit=100`).then((r) => setErrors(r.data), setError);
  }, [imp?.state]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!file) return setError(new Error('Choose a CSV file.'));
    setError(null);
    setImp(null);
    setErrors([]);
    setSent(0);
    try {
      const { id } = await uploadImport(file, query({ match_by: matchBy, list_ids: listId }), setSent);
      setImp(await api<Import>('GET', `/imports/${id}`));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <PageTitle title="Imports">Import contacts</PageTitle>
      <p>A CSV whose first line names the columns: <code>email</code> (or <code>external_key</code>), <code>first_name</code>, <code>custom.&lt;name&gt;</code>, …</p>
      <form onSubmit={submit} class="stack">
        <label>CSV file <input type="file" accept=".csv,text/csv" required onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} /></label>
        <label>Match rows by
          <select value={matchBy} onChange={(e) => setMatchBy((e.target as HTMLSelectElement).value)}>
            <option value="email">email</option>
            <option value="external_key">external key</option>
          </select>
        </label>
        <label>Add to list
          <select value={listId} onChange={(e) => setListId((e.target as HTMLSelectElement).value)}>
            <option value="">none</option>
            {lists.map((l) => <option key={l.id} value={String(l.id)}>{l.name}</option>)}
          </select>
        </label>
        <div class="actions"><button type="submit">Upload and import</button></div>
      </form>
      <ErrorNote error={error} />
      {sent !== null && !imp ? <p role="status">Uploading… <progress max={1} value={sent} aria-label="Upload">{pct(sent)}</progress> {pct(sent)}</p> : null}
      {imp ? (
        <section aria-labelledby="import-h" aria-live="polite">
          <h2 id="import-h">Import #{imp.id} <StateBadge state={imp.outcome} /></h2>
          <progress max={Math.max(1, imp.rows)} value={imp.processed} aria-label="Rows imported">{pct(imp.processed / Math.max(1, imp.rows))}</progress>
          <p>{n(imp.processed)} of {n(imp.rows)} rows{imp.rate_per_second ? ` · ${n(Math.round(imp.rate_per_second))}/s` : ''}{imp.eta_seconds !== null && !FINAL_STATES.includes(imp.state) ? ` · ETA ${duration(imp.eta_seconds)}` : ''}</p>
          <dl class="facts"><dt>Created</dt><dd>{n(imp.created)}</dd><dt>Updated</dt><dd>{n(imp.updated)}</dd><dt>Invalid rows</dt><dd>{n(imp.invalid)}</dd><dt>Failed</dt><dd>{n(imp.failed)}</dd></dl>
          {imp.error ? <p class="error">{imp.error.code}: {imp.error.message}</p> : null}
          {errors.length > 0 ? (
            <Table caption="Rows not imported">
              <thead><tr><th scope="col" class="num">Row</th><th scope="col">Field</th><th scope="col">Why</th></tr></thead>
              <tbody>{errors.map((r) => <tr key={`${r.row}-${r.field}`}><td class="num">{r.row}</td><td>{r.field}</td><td>{r.message}</td></tr>)}</tbody>
            </Table>
          ) : null}
        </section>
      ) : null}
    </>
  );
}
