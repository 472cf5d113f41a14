import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ActivitySummary, ContactEvent, EventPosition, EventsRepository, EventType, NewEvent } from '../../core/events/event.js';
import { chunked, inListSize } from '../batching.js';
import type { Capabilities } from '../database.js';
import { eventIds } from '../event-ids.js';
import type { Sealer } from '../keyring/sealer.js';
import type { Database, EventsTable } from '../schema.js';

/** An event's personal values, sealed as one blob under its contact's data key when encryption at rest is on. */
interface SealedEventValues {
  subject: string | null;
  categories: string | null;
  ip: string | null;
  userAgent: string | null;
  url: string | null;
}

/** Bound values per event row. */
const EVENT_COLUMNS = 11;

/**
 * A sealed event keeps its blob in `categories` (this prefix, then base64), the other
 * personal columns empty: no column of its own, so no migration out of order.
 */
const SEALED_PREFIX = 'lethe-sealed:';
const sealedOf = (row: Selectable<EventsTable>): Buffer | null =>
  row.categories !== null && row.categories.startsWith(SEALED_PREFIX) ? Buffer.from(row.categories.slice(SEALED_PREFIX.length), 'base64') : null;
/** A collision of generated ids needs two processes, one contact and one millisecond; three tries are plenty. */
const MAX_TRIES = 3;

function parseCategories(text: string | null): string[] {
  if (text === null) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((c): c is string => typeof c === 'string') : [];
  } catch {
    return [];
  }
}

const toEvent = (row: Selectable<EventsTable>): ContactEvent => ({
  id: row.id,
  accountId: row.account_id,
  contactId: row.contact_id,
  type: row.type as EventType,
  messageId: row.message_id,
  subject: row.subject,
  categories: parseCategories(row.categories),
  ip: row.ip,
  userAgent: row.user_agent,
  url: row.url,
  occurredAt: row.occurred_at,
});

const rowOf = (accountId: number, event: NewEvent): Insertable<EventsTable> => ({
  account_id: accountId,
  contact_id: event.contactId,
  id: eventIds.next(),
  type: event.type,
  message_id: event.messageId,
  subject: event.subject,
  categories: event.categories.length > 0 ? JSON.stringify(event.categories) : null,
  ip: event.ip,
  user_agent: event.userAgent,
  url: event.url,
  occurred_at: event.occurredAt,
});

const CLEARED = { subject: null, categories: null, ip: null, user_agent: null, url: null } as const;

