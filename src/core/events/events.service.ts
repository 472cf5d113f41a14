import { isIP } from 'node:net';
import { isValidTime } from '../contacts/contact-input.js';
import type { CoreDeps } from '../context.js';
import type { Actor } from '../actor.js';
import { normalizeEmail } from '../crypto.js';
import { DAY_MS } from '../clock.js';
import { cleanEmail, isValidEmail } from '../email.js';
import { invalid, notFound } from '../errors.js';
import type { ErrorDetail } from '../errors.js';
import { checkPageLimit, isId } from '../input.js';
import { EVENT_TYPES, isEventType } from './event.js';
import type { ActivitySummary, ContactEvent, EventPosition, NewEvent } from './event.js';

export const EVENT_LIMITS = {
  batch: 10_000,
  messageId: 255,
  /** RFC 5322's line limit: no subject line is longer. */
  subject: 998,
  categories: 10,
  category: 255,
  userAgent: 1024,
  url: 8192,
} as const;

/** An event as a surface hands it in: the contact by id or by email, the time in epoch ms (NaN when unreadable). */
export interface EventInput {
  contactId?: number;
  email?: string;
  type: string;
  messageId?: string | null;
  subject?: string | null;
  categories?: readonly string[] | null;
  ip?: string | null;
  userAgent?: string | null;
  url?: string | null;
  /** Default: now. */
  occurredAt?: number;
}

export interface IngestResult {
  accepted: number;
  /** One entry per refused event, with its index; the others are stored. */
  errors: ErrorDetail[];
}

type Checked = { index: number; event: Omit<NewEvent, 'contactId'>; contactId?: number; emailNorm?: string };

const TEXTS = [
  ['messageId', 'message_id', EVENT_LIMITS.messageId],
  ['subject', 'subject', EVENT_LIMITS.subject],
  ['userAgent', 'user_agent', EVENT_LIMITS.userAgent],
  ['url', 'url', EVENT_LIMITS.url],
] as const;

/** The first problem of one event, or its stored form. Messages never quote values. */
function check(input: EventInput, index: number, now: number): Checked | ErrorDetail {
  const fail = (field: string, message: string): ErrorDetail => ({ index, field, message: `${field} ${message}` });
  const byId = input.contactId !== undefined;
  const byEmail = input.email !== undefined;
  if (byId === byEmail) return fail('contact_id', 'or email must be given (one of them)');
  if (byId && !isId(input.contactId)) return fail('contact_id', 'is not a contact id');
  if (byEmail && !isValidEmail(cleanEmail(input.email))) return fail('email', 'is not a valid email address');
  if (!isEventType(input.type)) return fail('type', `must be one of ${EVENT_TYPES.join(', ')}`);
  const occurredAt = input.occurredAt ?? now;
  // Activity from the future is a clock or parsing error upstream; a day of skew is allowed.
  if (!isValidTime(occurredAt) || occurredAt > now + DAY_MS) return fail('occurred_at', 'must be a valid time, not in the future');
  for (const [key, field, max] of TEXTS) {
    const value = input[key];
    if (value !== undefined && value !== null && (typeof value !== 'string' || value.length > max)) return fail(field, `must be text of at most ${max} characters`);
  }
  if (input.ip !== undefined && input.ip !== null && (typeof input.ip !== 'string' || isIP(input.ip) === 0)) return fail('ip', 'must be an IPv4 or IPv6 address');
  const categories = input.categories ?? [];
  if (!Array.isArray(categories) || categories.length > EVENT_LIMITS.categories || !categories.every((c) => typeof c === 'string' && c.length > 0 && c.length <= EVENT_LIMITS.category)) {
    return fail('categories', `must be at most ${EVENT_LIMITS.categories} strings of 1 to ${EVENT_LIMITS.category} characters`);
  }
  return {
    index,
    ...(byId ? { contactId: input.contactId as number } : { emailNorm: normalizeEmail(input.email as string) }),
    event: {
      type: input.type,
      messageId: input.messageId ?? null,
      subject: input.subject ?? null,
      categories: [...categories],
      ip: input.ip ?? null,
      userAgent: input.userAgent ?? null,
      url: input.url ?? null,
      occurredAt,
    },
  };
}

