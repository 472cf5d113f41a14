import { useEffect, useState } from 'preact/hooks';
import { api, hasScope } from '../api';
import type { Scope, Session } from '../api';
import { when } from '../format';
import { ErrorNote, PageTitle, Table } from '../widgets';

interface Account { id: number; name: string; parent_id: number | null; settings: { restore_window_days: number | null; retention_days: number; suppression_window_days: number | null } }
interface Key { id: string; name: string; scopes: Scope[]; created_at: string | null; last_used_at: string | null; revoked_at: string | null }

const SCOPES: Array<[Scope, string]> = [['read', 'read'], ['write', 'write (contacts, lists, imports)'], ['delete', 'delete (soft delete, restore)'], ['erase', 'erase (erase, purge)'], ['admin', 'admin (everything)']];

export function SettingsPage({ session }: { session: Session }) {
  const admin = hasScope(session, 'admin');
  return (
    <>
      <PageTitle title="Settings">Settings</PageTitle>
      <AccountSettings admin={admin} />
      {admin ? <Keys /> : <p>Keys are managed with an <code>admin</code> key.</p>}
      {admin ? <Webhooks /> : null}
    </>
  );
}

/** An empty field is null ("keep until restored", "the default"). */
const days = (value: string): number | null => (value.trim() === '' ? null : Number(value));

function AccountSettings({ admin }: { admin: boolean }) {
  const [account, setAccount] = useState<Account | null>(null);
  const [form, setForm] = useState({ restore: '', retention: '', suppression: '' });
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const show = (a: Account) => {
    setAccount(a);
    setForm({ restore: a.settings.restore_window_days?.toString() ?? '', retention: String(a.settings.retention_days), suppression: a.settings.suppression_window_days?.toString() ?? '' });
  };
  useEffect(() => {
    api<Account>('GET', '/account').then(show, setError);
  }, []);
  const save = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    setError(null);
    try {
      show(await api<Account>('PATCH', '/account/settings', { restore_window_days: days(form.restore), retention_days: Number(form.retention), suppression_window_days: days(form.suppression) }));
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };
  const input = (name: keyof typeof form, id: string, min: number) => (
    <input id={id} type="number" min={min} max={3650} step={1} inputMode="numeric" disabled={!admin} value={form[name]} onInput={(e) => { setSaved(false); setForm({ ...form, [name]: (e.target as HTMLInputElement).value }); }} />
  );
  return (
    <section aria-labelledby="account-h">
      <h2 id="account-h">Account {account ? `“${account.name}”` : ''}</h2>
      <form onSubmit={save} class="stack">
        <label for="restore">Restore window (days a soft-deleted contact stays restorable; -1 purges at once; empty: until restored)</label>
        {input('restore', 'restore', -1)}
        <label for="retention">Retention (days an erased contact's shell is kept before purge; 0 purges at once)</label>
        {input('retention', 'retention', 0)}
        <label for="suppression">Suppression window (days contacts deleted through Marketing Cloud stay restorable; -1 purges at once; empty: 14)</label>
        {input('suppression', 'suppression', -1)}
        {admin ? <div class="actions"><button type="submit">Save settings</button></div> : <p class="hint">Only an <code>admin</code> key changes settings.</p>}
      </form>
      {saved ? <p role="status" class="ok">Settings saved.</p> : null}
      <ErrorNote error={error} />
    </section>
  );
}

function Keys() {
  const [keys, setKeys] = useState<Key[] | null>(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['read']);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => api<{ data: Key[] }>('GET', '/keys').then((r) => setKeys(r.data), setError);
  useEffect(() => void load(), []);
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const res = await api<{ key: string }>('POST', '/keys', { name: name.trim() || 'dashboard', scopes });
      setCreated(res.key);
      setName('');
      await load();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (id: string) => {
    setError(null);
    try {
      await api('DELETE', `/keys/${id}`);
      await load();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="keys-h">
      <h2 id="keys-h">API keys</h2>
      <form onSubmit={create} class="stack">
        <label>Name <input value={name} maxLength={100} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map(([s, text]) => (
            <label key={s} class="choice"><input type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes((e.target as HTMLInputElement).checked ? [...scopes, s] : scopes.filter((x) => x !== s))} /> {text}</label>
          ))}
        </fieldset>
        <div class="actions"><button type="submit" disabled={scopes.length === 0}>Create key</button></div>
      </form>
      {created ? <div class="created" role="status"><p>The new key, shown this once: copy it now.</p><code class="hash">{created}</code> <button type="button" class="secondary small" onClick={() => setCreated(null)}>Done</button></div> : null}
      <ErrorNote error={error} />
      <Table caption="API keys of this account">
        <thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {keys?.map((k) => (
            <tr key={k.id}>
              <td><code>{k.id}</code></td><td>{k.name}</td><td>{k.scopes.join(', ')}</td><td>{when(k.last_used_at)}</td>
              <td>{k.revoked_at ? `revoked ${when(k.revoked_at)}` : 'active'}</td>
              <td>{k.revoked_at ? null : <button type="button" class="danger small" aria-label={`Revoke key ${k.name} (${k.id})`} onClick={() => revoke(k.id)}>Revoke</button>}</td>
            </tr>
          ))}
        </tbody>
      </Table>
    </section>
  );
}

