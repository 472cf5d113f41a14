import { useEffect, useState } from 'preact/hooks';
import { api, FINAL_STATES, followOperation, hasScope } from '../api';
import type { Operation, Session } from '../api';
import { actionName, n } from '../format';
import { go } from '../router';
import { ErrorNote, PageTitle } from '../widgets';

type Kind = 'emails' | 'ids' | 'uuids' | 'external_keys' | 'list';
const KINDS: Array<[Kind, string]> = [['emails', 'Email addresses'], ['ids', 'Contact ids'], ['uuids', 'Contact uuids'], ['external_keys', 'External keys'], ['list', 'A list']];
const ACTIONS: Array<[string, 'delete' | 'erase', string]> = [
  ['soft_delete', 'delete', 'Soft delete: hide the contacts, restorable within the restore window'],
  ['restore', 'delete', 'Restore soft-deleted contacts'],
  ['erase', 'erase', 'Erase: remove their personal data now (irreversible)'],
  ['purge', 'erase', 'Purge: remove the contacts entirely (irreversible)'],
];

/** One value a line (or separated by commas or semicolons), blanks dropped. */
const splitValues = (text: string): string[] => text.split(/[\r\n,;]+/).map((v) => v.trim()).filter(Boolean);

/**
 * Starts a deletion: the values (pasted, uploaded or a list), the action the key may take,
 * a dry run first that shows what would happen, then the real one, confirmed.
 */
