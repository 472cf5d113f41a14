import type { CoreDeps } from '../context.js';
import type { Actor } from '../actor.js';
import { newUuid, normalizeEmail } from '../crypto.js';
import { cleanEmail, isValidEmail } from '../email.js';

/** One address of a lookup: what it matched. */
export interface LookupResult {
  /** Its position in the request, from 0. */
  index: number;
  outcome: 'found' | 'not_found' | 'invalid';
  contact: Contact | null;
}
import { AppError, invalid, notFound } from '../errors.js';
import type { ErrorDetail } from '../errors.js';
import type { Repositories } from '../ports.js';
import { CONTACT_SORT_KEYS, CONTACT_STATUSES } from './contact.js';
import type { Contact, ContactInput, ContactCountQuery, ContactFilter, ContactOffsetQuery, ContactQuery, ContactRecord } from './contact.js';
import { applyContactInput, contactInputProblems, recordProblems } from './contact-input.js';
import { checkPageLimit, isId, pageOf, throwIfProblems } from '../input.js';
import { checkListIds, checkSource } from './contact-rules.js';
import { AuditService } from '../audit/audit.service.js';
import { requireScope } from '../keys/scopes.js';
import { upsertContacts } from './upsert-contacts.js';
import { guardSingle } from '../reimport/guard.js';
import type { UpsertItemResult, UpsertManyOptions } from './upsert-contacts.js';

export interface ContactWriteOptions {
  /** Recorded as create/update source; default: the surface the request came through. */
  source?: string;
  /** Lists the contact joins (added, never removed). */
  listIds?: readonly number[];
}

export interface ContactPage {
  contacts: Contact[];
  /** The id to continue after, or null on the last page. */
  nextAfterId: number | null;
}

/** Most addresses one lookup may name. */
export const MAX_LOOKUP_EMAILS = 1000;

export class ContactsService {
  constructor(private readonly deps: CoreDeps) {}

  /**
   * Creates a contact; ALREADY_EXISTS when its email or external key is taken in the account.
   * An address once erased in the account is refused under the `block` re-import policy
   * (CONFLICT) and reported (`onceErased`) under `warn`.
   */
  async create(actor: Actor, input: ContactInput, options: ContactWriteOptions = {}): Promise<Contact & { onceErased?: true }> {
    const source = checkSource(options.source ?? actor.via);
    throwIfProblems(contactInputProblems(input));
    const record = applyContactInput(undefined, input, { now: this.deps.clock.now(), source, uuid: newUuid() });
    throwIfProblems(recordProblems(record));
    return this.deps.store.transaction(async (tx) => {
      const listIds = await checkListIds(tx, actor.accountId, options.listIds);
      await assertIdentitiesFree(tx, actor.accountId, record, undefined);
      const flag = (await guardSingle(tx, this.deps.hasher, actor.accountId, record.emailNorm, null)) ? { onceErased: true as const } : {};
      const contact = await tx.contacts.insert(actor.accountId, record).catch(duplicate);
      if (listIds.length === 0) return { ...contact, ...flag };
      await tx.lists.addMemberships(actor.accountId, listIds.map((listId) => ({ contactId: contact.id, listId })), record.createdAt);
      return { ...contact, listIds: [...listIds].sort((a, b) => a - b), ...flag };
    });
  }

  /**
   * Creates the contact with this email, or updates it with the given fields. A
   * soft-deleted contact becomes active again; an erased one is never matched.
   */
  async upsert(actor: Actor, input: ContactInput, options: ContactWriteOptions = {}): Promise<{ contact: Contact; created: boolean; onceErased: boolean }> {
    const [result] = await this.upsertMany(actor.accountId, [input], { source: options.source ?? actor.via, ...(options.listIds ? { listIds: options.listIds } : {}) });
    if (!result || result.outcome === 'invalid') {
      const detail: ErrorDetail = { field: result?.field ?? 'email', message: result?.message ?? 'the contact could not be written' };
      throw new AppError(result?.code ?? 'CONFLICT', detail.message, { ...(detail.field ? { field: detail.field } : {}), details: [detail] });
    }
    return { contact: await this.get(actor, result.contactId), created: result.outcome === 'created', onceErased: result.onceErased === true };
  }

