import { useEffect, useState } from 'preact/hooks';
import { api, getActing, hasScope, setActing, whenSignedOut } from './api';
import type { Session } from './api';
import { go, useRoute } from './router';
import { ImportsPage } from './pages/imports';
import { LookupPage } from './pages/lookup';
import { NewDeletionPage } from './pages/new-deletion';
import { OperationPage } from './pages/operation';
import { OperationsPage } from './pages/operations';
import { OverviewPage } from './pages/overview';
import { ReceiptPage } from './pages/receipt';
import { SettingsPage } from './pages/settings';
import { SignIn } from './pages/sign-in';

interface SubAccount { id: number; name: string }

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    whenSignedOut(() => setSession(null));
    api<Session>('GET', '/sessions/current', undefined, { own: true }).then(setSession, () => setSession(null));
  }, []);
  if (session === undefined) return <p class="loading" role="status">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  return <Shell session={session} onSignedOut={() => setSession(null)} />;
}

function Shell({ session, onSignedOut }: { session: Session; onSignedOut: () => void }) {
  const route = useRoute();
  const [subs, setSubs] = useState<SubAccount[]>([]);
  const [acting, setActingState] = useState<string | null>(getActing());
  // Re-render every page when the acting account changes: each reads for that account.
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (hasScope(session, 'read')) {
      api<{ data: SubAccount[] }>('GET', '/subaccounts', undefined, { own: true }).then((r) => setSubs(r.data), () => setSubs([]));
    }
  }, [session]);

  const switchTo = (name: string) => {
    const value = name === '' ? null : name;
    setActing(value);
    setActingState(value);
    setGeneration((g) => g + 1);
  };

  const signOut = async () => {
    try {
      await api('DELETE', '/sessions/current', undefined, { own: true });
    } finally {
      setActing(null);
      onSignedOut();
      go('');
    }
  };

  const canDelete = hasScope(session, 'delete') || hasScope(session, 'erase');
  const nav: Array<[string, string, boolean]> = [
    ['', 'Overview', true],
    ['operations', 'Operations', true],
    ['new', 'Start a deletion', canDelete],
    ['imports', 'Imports', hasScope(session, 'write')],
    ['lookup', 'Look a person up', true],
    ['settings', 'Settings', true],
  ];
  const [first = '', second, third] = route;
  const current = first === '' ? '' : first;

  let page;
  if (first === 'operations' && second && third === 'receipt') page = <ReceiptPage id={second} />;
  else if (first === 'operations' && second) page = <OperationPage id={second} session={session} />;
  else if (first === 'operations') page = <OperationsPage />;
  else if (first === 'new' && canDelete) page = <NewDeletionPage session={session} subAccounts={subs} />;
  else if (first === 'imports') page = <ImportsPage />;
  else if (first === 'lookup') page = <LookupPage session={session} />;
  else if (first === 'settings') page = <SettingsPage session={session} />;
  else page = <OverviewPage session={session} />;

  if (first === 'operations' && third === 'receipt') return <main id="main" class="print-page" key={generation}>{page}</main>;

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header class="top">
        <a class="brand" href="#/">Lethe</a>
        <nav aria-label="Main">
          <ul>
            {nav.filter(([, , shown]) => shown).map(([path, label]) => (
              <li key={path}><a href={`#/${path}`} aria-current={current === path ? 'page' : undefined}>{label}</a></li>
            ))}
          </ul>
        </nav>
        <div class="who">
          {subs.length > 0 ? (
            <span class="switch">
              <label for="acting">Account</label>
              <select id="acting" value={acting ?? ''} onChange={(e) => switchTo((e.target as HTMLSelectElement).value)}>
                <option value="">{session.account.name} (own)</option>
                {subs.map((s) => <option key={s.id} value={s.name}>{s.name}</option>)}
              </select>
            </span>
          ) : (
            <span class="account">{session.account.name}</span>
          )}
          <span class="scopes" title="What this key may do">{session.scopes.join(', ')}</span>
          <button type="button" class="secondary" onClick={signOut}>Sign out</button>
        </div>
      </header>
      <main id="main" tabIndex={-1} key={generation}>{page}</main>
      <footer><a href="/docs">API docs</a></footer>
    </>
  );
}