interface Endpoint { id: string; url: string; description: string | null; event_types: string[]; enabled: boolean; disabled_reason: string | null }
const EVENT_TYPES = ['operation.completed', 'operation.failed', 'import.completed', 'contact.erased'];

/** Webhook endpoints: create (the signing secret shown once), enable or disable, delete. */
function Webhooks() {
  const [endpoints, setEndpoints] = useState<Endpoint[] | null>(null);
  const [url, setUrl] = useState('');
  const [types, setTypes] = useState<string[]>(['operation.completed']);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => api<{ data: Endpoint[] }>('GET', '/webhooks').then((r) => setEndpoints(r.data), setError);
  useEffect(() => void load(), []);
  const run = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      await load();
    } catch (err) {
      setError(err);
    }
  };
  const create = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const res = await api<{ secret: string }>('POST', '/webhooks', { url: url.trim(), event_types: types });
      setSecret(res.secret);
      setUrl('');
    });
  };
  return (
    <section aria-labelledby="webhooks-h">
      <h2 id="webhooks-h">Webhooks</h2>
      <form onSubmit={create} class="stack">
        <label>Endpoint URL <input type="url" required value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} /></label>
        <fieldset>
          <legend>Events</legend>
          {EVENT_TYPES.map((t) => (
            <label key={t} class="choice"><input type="checkbox" checked={types.includes(t)} onChange={(e) => setTypes((e.target as HTMLInputElement).checked ? [...types, t] : types.filter((x) => x !== t))} /> {t}</label>
          ))}
        </fieldset>
        <div class="actions"><button type="submit" disabled={types.length === 0}>Add webhook</button></div>
      </form>
      {secret ? <div class="created" role="status"><p>The signing secret, shown this once:</p><code class="hash">{secret}</code> <button type="button" class="secondary small" onClick={() => setSecret(null)}>Done</button></div> : null}
      <ErrorNote error={error} />
      {endpoints && endpoints.length > 0 ? (
        <Table caption="Webhook endpoints">
          <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {endpoints.map((w) => (
              <tr key={w.id}>
                <td>{w.url}</td><td>{w.event_types.join(', ')}</td>
                <td>{w.enabled ? 'enabled' : `disabled${w.disabled_reason ? ` (${w.disabled_reason})` : ''}`}</td>
                <td>
                  <button type="button" class="secondary small" onClick={() => void run(() => api('PATCH', `/webhooks/${w.id}`, { enabled: !w.enabled }))}>{w.enabled ? 'Disable' : 'Enable'}</button>{' '}
                  <button type="button" class="danger small" aria-label={`Delete webhook ${w.url}`} onClick={() => void run(() => api('DELETE', `/webhooks/${w.id}`))}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : endpoints ? <p>No webhook endpoint.</p> : null}
    </section>
  );
}