  /** Bulk upsert for vendor dialects and imports: see `upsertContacts`. */
  upsertMany(accountId: number, inputs: readonly ContactInput[], options: UpsertManyOptions): Promise<UpsertItemResult[]> {
    return upsertContacts(this.deps, accountId, inputs, options);
  }

  /** Changes the given fields only. An erased contact cannot change (CONFLICT). */
  async patch(actor: Actor, id: number, input: ContactInput, options: Pick<ContactWriteOptions, 'source'> = {}): Promise<Contact> {
    const source = checkSource(options.source ?? actor.via);
    throwIfProblems(contactInputProblems(input));
    return this.deps.store.transaction(async (tx) => {
      const existing = await tx.contacts.findById(actor.accountId, id, { lock: 'update' });
      if (!existing) throw notFound('contact');
      if (existing.status === 'erased') throw new AppError('CONFLICT', 'the contact is erased; it cannot be changed');
      const record = applyContactInput(existing, input, { now: this.deps.clock.now(), source, uuid: existing.uuid });
      throwIfProblems(recordProblems(record));
      await assertIdentitiesFree(tx, actor.accountId, record, id);
      // A contact taking an address once erased here: refused under `block`.
      await guardSingle(tx, this.deps.hasher, actor.accountId, record.emailNorm, existing.email === null ? null : normalizeEmail(existing.email));
      const updated = await tx.contacts.update(actor.accountId, id, record).catch(duplicate);
      if (!updated) throw new AppError('CONFLICT', 'the contact is erased; it cannot be changed');
      return updated;
    });
  }

  /** Any contact of the account, erased ones included (their shell). */
  async get(actor: Actor, id: number): Promise<Contact> {
    const contact = isId(id) ? await this.deps.store.contacts.findById(actor.accountId, id) : undefined;
    if (!contact) throw notFound('contact');
    return contact;
  }

  async getByUuid(actor: Actor, uuid: string): Promise<Contact> {
    const contact = await this.deps.store.contacts.findByUuid(actor.accountId, uuid);
    if (!contact) throw notFound('contact');
    return contact;
  }

  async getByExternalKey(actor: Actor, externalKey: string): Promise<Contact> {
    const contact = await this.deps.store.contacts.findByExternalKey(actor.accountId, externalKey);
    if (!contact) throw notFound('contact');
    return contact;
  }

  /** Contacts with these addresses (compared case-insensitively), and how many addresses matched none. */
  async lookupByEmails(actor: Actor, emails: readonly string[]): Promise<{ contacts: Contact[]; notFound: number }> {
    if (emails.length === 0 || emails.length > MAX_LOOKUP_EMAILS) throw invalid('emails', `emails holds 1 to ${MAX_LOOKUP_EMAILS} addresses`);
    const problems = emails.flatMap((email, index) => (isValidEmail(cleanEmail(email)) ? [] : [{ index, field: `emails[${index}]`, message: `emails[${index}] is not a valid email address` }]));
    throwIfProblems(problems);
    const norms = [...new Set(emails.map(normalizeEmail))];
    const contacts = await this.deps.store.contacts.findByEmailNorms(actor.accountId, norms);
    return { contacts, notFound: norms.length - contacts.length };
  }

  /**
   * Looks addresses up one by one, in request order: each is `found` (with its contact),
   * `not_found` or `invalid`, and a bad address never fails the others. Addresses are
   * trimmed and compared case-insensitively, as everywhere.
   */
  async lookupEach(actor: Actor, emails: readonly string[]): Promise<LookupResult[]> {
    if (emails.length === 0 || emails.length > MAX_LOOKUP_EMAILS) throw invalid('emails', `emails holds 1 to ${MAX_LOOKUP_EMAILS} addresses`);
    const valid = emails.map((email) => typeof email === 'string' && isValidEmail(cleanEmail(email)));
    const norms = [...new Set(emails.filter((_, i) => valid[i]).map(normalizeEmail))];
    const found = norms.length === 0 ? [] : await this.deps.store.contacts.findByEmailNorms(actor.accountId, norms);
    const byNorm = new Map(found.flatMap((c) => (c.email === null ? [] : [[normalizeEmail(c.email), c] as const])));
    return emails.map((email, index) => {
      if (!valid[index]) return { index, outcome: 'invalid' as const, contact: null };
      const contact = byNorm.get(normalizeEmail(email));
      return contact ? { index, outcome: 'found' as const, contact } : { index, outcome: 'not_found' as const, contact: null };
    });
  }

