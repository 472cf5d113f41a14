import { useState } from 'preact/hooks';
import { api } from '../api';
import type { Session } from '../api';
import { ErrorNote } from '../widgets';

/** Trades an API key for a session; the key lives only in this form's field until it is sent. */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await api<Session>('POST', '/sessions', { key: key.trim() }, { own: true });
      setKey('');
      onSignedIn(session);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>Lethe</h1>
      <p>Sign in with an API key. It is exchanged for a session that ends after 8 hours, when you sign out, or when the key is revoked; the key itself is not kept by the browser.</p>
      <form onSubmit={submit}>
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autoComplete="off" required value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <ErrorNote error={error} />
    </main>
  );
}
