import { useEffect, useState } from 'preact/hooks';
import { api, hasScope } from '../api';
import type { Page, Session } from '../api';
import { n, when } from '../format';
import { go } from '../router';
import { ErrorNote, PageTitle, StateBadge, Table } from '../widgets';

interface Contact { id: number; uuid: string; email: string | null; first_name: string | null; last_name: string | null; status: string; list_ids: number[]; created_at: string | null; updated_at: string | null; deleted_at: string | null; erased_at: string | null; unsubscribed_at: string | null }
interface LookupAnswer { data: Contact[]; results: Array<{ index: number; email: string; outcome: 'found' | 'not_found' | 'invalid'; contact_id: number | null }> }
interface ContactEvent { id: number; type: string; occurred_at: string | null; message_id: string | null; subject: string | null }
interface ActionResult { status: string; changed: boolean; operation_id: number | null; contact: Contact | null }

/** Finds a person by email through POST /v1/contacts/lookup: the address goes in the body, never in a URL. */
export function LookupPage({ session }: { session: Session }) {
  const [email, setEmail] = useState('');
  const [answer, setAnswer] = useState<LookupAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setError(null);
    setAnswer(null);
    try {
      setAnswer(await api<LookupAnswer>('POST', '/contacts/lookup', { emails: [email.trim()] }));
    } catch (err) {
      setError(err);
    }
  };
  const result = answer?.results[0];
  return (
    <>
      <PageTitle title="Look a person up">Look a person up</PageTitle>
      <form onSubmit={submit} class="inline" role="search">
        <label for="lookup-email">Email address</label>
        <input id="lookup-email" type="email" required autoComplete="off" value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        <button type="submit">Look up</button>
      </form>
      <ErrorNote error={error} />
      {result && result.outcome !== 'found' ? <p role="status">{result.outcome === 'invalid' ? 'That is not a valid email address.' : 'No contact has that address in this account.'}</p> : null}
      {answer?.data.map((c) => <Person key={c.id} initial={c} session={session} />)}
    </>
  );
}

function Person({ initial, session }: { initial: Contact; session: Session }) {
  const [contact, setContact] = useState(initial);
  const [events, setEvents] = useState<ContactEvent[] | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [done, setDone] = useState<ActionResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<Page<ContactEvent>>('GET', `/contacts/${contact.id}/events?limit=20`).then((r) => setEvents(r.data), () => setEvents([]));
  }, [contact.id, contact.status]);

  const act = async (what: 'delete' | 'restore' | 'erase' | 'purge') => {
    setError(null);
    try {
      const res = await api<ActionResult>(what === 'delete' ? 'DELETE' : 'POST', what === 'delete' ? `/contacts/${contact.id}` : `/contacts/${contact.id}/${what}`, {});
      setDone(res);
      if (res.contact) setContact(res.contact);
      else setContact({ ...contact, status: res.status });
    } catch (err) {
      setError(err);
    }
    setConfirming(null);
  };
  const name = [contact.first_name, contact.last_name].filter(Boolean).join(' ');
  const actions: Array<['delete' | 'restore' | 'erase', string, boolean]> = [
    ['delete', 'Soft delete', hasScope(session, 'delete') && contact.status === 'active'],
    ['restore', 'Restore', hasScope(session, 'delete') && contact.status === 'deleted'],
    ['erase', 'Erase', hasScope(session, 'erase') && contact.status !== 'erased' && contact.status !== 'purged'],
  ];
  return (
    <section class="person" aria-label={`Contact ${contact.id}`}>
      <h2>Contact #{contact.id} <StateBadge state={contact.status} /></h2>
      <dl class="facts">
        <dt>Email</dt><dd>{contact.email ?? '(erased)'}</dd>
        {name ? <><dt>Name</dt><dd>{name}</dd></> : null}
        <dt>uuid</dt><dd><code>{contact.uuid}</code></dd>
        <dt>Lists</dt><dd>{contact.list_ids.length ? contact.list_ids.join(', ') : 'none'}</dd>
        <dt>Created</dt><dd>{when(contact.created_at)}</dd>
        <dt>Updated</dt><dd>{when(contact.updated_at)}</dd>
        {contact.unsubscribed_at ? <><dt>Unsubscribed</dt><dd>{when(contact.unsubscribed_at)}</dd></> : null}
        {contact.deleted_at ? <><dt>Soft-deleted</dt><dd>{when(contact.deleted_at)}</dd></> : null}
        {contact.erased_at ? <><dt>Erased</dt><dd>{when(contact.erased_at)}</dd></> : null}
      </dl>
      <div class="actions">
        {actions.filter(([, , shown]) => shown).map(([what, text]) => confirming === what ? (
          <span key={what} class="confirm" role="group" aria-label={`Confirm ${text.toLowerCase()}`}>
            <button type="button" class={what === 'erase' ? 'danger' : ''} onClick={() => act(what)}>Confirm {text.toLowerCase()}</button>
            <button type="button" class="secondary" onClick={() => setConfirming(null)}>Keep</button>
          </span>
        ) : <button key={what} type="button" class={what === 'erase' ? 'danger' : 'secondary'} onClick={() => setConfirming(what)}>{text}…</button>)}
      </div>
      <ErrorNote error={error} />
      {done ? <p role="status">{done.changed ? `Done: the contact is ${done.status}.` : `Nothing to do: the contact was already ${done.status}.`} {done.operation_id ? <a href={`#/operations/${done.operation_id}`} onClick={(e) => { e.preventDefault(); go(`operations/${done.operation_id}`); }}>Its operation and receipt</a> : null}</p> : null}
      <h3>History</h3>
      {events === null ? <p role="status">Loading…</p> : events.length === 0 ? <p>No message activity.</p> : (
        <Table caption="Message activity, newest first">
          <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Message</th></tr></thead>
          <tbody>{events.map((ev) => <tr key={ev.id}><td>{when(ev.occurred_at)}</td><td>{ev.type}</td><td>{ev.subject ?? ev.message_id ?? ''}</td></tr>)}</tbody>
        </Table>
      )}
      <p class="hint">{n(events?.length ?? 0)} most recent events shown.</p>
    </section>
  );
}