  /** A page of contacts in id order. */
  async list(actor: Actor, query: ContactQuery): Promise<ContactPage> {
    const limit = checkPageLimit(query.limit);
    if (query.listId !== undefined && !(await this.deps.store.lists.findById(actor.accountId, query.listId))) throw notFound('list');
    const { items, nextAfterId } = pageOf(await this.deps.store.contacts.list(actor.accountId, { ...query, limit: limit + 1 }), limit);
    return { contacts: items, nextAfterId };
  }

  /** Contacts (any status) with these uuids, in id order; uuids that match none are left out. */
  async getManyByUuids(actor: Actor, uuids: readonly string[]): Promise<Contact[]> {
    if (uuids.length > MAX_LOOKUP_EMAILS) throw invalid('ids', `ids holds at most ${MAX_LOOKUP_EMAILS} ids`);
    return uuids.length === 0 ? [] : this.deps.store.contacts.findByUuids(actor.accountId, [...new Set(uuids)]);
  }

  /** How many contacts of the account match a status and, optionally, a list. */
  async count(actor: Actor, query: ContactCountQuery): Promise<number> {
    if (query.listId !== undefined && !(await this.deps.store.lists.findById(actor.accountId, query.listId))) throw notFound('list');
    return this.deps.store.contacts.count(actor.accountId, query);
  }

  /** A page by offset in a chosen order (vendor APIs that page by index, e.g. Mailjet's Offset and Sort). */
  async listByOffset(actor: Actor, query: ContactOffsetQuery): Promise<Contact[]> {
    const limit = checkPageLimit(query.limit);
    if (!Number.isSafeInteger(query.offset) || query.offset < 0) throw invalid('offset', 'offset is a whole number, 0 or more');
    if (!(CONTACT_SORT_KEYS as readonly string[]).includes(query.sort.key)) throw invalid('sort', `contacts sort by ${CONTACT_SORT_KEYS.join(', ')}`);
    await this.checkFilter(actor, query);
    return this.deps.store.contacts.listByOffset(actor.accountId, { ...query, limit });
  }

  /** How many contacts match a filter (the total of an offset-paged listing). */
  async countMatching(actor: Actor, filter: ContactFilter): Promise<number> {
    await this.checkFilter(actor, filter);
    return this.deps.store.contacts.countMatching(actor.accountId, filter);
  }

  private async checkFilter(actor: Actor, filter: ContactFilter): Promise<void> {
    if (filter.statuses.length === 0 || !filter.statuses.every((s) => (CONTACT_STATUSES as readonly string[]).includes(s))) {
      throw invalid('status', `statuses are some of ${CONTACT_STATUSES.join(', ')}`);
    }
    if (filter.listId !== undefined && !(isId(filter.listId) && (await this.deps.store.lists.findById(actor.accountId, filter.listId)))) throw notFound('list');
    if (filter.listIds !== undefined) await checkListIds(this.deps.store, actor.accountId, filter.listIds);
    for (const [field, value] of [['updated_after', filter.updatedAfter], ['updated_before', filter.updatedBefore], ['created_after', filter.createdAfter], ['created_before', filter.createdBefore]] as const) {
      if (value !== undefined && !Number.isSafeInteger(value)) throw invalid(field, `${field} is a time`);
    }
    if (filter.afterId !== undefined && !isId(filter.afterId)) throw invalid('cursor', 'cursor is not one this API gave');
  }

