import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { ListMembership, ListSortKey, Membership } from '../../core/lists/list.js';
import type { Database } from '../schema.js';

/** Per-list subscription state and offset paging of lists (vendor dialects). */

export async function membershipsOf(db: Kysely<Database>, accountId: number, contactId: number): Promise<ListMembership[]> {
  const rows = await db
    .selectFrom('list_memberships')
    .select(['list_id', 'contact_id', 'created_at', 'unsubscribed_at'])
    .where('account_id', '=', accountId)
    .where('contact_id', '=', contactId)
    .orderBy('list_id')
    .execute();
  return rows.map((r) => ({ listId: r.list_id, contactId: r.contact_id, createdAt: r.created_at, unsubscribedAt: r.unsubscribed_at }));
}

export async function putMembership(db: Kysely<Database>, accountId: number, m: Membership, unsubscribedAt: number | null, now: number): Promise<void> {
  await db
    .insertInto('list_memberships')
    .values({ account_id: accountId, contact_id: m.contactId, list_id: m.listId, created_at: now, unsubscribed_at: unsubscribedAt })
    .onConflict((oc) => oc.columns(['contact_id', 'list_id']).doUpdateSet({ unsubscribed_at: unsubscribedAt }).where('list_memberships.account_id', '=', accountId))
    .execute();
}

const LIST_SORT_COLUMNS = { id: 'id', name: 'name', createdAt: 'created_at' } as const;

export function listsPage(db: Kysely<Database>, accountId: number, query: { offset: number; limit: number; sort: { key: ListSortKey; descending: boolean } }) {
  const direction = query.sort.descending ? 'desc' : 'asc';
  return db
    .selectFrom('lists')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy(sql.ref(LIST_SORT_COLUMNS[query.sort.key]), direction)
    .orderBy('id', direction)
    .limit(query.limit)
    .offset(query.offset);
}

export async function countLists(db: Kysely<Database>, accountId: number): Promise<number> {
  const row = await db.selectFrom('lists').where('account_id', '=', accountId).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function subscriberCounts(db: Kysely<Database>, accountId: number, listIds: readonly number[]): Promise<Map<number, number>> {
  const counts = new Map<number, number>(listIds.map((id) => [id, 0]));
  if (listIds.length === 0) return counts;
  const rows = await db
    .selectFrom('list_memberships as m')
    .innerJoin('contacts as c', (join) => join.onRef('c.id', '=', 'm.contact_id').on('c.account_id', '=', accountId))
    .select(['m.list_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('m.account_id', '=', accountId)
    .where('m.list_id', 'in', [...listIds])
    .where('m.unsubscribed_at', 'is', null)
    .where('c.status', '=', 'active')
    .groupBy('m.list_id')
    .execute();
  for (const row of rows) counts.set(row.list_id, Number(row.n));
  return counts;
}