export class EventsService {
  constructor(private readonly deps: CoreDeps) {}

  /**
   * Stores a batch of message activity. Each event names its contact by id or email;
   * events that are invalid or name no contact of the account (or an erased one: its
   * activity must not come back) are reported by index, and the others are stored.
   */
  async ingest(actor: Actor, inputs: readonly EventInput[]): Promise<IngestResult> {
    if (inputs.length === 0 || inputs.length > EVENT_LIMITS.batch) throw invalid('events', `events holds 1 to ${EVENT_LIMITS.batch} events`);
    const { store, clock } = this.deps;
    const now = clock.now();
    const errors: ErrorDetail[] = [];
    const checked: Checked[] = [];
    inputs.forEach((input, index) => {
      const result = check(input, index, now);
      if ('event' in result) checked.push(result);
      else errors.push(result);
    });

    const ids = [...new Set(checked.flatMap((c) => (c.contactId === undefined ? [] : [c.contactId])))];
    const norms = [...new Set(checked.flatMap((c) => (c.emailNorm === undefined ? [] : [c.emailNorm])))];
    // Run again whole on a deadlock: the transaction's own errors start empty each time.
    const { accepted, notStored } = await store.transaction(async (tx) => {
      const notStored: ErrorDetail[] = [];
      // Share-locked: a contact erased meanwhile must not get its activity back.
      const statuses = ids.length > 0 ? await tx.contacts.statusesOf(actor.accountId, ids, { lock: 'share' }) : new Map<number, string>();
      const byEmail = norms.length > 0 ? await tx.contacts.findByIdentities(actor.accountId, { emailNorms: norms, externalKeys: [] }, { lock: 'share' }) : [];
      const idOfEmail = new Map(byEmail.filter((c) => c.status !== 'erased' && c.emailNorm !== null).map((c) => [c.emailNorm as string, c.id]));
      const events: NewEvent[] = [];
      for (const item of checked) {
        const byId = item.contactId !== undefined;
        const contactId = byId ? item.contactId : idOfEmail.get(item.emailNorm as string);
        const status = byId ? statuses.get(item.contactId as number) : contactId === undefined ? undefined : 'active';
        const field = byId ? 'contact_id' : 'email';
        if (contactId === undefined || status === undefined) notStored.push({ index: item.index, field, message: 'contact not found' });
        else if (status === 'erased') notStored.push({ index: item.index, field, message: 'contact is erased; its activity is not stored' });
        else events.push({ ...item.event, contactId });
      }
      return { accepted: events.length === 0 ? 0 : await tx.events.insertMany(actor.accountId, events), notStored };
    });
    errors.push(...notStored);
    errors.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return { accepted, errors };
  }

  /** A contact's events, newest first. */
  async listForContact(actor: Actor, contactId: number, page: { before?: EventPosition; limit: number }): Promise<{ events: ContactEvent[]; next: EventPosition | null }> {
    const limit = checkPageLimit(page.limit);
    const known = isId(contactId) ? await this.deps.store.contacts.statusesOf(actor.accountId, [contactId]) : new Map();
    if (!known.has(contactId)) throw notFound('contact');
    const rows = await this.deps.store.events.listForContact(actor.accountId, contactId, { ...page, limit: limit + 1 });
    const events = rows.slice(0, limit);
    const last = events[events.length - 1];
    return { events, next: rows.length > limit && last ? { occurredAt: last.occurredAt, id: last.id } : null };
  }

  /** Activity figures of some of the account's contacts (those without events are absent). */
  summaries(actor: Actor, contactIds: readonly number[]): Promise<Map<number, ActivitySummary>> {
    return this.deps.store.events.summaries(actor.accountId, contactIds);
  }
}