  /**
   * Replaces a contact's fields with the input (as a PUT: the caller passes `null` for every
   * field it omits) and, when `listIds` is given, its list memberships with exactly those
   * lists. A soft-deleted contact becomes active again (revived, with an audit entry): a
   * write, not a restore operation, as vendors whose PUT revives (Constant Contact) have
   * it. An erased contact cannot change (CONFLICT).
   */
  async replace(actor: Actor, id: number, input: ContactInput, options: ContactWriteOptions = {}): Promise<{ contact: Contact; revived: boolean }> {
    requireScope(actor, 'write');
    const source = checkSource(options.source ?? actor.via);
    throwIfProblems(contactInputProblems(input));
    return this.deps.store.transaction(async (tx) => {
      const existing = await tx.contacts.findById(actor.accountId, id, { lock: 'update' });
      if (!existing) throw notFound('contact');
      if (existing.status === 'erased') throw new AppError('CONFLICT', 'the contact is erased; it cannot be changed');
      const now = this.deps.clock.now();
      const record = applyContactInput(existing, input, { now, source, uuid: existing.uuid });
      throwIfProblems(recordProblems(record));
      const listIds = options.listIds === undefined ? undefined : await checkListIds(tx, actor.accountId, options.listIds);
      await assertIdentitiesFree(tx, actor.accountId, record, id);
      // A contact taking an address once erased here: refused under `block`.
      await guardSingle(tx, this.deps.hasher, actor.accountId, record.emailNorm, existing.email === null ? null : normalizeEmail(existing.email));
      const updated = await tx.contacts.update(actor.accountId, id, record).catch(duplicate);
      if (!updated) throw new AppError('CONFLICT', 'the contact is erased; it cannot be changed');
      const revived = existing.status === 'deleted';
      if (revived) {
        await tx.lifecycle.restore(actor.accountId, [id], now, []);
        await new AuditService(this.deps).record(tx, {
          accountId: actor.accountId,
          actorKeyId: actor.keyId,
          via: actor.via,
          action: 'contact.restored',
          subjectType: 'contact',
          subjectId: String(id),
          data: { contact_id: id, lists: listIds?.length ?? 0 },
        });
      }
      if (listIds !== undefined) {
        const keep = new Set(listIds);
        const current = revived ? [] : await tx.lists.membershipsOf(actor.accountId, id);
        for (const membership of current) {
          if (!keep.has(membership.listId)) await tx.lists.removeMemberships(actor.accountId, membership.listId, [id]);
        }
        if (listIds.length > 0) await tx.lists.addContactsToLists(actor.accountId, [id], listIds, now);
      }
      const contact = await tx.contacts.findById(actor.accountId, id);
      if (!contact) throw notFound('contact');
      return { contact, revived };
    });
  }
}

/**
 * Refuses a record whose email or external key another contact of the account holds,
 * naming the field. An erased contact's email matches nobody.
 */
async function assertIdentitiesFree(tx: Repositories, accountId: number, record: ContactRecord, selfId: number | undefined): Promise<void> {
  const found = await tx.contacts.findByIdentities(accountId, {
    emailNorms: record.emailNorm === null ? [] : [record.emailNorm],
    externalKeys: record.externalKey === null ? [] : [record.externalKey],
  });
  for (const other of found) {
    if (other.id === selfId) continue;
    if (record.emailNorm !== null && other.emailNorm === record.emailNorm && other.status !== 'erased') {
      throw new AppError('ALREADY_EXISTS', 'a contact with this email already exists', { field: 'email' });
    }
    if (record.externalKey !== null && other.externalKey === record.externalKey) {
      throw new AppError('ALREADY_EXISTS', 'a contact with this external_key already exists', { field: 'external_key' });
    }
  }
}

/** A unique violation that slipped past the check (a concurrent writer) reads as the same conflict. */
function duplicate(error: unknown): never {
  if (error instanceof AppError && error.code === 'ALREADY_EXISTS') {
    throw new AppError('ALREADY_EXISTS', 'a contact with this email or external_key already exists', { cause: error });
  }
  throw error;
}
