import { sql } from 'kysely';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { ContactStatus } from '../../core/contacts/contact.js';
import type { ContactFilter, ErasedContact, IdentityColumn, LifecycleContact, LifecycleRepository } from '../../core/lifecycle/lifecycle.js';
import type { LockOptions } from '../../core/locks.js';
import { accountOfKeyedRows, chunked, inValues, rowsRelation, VALUES_RUN, withLock } from '../batching.js';
import type { Capabilities } from '../database.js';
import type { Keyring } from '../keyring/keyring.js';
import type { Database } from '../schema.js';

const COLUMNS = ['id', 'status', 'email_norm', 'uuid', 'external_key'] as const;

const toContact = (row: { id: number; status: string; email_norm: string | null; uuid: string; external_key: string | null }): LifecycleContact => ({
  id: row.id,
  status: row.status as ContactStatus,
  emailNorm: row.email_norm,
  uuid: row.uuid,
  externalKey: row.external_key,
});

export class KyselyLifecycleRepository implements LifecycleRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
    /** Destroys erased and purged contacts' data keys: every copy of their sealed values becomes unreadable. */
    private readonly keyring?: Keyring,
  ) {}

  /** Contacts of the account matching a range-planned filter. */
  private filtered(accountId: number, filter: ContactFilter): SelectQueryBuilder<Database, 'contacts', object> {
    let query = this.db.selectFrom('contacts').where('account_id', '=', accountId).where('status', 'in', [...filter.statuses]);
    const { listId, purgeDueAt } = filter;
    if (listId !== undefined) {
      query = query.where('id', 'in', (eb) =>
        eb.selectFrom('list_memberships').select('contact_id').where('list_memberships.account_id', '=', accountId).where('list_memberships.list_id', '=', listId),
      );
    }
    const { listIds } = filter;
    if (listIds !== undefined) {
      query = query.where('id', 'in', (eb) =>
        eb.selectFrom('list_memberships').select('contact_id').where('list_memberships.account_id', '=', accountId).where('list_memberships.list_id', 'in', [...listIds]),
      );
    }
    if (purgeDueAt !== undefined) query = query.where('purge_at', '<=', purgeDueAt);
    return query;
  }

  async findBy(accountId: number, column: IdentityColumn, values: readonly (string | number)[], options?: LockOptions): Promise<LifecycleContact[]> {
    const found: LifecycleContact[] = [];
    for (const run of chunked(values, VALUES_RUN)) {
      // In id order, so that concurrent writers lock rows in one order and do not deadlock.
      const query = this.db
        .selectFrom('contacts')
        .select(COLUMNS)
        .where(column === 'id' ? accountOfKeyedRows(this.capabilities) : 'account_id', '=', accountId)
        .where(inValues(this.capabilities, column, run, column === 'id' ? 'bigint' : 'text'))
        .orderBy('id');
      for (const row of await withLock(query, this.capabilities, options).execute()) found.push(toContact(row));
    }
    return found;
  }

  async findInRange(accountId: number, filter: ContactFilter, start: number, end: number, options?: LockOptions): Promise<LifecycleContact[]> {
    const query = this.filtered(accountId, filter).select(COLUMNS).where('id', '>=', start).where('id', '<=', end).orderBy('id');
    return (await withLock(query, this.capabilities, options).execute()).map(toContact);
  }

  async countMatching(accountId: number, filter: ContactFilter): Promise<number> {
    const counted = await this.filtered(accountId, filter).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    return Number(counted.n);
  }

  async planRanges(accountId: number, filter: ContactFilter, size: number): Promise<{ ranges: Array<{ rangeStart: number; rangeEnd: number }>; total: number }> {
    const counted = await this.filtered(accountId, filter).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    const total = Number(counted.n);
    const ranges: Array<{ rangeStart: number; rangeEnd: number }> = [];
    if (total === 0) return { ranges, total };
    // Walk the index: the id `size` rows on closes each range; no id list is ever materialised.
    let after = 0;
    for (;;) {
      const first = await this.filtered(accountId, filter).select('id').where('id', '>', after).orderBy('id').limit(1).executeTakeFirst();
      if (!first) break;
      const last = await this.filtered(accountId, filter)
        .select('id')
        .where('id', '>', after)
        .orderBy('id')
        .limit(1)
        .offset(size - 1)
        .executeTakeFirst();
      if (!last) {
        const max = await this.filtered(accountId, filter).select('id').where('id', '>', after).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
        ranges.push({ rangeStart: first.id, rangeEnd: max.id });
        break;
      }
      ranges.push({ rangeStart: first.id, rangeEnd: last.id });
      after = last.id;
    }
    return { ranges, total };
  }

  async softDelete(accountId: number, ids: readonly number[], now: number, purgeAt: number | null): Promise<void> {
    for (const run of chunked(ids, VALUES_RUN)) {
      await this.db
        .updateTable('contacts')
        .set({ status: 'deleted', deleted_at: now, purge_at: purgeAt, updated_at: now })
        .where(accountOfKeyedRows(this.capabilities), '=', accountId)
        .where(this.ids('id', run))
        .where('status', '=', 'active')
        .execute();
      await this.db.deleteFrom('list_memberships').where(accountOfKeyedRows(this.capabilities), '=', accountId).where(this.ids('contact_id', run)).execute();
    }
  }

  private ids(column: 'id' | 'contact_id', run: readonly number[]) {
    return inValues(this.capabilities, column, run, 'bigint');
  }

  async restore(accountId: number, ids: readonly number[], now: number, listIds: readonly number[]): Promise<void> {
    for (const run of chunked(ids, VALUES_RUN)) {
      await this.db
        .updateTable('contacts')
        .set({ status: 'active', deleted_at: null, purge_at: null, updated_at: now })
        .where(accountOfKeyedRows(this.capabilities), '=', accountId)
        .where(this.ids('id', run))
        .where('status', '=', 'deleted')
        .execute();
    }
    if (listIds.length === 0 || ids.length === 0) return;
    const rows = ids.flatMap((contactId) => listIds.map((listId) => ({ account_id: accountId, contact_id: contactId, list_id: listId, created_at: now })));
    for (const run of chunked(rows, Math.floor(this.capabilities.maxBindParams / 4) - 10)) {
      await this.db
        .insertInto('list_memberships')
        .values(run)
        .onConflict((oc) => oc.columns(['contact_id', 'list_id']).doNothing())
        .execute();
    }
  }

  async erase(accountId: number, contacts: readonly ErasedContact[], now: number, purgeAt: number): Promise<void> {
    for (const run of chunked(contacts, VALUES_RUN)) {
      const ids = run.map((c) => c.id);
      const placeholders = run.flatMap((c) => (c.placeholder === null ? [] : [c.placeholder]));
      if (placeholders.length > 0) await this.releasePlaceholders(accountId, placeholders);
      await this.db
        .updateTable('contacts')
        .from(rowsRelation(this.capabilities, 'v', [['id', 'bigint'], ['placeholder', 'text']], run.map((c) => [c.id, c.placeholder])) as never)
        .set({
          email: null,
          email_norm: sql.ref('v.placeholder'),
          external_key: null,
          first_name: null,
          last_name: null,
          phone: null,
          custom_fields: '{}',
          attributes: '{}',
          create_source: null,
          update_source: null,
          opt_in_status: null,
          opt_in_at: null,
          opt_in_source: null,
          opt_in_ip: null,
          unsubscribed_at: null,
          unsubscribe_source: null,
          unsubscribe_reason: null,
          sealed: null,
          status: 'erased',
          erased_at: now,
          purge_at: purgeAt,
          updated_at: now,
        })
        .where(accountOfKeyedRows(this.capabilities, 'contacts.account_id'), '=', accountId)
        .whereRef('contacts.id', '=', sql.ref('v.id') as never)
        .where('contacts.status', '<>', 'erased')
        .returning('contacts.uuid')
        .execute()
        .then((rows) => this.destroyKeys(rows));
      await this.db.deleteFrom('list_memberships').where(accountOfKeyedRows(this.capabilities), '=', accountId).where(this.ids('contact_id', ids)).execute();
      // The contact's message history goes with its personal data (SendGrid's erase job and
      // Mailjet's GDPR delete both erase it). Deleting is also what the engines do fastest:
      // events are keyed (contact_id, id), so each contact is one clustered range, and on
      // PostgreSQL a DELETE writes no new tuple versions and no index entries, as an UPDATE would.
      await this.db.deleteFrom('events').where(accountOfKeyedRows(this.capabilities), '=', accountId).where(this.ids('contact_id', ids)).execute();
    }
  }

  /**
   * An earlier shell of the same address (erased, re-added, erased again) gives up its
   * placeholder: the unique (account, email_norm) index allows one holder. The holders are
   * found through that index first; filtering on status in the same statement let PostgreSQL
   * walk every erased shell of the account instead, once per chunk of a large erase.
   */
  private async releasePlaceholders(accountId: number, placeholders: readonly string[]): Promise<void> {
    const holders = await this.db.selectFrom('contacts').select(['id', 'status']).where('account_id', '=', accountId).where(inValues(this.capabilities, 'email_norm', placeholders, 'text')).execute();
    const shells = holders.filter((h) => h.status === 'erased').map((h) => h.id);
    if (shells.length === 0) return;
    await this.db.updateTable('contacts').set({ email_norm: null }).where(accountOfKeyedRows(this.capabilities), '=', accountId).where(this.ids('id', shells)).where('status', '=', 'erased').execute();
  }

  async purge(accountId: number, ids: readonly number[]): Promise<void> {
    for (const run of chunked(ids, VALUES_RUN)) {
      await this.db.deleteFrom('events').where(accountOfKeyedRows(this.capabilities), '=', accountId).where(this.ids('contact_id', run)).execute();
      await this.db.deleteFrom('list_memberships').where(accountOfKeyedRows(this.capabilities), '=', accountId).where(this.ids('contact_id', run)).execute();
      await this.destroyKeys(await this.db.deleteFrom('contacts').where(accountOfKeyedRows(this.capabilities), '=', accountId).where(this.ids('id', run)).returning('uuid').execute());
    }
  }

  /**
   * The data keys of erased or purged contacts are destroyed as their rows change, before the
   * transaction commits: if it then rolls back, the contact keeps its row but its sealed values
   * are unreadable, which is what was asked, and the retry completes the rest.
   */
  private async destroyKeys(rows: ReadonlyArray<{ uuid: string }>): Promise<void> {
    if (this.keyring && rows.length > 0) await this.keyring.destroy(rows.map((r) => r.uuid));
  }

  async accountsWithDuePurges(now: number, limit: number): Promise<number[]> {
    const rows = await this.db.selectFrom('contacts').select('account_id').distinct().where('purge_at', '<=', now).orderBy('account_id').limit(limit).execute();
    return rows.map((r) => r.account_id);
  }
}