export class KyselyEventsRepository implements EventsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
    /** Set when encryption at rest is on: seals what is written. */
    private readonly sealer?: Sealer,
    /** Opens sealed rows (also when new writes are not sealed). */
    private readonly opener?: Sealer,
  ) {}

  /** The uuids of contacts (their data keys' ids). */
  private async uuidsOf(accountId: number, contactIds: readonly number[]): Promise<Map<number, string>> {
    const uuids = new Map<number, string>();
    for (const run of chunked([...new Set(contactIds)], inListSize(this.capabilities))) {
      for (const row of await this.db.selectFrom('contacts').select(['id', 'uuid']).where('account_id', '=', accountId).where('id', 'in', run).execute()) uuids.set(row.id, row.uuid);
    }
    return uuids;
  }

  /** Rows to insert: with encryption on, each event's personal values sealed under its contact's key. */
  private async rowsOf(accountId: number, events: readonly NewEvent[]): Promise<Array<Insertable<EventsTable>>> {
    if (!this.sealer) return events.map((event) => rowOf(accountId, event));
    const uuids = await this.uuidsOf(accountId, events.map((e) => e.contactId));
    const owners = events.map((e) => {
      const uuid = uuids.get(e.contactId);
      if (uuid === undefined) throw new Error('an event for a contact that does not exist');
      return uuid;
    });
    const sealed = await this.sealer.sealMany(
      events.map((e, i) => ({
        owner: owners[i] as string,
        values: { subject: e.subject, categories: e.categories.length > 0 ? JSON.stringify(e.categories) : null, ip: e.ip, userAgent: e.userAgent, url: e.url } satisfies SealedEventValues,
      })),
    );
    return events.map((event, i) => ({ ...rowOf(accountId, event), ...CLEARED, categories: `${SEALED_PREFIX}${(sealed[i] as Buffer).toString('base64')}` }));
  }

  async insertMany(accountId: number, events: readonly NewEvent[]): Promise<number> {
    let stored = 0;
    for (const run of chunked(events, this.capabilities.maxBindParams / EVENT_COLUMNS)) {
      let pending = await this.rowsOf(accountId, run);
      for (let attempt = 1; pending.length > 0; attempt++) {
        const inserted = await this.db
          .insertInto('events')
          .values(pending)
          .onConflict((oc) => oc.columns(['contact_id', 'id']).doNothing())
          .returning(['contact_id', 'id'])
          .execute();
        stored += inserted.length;
        if (inserted.length === pending.length) break;
        if (attempt === MAX_TRIES) throw new Error('could not give events unique ids');
        // Another process took these ids for the same contacts: the rest get fresh ones.
        const taken = new Set(inserted.map((row) => `${row.contact_id}:${row.id}`));
        pending = pending.filter((row) => !taken.has(`${row.contact_id}:${row.id}`)).map((row) => ({ ...row, id: eventIds.next() }));
      }
    }
    return stored;
  }

  async pageForContact(accountId: number, contactId: number, page: { afterId?: number; limit: number }): Promise<ContactEvent[]> {
    let query = this.db.selectFrom('events').selectAll().where('contact_id', '=', contactId).where('account_id', '=', accountId);
    if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
    const rows = await query.orderBy('contact_id').orderBy('id').limit(page.limit).execute();
    return this.openRows(accountId, contactId, rows);
  }

  async countForContact(accountId: number, contactId: number): Promise<number> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('contact_id', '=', contactId)
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async idAtPosition(accountId: number, contactId: number, position: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('events')
      .select('id')
      .where('contact_id', '=', contactId)
      .where('account_id', '=', accountId)
      .orderBy('contact_id')
      .orderBy('id')
      .limit(1)
      .offset(position)
      .executeTakeFirst();
    return row?.id;
  }

  async listForContact(accountId: number, contactId: number, page: { before?: EventPosition; limit: number }): Promise<ContactEvent[]> {
    let query = this.db.selectFrom('events').selectAll().where('account_id', '=', accountId).where('contact_id', '=', contactId);
    const before = page.before;
    if (before) {
      query = query.where((eb) =>
        eb.or([eb('occurred_at', '<', before.occurredAt), eb.and([eb('occurred_at', '=', before.occurredAt), eb('id', '<', before.id)])]),
      );
    }
    const rows = await query.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
    return this.openRows(accountId, contactId, rows);
  }

  /** One contact's event rows as events, their sealed values opened under the contact's key. */
  private async openRows(accountId: number, contactId: number, rows: readonly Selectable<EventsTable>[]): Promise<ContactEvent[]> {
    if (!this.opener || !rows.some((r) => sealedOf(r) !== null)) return rows.map(toEvent);
    const uuid = (await this.uuidsOf(accountId, [contactId])).get(contactId) ?? '';
    const values = await this.opener.openMany<SealedEventValues>(rows.map((r) => ({ owner: uuid, sealed: sealedOf(r) })));
    return rows.map((row, i) => {
      const v = values[i];
      if (v !== undefined) return toEvent({ ...row, subject: v.subject, categories: v.categories, ip: v.ip, user_agent: v.userAgent, url: v.url });
      // A blob whose key is gone (erased) reads as no values.
      return toEvent(sealedOf(row) === null ? row : { ...row, categories: null });
    });
  }

  async summaries(accountId: number, contactIds: readonly number[]): Promise<Map<number, ActivitySummary>> {
    const out = new Map<number, ActivitySummary>();
    for (const run of chunked(contactIds, inListSize(this.capabilities))) {
      const rows = await this.db
        .selectFrom('events')
        .select((eb) => [
          'contact_id',
          eb.fn.sum<number | string>(eb.case().when('type', '=', 'delivered').then(1).else(0).end()).as('delivered'),
          eb.fn.sum<number | string>(eb.case().when('type', '=', 'spam_report').then(1).else(0).end()).as('spam'),
          eb.fn.max<number | string>('occurred_at').as('last'),
        ])
        .where('account_id', '=', accountId)
        .where('contact_id', 'in', run)
        .groupBy('contact_id')
        .execute();
      for (const row of rows) out.set(row.contact_id, { delivered: Number(row.delivered), spamReports: Number(row.spam), lastActivityAt: Number(row.last) });
    }
    return out;
  }
}
