import { sql } from 'kysely';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { ContactFilter, ContactOffsetQuery, ContactSortKey } from '../../core/contacts/contact.js';
import type { ContactsTable, Database } from '../schema.js';

/** Offset-paged contact queries (vendor dialects that page by index and sort by a field). */

type ContactsSelect = SelectQueryBuilder<Database, 'contacts', object>;

const SORT_COLUMNS: Record<ContactSortKey, Array<keyof ContactsTable>> = {
  id: ['id'],
  email: ['email_norm'],
  name: ['first_name', 'last_name'],
  createdAt: ['created_at'],
  updatedAt: ['updated_at'],
  excludedFromCampaigns: ['excluded_from_campaigns'],
};

/** Contacts of one account matching a filter. */
export function filteredContacts(db: Kysely<Database>, accountId: number, filter: ContactFilter): ContactsSelect {
  let select: ContactsSelect = db.selectFrom('contacts').where('contacts.account_id', '=', accountId);
  if (filter.listId !== undefined) {
    const listId = filter.listId;
    select = select.where((eb) =>
      eb.exists(
        eb
          .selectFrom('list_memberships as m')
          .select('m.contact_id')
          .whereRef('m.contact_id', '=', 'contacts.id')
          .where('m.list_id', '=', listId)
          .where('m.account_id', '=', accountId),
      ),
    );
  }
  const { listIds } = filter;
  if (listIds !== undefined && listIds.length > 0) {
    select = select.where((eb) =>
      eb.exists(
        eb
          .selectFrom('list_memberships as m')
          .select('m.contact_id')
          .whereRef('m.contact_id', '=', 'contacts.id')
          .where('m.list_id', 'in', [...listIds])
          .where('m.account_id', '=', accountId),
      ),
    );
  }
  select = select.where('contacts.status', 'in', [...filter.statuses]);
  if (filter.emailNorm !== undefined) select = select.where('contacts.email_norm', '=', filter.emailNorm);
  if (filter.updatedAfter !== undefined) select = select.where('contacts.updated_at', '>=', filter.updatedAfter);
  if (filter.updatedBefore !== undefined) select = select.where('contacts.updated_at', '<', filter.updatedBefore);
  if (filter.afterId !== undefined) select = select.where('contacts.id', '>', filter.afterId);
  if (filter.unsubscribed !== undefined) select = select.where('contacts.unsubscribed_at', filter.unsubscribed ? 'is not' : 'is', null);
  if (filter.optInStatus !== undefined) select = select.where('contacts.opt_in_status', '=', filter.optInStatus);
  if (filter.createdAfter !== undefined) select = select.where('contacts.created_at', '>=', filter.createdAfter);
  if (filter.createdBefore !== undefined) select = select.where('contacts.created_at', '<', filter.createdBefore);
  if (filter.excludedFromCampaigns !== undefined) select = select.where('contacts.excluded_from_campaigns', '=', filter.excludedFromCampaigns ? 1 : 0);
  return select;
}

/**
 * A page in the query's order. Unset values sort last in both directions, on both
 * engines alike (SQLite and PostgreSQL disagree on where NULLs go), and the id breaks ties.
 */
export function contactsPage(db: Kysely<Database>, accountId: number, query: ContactOffsetQuery) {
  const direction = query.sort.descending ? 'desc' : 'asc';
  let select = filteredContacts(db, accountId, query).selectAll('contacts');
  for (const column of SORT_COLUMNS[query.sort.key]) {
    const ref = sql.ref(`contacts.${column}`);
    select = select.orderBy(sql`case when ${ref} is null then 1 else 0 end`).orderBy(ref, direction);
  }
  return select.orderBy('contacts.id', direction).limit(query.limit).offset(query.offset);
}
