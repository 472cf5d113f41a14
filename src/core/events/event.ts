/** Kinds of message activity, as the vendors' event webhooks name them. */
export const EVENT_TYPES = ['processed', 'delivered', 'open', 'click', 'bounce', 'unsubscribe', 'spam_report'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const isEventType = (value: unknown): value is EventType => (EVENT_TYPES as readonly unknown[]).includes(value);

/** One piece of message activity of one contact. Subject, categories, IP, user agent and URL are personal data. */
export interface ContactEvent {
  /** Unique per contact and increasing in the order the store received events (see the store's event ids). */
  id: number;
  accountId: number;
  contactId: number;
  type: EventType;
  messageId: string | null;
  subject: string | null;
  categories: string[];
  ip: string | null;
  userAgent: string | null;
  url: string | null;
  occurredAt: number;
}

/** An event to store: the store gives it its id. */
export type NewEvent = Omit<ContactEvent, 'id' | 'accountId'>;

/** Keyset position in a contact's events, newest first. */
export interface EventPosition {
  occurredAt: number;
  id: number;
}

/** Port: stored events. Every method is scoped by the account it is given. */
export interface EventsRepository {
  /** Stores events in multi-row batches under the bind limit; returns how many were stored. */
  insertMany(accountId: number, events: readonly NewEvent[]): Promise<number>;
  /** A contact's events in the order they were stored (by id), after `afterId`: each page walks the primary key, however many events there are. */
  pageForContact(accountId: number, contactId: number, page: { afterId?: number; limit: number }): Promise<ContactEvent[]>;
  /** A contact's events, newest first (by time, then id), after `before`. */
  listForContact(accountId: number, contactId: number, page: { before?: EventPosition; limit: number }): Promise<ContactEvent[]>;
}

/** A contact's activity in figures (vendor contact resources show them, e.g. Mailjet's DeliveredCount). */
export interface ActivitySummary {
  delivered: number;
  spamReports: number;
  /** The time of the latest event of any kind; null when there is none. */
  lastActivityAt: number | null;
}

/** Port, continued. */
export interface EventsRepository {
  /** Per contact of `contactIds` that has events: its summary (contacts without events are absent). */
  summaries(accountId: number, contactIds: readonly number[]): Promise<Map<number, ActivitySummary>>;
}