export function NewDeletionPage({ session, subAccounts }: { session: Session; subAccounts: Array<{ id: number; name: string }> }) {
  const allowed = ACTIONS.filter(([, scope]) => hasScope(session, scope));
  const [action, setAction] = useState(allowed[0]?.[0] ?? 'soft_delete');
  const [kind, setKind] = useState<Kind>('emails');
  const [text, setText] = useState('');
  const [fileValues, setFileValues] = useState<{ name: string; values: string[] } | null>(null);
  const [listId, setListId] = useState('');
  const [lists, setLists] = useState<Array<{ id: number; name: string }>>([]);
  const [label, setLabel] = useState('');
  const [everyAccount, setEveryAccount] = useState(false);
  const [dry, setDry] = useState<Operation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api<{ data: Array<{ id: number; name: string }> }>('GET', '/lists?limit=100').then((r) => setLists(r.data), () => setLists([]));
  }, []);
  // Any change to what would be done asks for a new dry run.
  useEffect(() => setDry(null), [action, kind, text, fileValues, listId, everyAccount]);

  const values = fileValues?.values ?? splitValues(text);
  const crossAccount = subAccounts.length > 0 && action === 'erase' && kind === 'emails';
  const body = (dryRun: boolean) => {
    const selector = kind === 'list' ? { list: Number(listId) } : kind === 'ids' ? { ids: values.map(Number) } : { [kind]: values };
    return { action, selector, dry_run: dryRun, ...(label.trim() ? { label: label.trim() } : {}), ...(crossAccount && everyAccount ? { accounts: 'all' } : {}) };
  };

  const check = (): string | null => {
    if (kind === 'list' && !listId) return 'Choose a list.';
    if (kind !== 'list' && values.length === 0) return 'Paste or upload at least one value.';
    if (kind === 'ids' && values.some((v) => !/^\d+$/.test(v))) return 'Contact ids are whole numbers.';
    return null;
  };

  const dryRun = async (e: Event) => {
    e.preventDefault();
    const problem = check();
    if (problem) return setError(new Error(problem));
    setError(null);
    setBusy(true);
    try {
      const op = await api<Operation>('POST', '/operations', body(true));
      setDry(op);
      if (!FINAL_STATES.includes(op.state)) await followOperation(op.id, setDry, new AbortController().signal);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      const op = await api<Operation>('POST', '/operations', body(false));
      go(`operations/${op.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const onFile = async (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return setFileValues(null);
    const content = await file.text();
    // A CSV with a header: take its first column unless the header names the kind.
    const lines = content.split(/\r?\n/).filter((l) => l.trim());
    const header = lines[0]?.split(',').map((h) => h.trim().toLowerCase()) ?? [];
    const column = Math.max(0, header.findIndex((h) => h === kind.replace(/s$/, '') || h === kind || (kind === 'emails' && h === 'email')));
    const hasHeader = header.some((h) => /^[a-z_ ]+$/.test(h) && !h.includes('@'));
    const rows = (hasHeader ? lines.slice(1) : lines).map((l) => l.split(',')[column]?.trim().replace(/^"|"$/g, '') ?? '').filter(Boolean);
    setFileValues({ name: file.name, values: rows });
  };

  const final = dry && FINAL_STATES.includes(dry.state);
  return (
    <>
      <PageTitle title="Start a deletion">Start a deletion</PageTitle>
      <form onSubmit={dryRun} class="stack">
        <fieldset>
          <legend>Action</legend>
          {allowed.map(([value, , description]) => (
            <label key={value} class="choice"><input type="radio" name="action" value={value} checked={action === value} onChange={() => setAction(value)} /> {description}</label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Which contacts</legend>
          <div class="row">
            {KINDS.map(([value, text]) => <label key={value} class="choice"><input type="radio" name="kind" value={value} checked={kind === value} onChange={() => setKind(value)} /> {text}</label>)}
          </div>
          {kind === 'list' ? (
            <label>List
              <select value={listId} onChange={(e) => setListId((e.target as HTMLSelectElement).value)}>
                <option value="">choose…</option>
                {lists.map((l) => <option key={l.id} value={String(l.id)}>{l.name} (#{l.id})</option>)}
              </select>
            </label>
          ) : (
            <>
              <label for="values">{KINDS.find(([k]) => k === kind)?.[1]}, one a line</label>
              <textarea id="values" rows={6} value={text} disabled={!!fileValues} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
              <label>Or upload a file (text or CSV) <input type="file" accept=".txt,.csv,text/plain,text/csv" onChange={onFile} /></label>
              <p class="hint" aria-live="polite">{fileValues ? `${n(fileValues.values.length)} values from ${fileValues.name}` : `${n(values.length)} values`}</p>
            </>
          )}
        </fieldset>
        <label>Reference (a ticket number, optional) <input value={label} maxLength={100} onInput={(e) => setLabel((e.target as HTMLInputElement).value)} /></label>
        {crossAccount ? <label class="choice"><input type="checkbox" checked={everyAccount} onChange={(e) => setEveryAccount((e.target as HTMLInputElement).checked)} /> Erase in this account and every sub-account</label> : null}
        <div class="actions"><button type="submit" disabled={busy}>Dry run</button></div>
      </form>
      <ErrorNote error={error} />
      {dry ? (
        <section aria-labelledby="dry-h" class="dry" aria-live="polite">
          <h2 id="dry-h">Dry run #{dry.id}: {final ? 'what would happen' : 'counting…'}</h2>
          {final ? (
            <>
              <dl class="facts">
                <dt>Would change</dt><dd>{n(dry.counts.succeeded)}</dd>
                <dt>Already so</dt><dd>{n(dry.counts.skipped)}</dd>
                <dt>Not found</dt><dd>{n(dry.counts.not_found)}</dd>
                <dt>Invalid</dt><dd>{n(dry.counts.invalid)}</dd>
                <dt>Duplicates</dt><dd>{n(dry.counts.duplicates)}</dd>
              </dl>
              <button type="button" class={action === 'erase' || action === 'purge' ? 'danger' : ''} disabled={busy} onClick={confirm}>
                Confirm: {actionName(action).toLowerCase()} {n(dry.counts.succeeded)} contact{dry.counts.succeeded === 1 ? '' : 's'}
              </button>
            </>
          ) : <p role="status">The dry run is running…</p>}
        </section>
      ) : null}
    </>
  );
}
