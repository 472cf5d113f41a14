import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import type { List, ListMembership, ListPatch, ListSortKey, ListsRepository, Membership, NewList } from '../../core/lists/list.js';
import type { LockOptions } from '../../core/locks.js';
import { chunked, idsRelation, inListSize, rowsRelation, withLock } from '../batching.js';
import type { Capabilities } from '../database.js';
import { withDriverErrors } from '../errors.js';
import type { Database, ListsTable } from '../schema.js';
import { countLists, listsPage, membershipsOf, putMembership, subscriberCounts } from './list-memberships.query.js';

const toList = (row: Selectable<ListsTable>): List => ({
  id: row.id,
  accountId: row.account_id,
  uuid: row.uuid,
  name: row.name,
  externalKey: row.external_key,
  description: row.description,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Memberships per statement: they are bound as two arrays (or one JSON text), not one value each. */
const MEMBERSHIP_RUN = 100_000;
const MEMBERSHIP_PAIR = [['contact_id', 'bigint'], ['list_id', 'bigint']] as const;

export class KyselyListsRepository implements ListsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {}

  async create(accountId: number, list: NewList, now: number): Promise<List> {
    const row = await withDriverErrors(() =>
      this.db
        .insertInto('lists')
        .values({ account_id: accountId, uuid: list.uuid, name: list.name, external_key: list.externalKey ?? null, description: list.description, created_at: now, updated_at: now })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toList(row);
  }

  async findById(accountId: number, id: number, options?: LockOptions): Promise<List | undefined> {
    const query = this.db.selectFrom('lists').selectAll().where('account_id', '=', accountId).where('id', '=', id);
    const row = await withLock(query, this.capabilities, options).executeTakeFirst();
    return row && toList(row);
  }

  async findByName(accountId: number, name: string): Promise<List | undefined> {
    const row = await this.db.selectFrom('lists').selectAll().where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst();
    return row && toList(row);
  }

  async findByExternalKey(accountId: number, externalKey: string): Promise<List | undefined> {
    const row = await this.db.selectFrom('lists').selectAll().where('account_id', '=', accountId).where('external_key', '=', externalKey).executeTakeFirst();
    return row && toList(row);
  }

  async existingIds(accountId: number, ids: readonly number[], options?: LockOptions): Promise<Set<number>> {
    const found = new Set<number>();
    for (const run of chunked(ids, inListSize(this.capabilities))) {
      const query = this.db.selectFrom('lists').select('id').where('account_id', '=', accountId).where('id', 'in', run).orderBy('id');
      for (const row of await withLock(query, this.capabilities, options).execute()) found.add(row.id);
    }
    return found;
  }

  async list(accountId: number, page: { afterId?: number; limit: number }): Promise<List[]> {
    let query = this.db.selectFrom('lists').selectAll().where('account_id', '=', accountId);
    if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
    const rows = await query.orderBy('id').limit(page.limit).execute();
    return rows.map(toList);
  }

  async update(accountId: number, id: number, patch: ListPatch, now: number): Promise<List | undefined> {
    const row = await withDriverErrors(() =>
      this.db
        .updateTable('lists')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.externalKey !== undefined ? { external_key: patch.externalKey } : {}),
          updated_at: now,
        })
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    return row && toList(row);
  }

  async delete(accountId: number, id: number): Promise<boolean> {
    const deleted = await this.db.deleteFrom('lists').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) return false;
    await this.db.deleteFrom('list_memberships').where('account_id', '=', accountId).where('list_id', '=', id).execute();
    return true;
  }

  async addMemberships(accountId: number, memberships: readonly Membership[], now: number): Promise<number> {
    let added = 0;
    // Set-based: a run of pairs is one statement with the pairs bound as one JSON text.
    for (const run of chunked(memberships, MEMBERSHIP_RUN)) {
      const pairs = rowsRelation(this.capabilities, 'm', MEMBERSHIP_PAIR, run.map((m) => [m.contactId, m.listId]));
      const result = await sql`insert into list_memberships (account_id, contact_id, list_id, created_at)
        select ${accountId}, m.contact_id, m.list_id, ${now} from ${pairs} where true
        on conflict (contact_id, list_id) do nothing`.execute(this.db);
      added += Number(result.numAffectedRows ?? 0);
    }
    return added;
  }

  async addContactsToLists(accountId: number, contactIds: readonly number[], listIds: readonly number[], now: number, options?: { newContacts?: boolean }): Promise<void> {
    if (listIds.length === 0) return;
    const onConflict = options?.newContacts ? sql`` : sql`on conflict (contact_id, list_id) do nothing`;
    for (const run of chunked(contactIds, MEMBERSHIP_RUN)) {
      // Contacts outer, lists inner: rows arrive in primary-key order.
      await sql`insert into list_memberships (account_id, contact_id, list_id, created_at)
        select ${accountId}, c.id, l.id, ${now} from ${idsRelation(this.capabilities, 'c', run)} cross join ${idsRelation(this.capabilities, 'l', listIds)}
        where true ${onConflict}`.execute(this.db);
    }
  }

  async removeMemberships(accountId: number, listId: number, contactIds: readonly number[]): Promise<number> {
    let removed = 0;
    for (const run of chunked(contactIds, inListSize(this.capabilities))) {
      const result = await this.db
        .deleteFrom('list_memberships')
        .where('account_id', '=', accountId)
        .where('list_id', '=', listId)
        .where('contact_id', 'in', run)
        .executeTakeFirst();
      removed += Number(result.numDeletedRows);
    }
    return removed;
  }

  membershipsOf(accountId: number, contactId: number): Promise<ListMembership[]> {
    return membershipsOf(this.db, accountId, contactId);
  }

  putMembership(accountId: number, membership: Membership, unsubscribedAt: number | null, now: number): Promise<void> {
    return putMembership(this.db, accountId, membership, unsubscribedAt, now);
  }

  async listByOffset(accountId: number, query: { offset: number; limit: number; sort: { key: ListSortKey; descending: boolean } }): Promise<List[]> {
    return (await listsPage(this.db, accountId, query).execute()).map(toList);
  }

  countLists(accountId: number): Promise<number> {
    return countLists(this.db, accountId);
  }

  subscriberCounts(accountId: number, listIds: readonly number[]): Promise<Map<number, number>> {
    return subscriberCounts(this.db, accountId, listIds);
  }

  async findByUuids(accountId: number, uuids: readonly string[]): Promise<List[]> {
    const rows: Array<Selectable<ListsTable>> = [];
    for (const run of chunked(uuids, inListSize(this.capabilities))) {
      rows.push(...(await this.db.selectFrom('lists').selectAll().where('account_id', '=', accountId).where('uuid', 'in', run).orderBy('id').execute()));
    }
    return rows.map(toList);
  }

  async findByIds(accountId: number, ids: readonly number[]): Promise<List[]> {
    const rows: Array<Selectable<ListsTable>> = [];
    for (const run of chunked(ids, inListSize(this.capabilities))) {
      rows.push(...(await this.db.selectFrom('lists').selectAll().where('account_id', '=', accountId).where('id', 'in', run).orderBy('id').execute()));
    }
    return rows.map(toList);
  }
}
