import type { CoreDeps } from '../context.js';
import type { Actor } from '../actor.js';
import { AppError, invalid, notFound } from '../errors.js';
import type { ErrorDetail } from '../errors.js';
import { checkPageLimit, isId, throwIfProblems } from '../input.js';
import { LIST_SORT_KEYS } from './list.js';
import type { List, ListMembership, ListSortKey } from './list.js';

/**
 * What a change does to one membership:
 * - `subscribe`: join the list, or subscribe again if unsubscribed from it;
 * - `add`: join the list, keeping an earlier unsubscribe as it is;
 * - `remove`: leave the list;
 * - `unsubscribe`: stay on the list, unsubscribed from it.
 */
export const MEMBERSHIP_ACTIONS = ['subscribe', 'add', 'remove', 'unsubscribe'] as const;
export type MembershipAction = (typeof MEMBERSHIP_ACTIONS)[number];

/** One requested change, as the caller sent it: checked item by item. */
export interface MembershipChange {
  listId: unknown;
  action: unknown;
}

/** Most changes one request may carry. */
export const MAX_MEMBERSHIP_CHANGES = 1000;

/**
 * A contact's memberships one by one, with per-list subscription state (Mailjet's
 * managecontactslists and getcontactslists), and lists by offset.
 */
export class MembershipsService {
  constructor(private readonly deps: CoreDeps) {}

  /** The contact's memberships; NOT_FOUND for a contact the account does not have. */
  async ofContact(actor: Actor, contactId: number): Promise<ListMembership[]> {
    if (!isId(contactId) || (await this.deps.store.contacts.statusesOf(actor.accountId, [contactId])).size === 0) throw notFound('contact');
    return this.deps.store.lists.membershipsOf(actor.accountId, contactId);
  }

  /**
   * Applies changes to one contact's memberships, in order, all or nothing: every item
   * is checked first (list of the account, known action), and a bad one is reported
   * with its index and nothing is written. Only an active contact's memberships change.
   */
  async change(actor: Actor, contactId: number, changes: readonly MembershipChange[]): Promise<ListMembership[]> {
    if (changes.length === 0 || changes.length > MAX_MEMBERSHIP_CHANGES) throw invalid('changes', `1 to ${MAX_MEMBERSHIP_CHANGES} changes`);
    return this.deps.store.transaction(async (tx) => {
      const statuses = isId(contactId) ? await tx.contacts.statusesOf(actor.accountId, [contactId], { lock: 'update' }) : new Map();
      const status = statuses.get(contactId);
      if (status === undefined) throw notFound('contact');
      const listIds = changes.map((c) => c.listId).filter(isId);
      const known = await tx.lists.existingIds(actor.accountId, [...new Set(listIds)], { lock: 'share' });
      const problems: ErrorDetail[] = [];
      changes.forEach((change, index) => {
        if (!isId(change.listId) || !known.has(change.listId)) problems.push({ index, field: 'listId', message: 'no such list' });
        if (!(MEMBERSHIP_ACTIONS as readonly unknown[]).includes(change.action)) problems.push({ index, field: 'action', message: `action is one of ${MEMBERSHIP_ACTIONS.join(', ')}` });
      });
      throwIfProblems(problems);
      if (status !== 'active') throw new AppError('CONFLICT', `the contact is ${status}; its lists cannot change`);

      const now = this.deps.clock.now();
      const current = new Map((await tx.lists.membershipsOf(actor.accountId, contactId)).map((m) => [m.listId, m]));
      for (const change of changes) {
        const listId = change.listId as number;
        const existing = current.get(listId);
        const put = async (unsubscribedAt: number | null) => {
          await tx.lists.putMembership(actor.accountId, { contactId, listId }, unsubscribedAt, now);
          current.set(listId, { listId, contactId, createdAt: existing?.createdAt ?? now, unsubscribedAt });
        };
        switch (change.action as MembershipAction) {
          case 'subscribe':
            if (!existing || existing.unsubscribedAt !== null) await put(null);
            break;
          case 'add':
            if (!existing) await put(null);
            break;
          case 'unsubscribe':
            if (!existing || existing.unsubscribedAt === null) await put(now);
            break;
          case 'remove':
            if (existing) {
              await tx.lists.removeMemberships(actor.accountId, listId, [contactId]);
              current.delete(listId);
            }
            break;
        }
      }
      return [...current.values()].sort((a, b) => a.listId - b.listId);
    });
  }

  /** A page of the account's lists by offset, in a chosen order. */
  async listsByOffset(actor: Actor, query: { offset: number; limit: number; sort: { key: ListSortKey; descending: boolean } }): Promise<List[]> {
    const limit = checkPageLimit(query.limit);
    if (!Number.isSafeInteger(query.offset) || query.offset < 0) throw invalid('offset', 'offset is a whole number, 0 or more');
    if (!(LIST_SORT_KEYS as readonly string[]).includes(query.sort.key)) throw invalid('sort', `lists sort by ${LIST_SORT_KEYS.join(', ')}`);
    return this.deps.store.lists.listByOffset(actor.accountId, { ...query, limit });
  }

  countLists(actor: Actor): Promise<number> {
    return this.deps.store.lists.countLists(actor.accountId);
  }

  /** Per list: active contacts subscribed to it. */
  subscriberCounts(actor: Actor, listIds: readonly number[]): Promise<Map<number, number>> {
    return this.deps.store.lists.subscriberCounts(actor.accountId, listIds);
  }
}
