import { sql } from 'kysely';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type {
  Contact,
  ContactCountQuery,
  ContactFilter,
  ContactOffsetQuery,
  ContactQuery,
  ContactRecord,
  ContactsRepository,
  ContactStatus,
  ContactWrite,
  ExistingContact,
  MatchBy,
  UpsertedRow,
} from '../../core/contacts/contact.js';
import type { LockOptions } from '../../core/locks.js';
import { accountOfKeyedRows, chunked, inListSize, inValues, rowsRelation, withLock } from '../batching.js';
import type { BulkType } from '../batching.js';
import type { Capabilities } from '../database.js';
import { invalid } from '../../core/errors.js';
import { withDriverErrors } from '../errors.js';
import type { Sealer } from '../keyring/sealer.js';
import type { ContactsTable, Database } from '../schema.js';
import { openRows, sealRecords } from './contact-sealing.js';
import { contactsPage, filteredContacts } from './contacts-offset.query.js';

type Row = Selectable<ContactsTable>;

function parseObject<T>(text: string): Record<string, T> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, T>) : {};
  } catch {
    return {};
  }
}

const toExisting = (row: Row): ExistingContact => ({
  id: row.id,
  status: row.status as ContactStatus,
  uuid: row.uuid,
  externalKey: row.external_key,
  email: row.email,
  emailNorm: row.email_norm,
  firstName: row.first_name,
  lastName: row.last_name,
  phone: row.phone,
  customFields: parseObject(row.custom_fields),
  attributes: parseObject(row.attributes),
  createSource: row.create_source,
  updateSource: row.update_source,
  optInStatus: row.opt_in_status,
  optInAt: row.opt_in_at,
  optInSource: row.opt_in_source,
  optInIp: row.opt_in_ip,
  excludedFromCampaigns: row.excluded_from_campaigns === 1,
  unsubscribedAt: row.unsubscribed_at,
  unsubscribeSource: row.unsubscribe_source,
  unsubscribeReason: row.unsubscribe_reason,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

function toContact(row: Row, listIds: number[]): Contact {
  const { emailNorm: _emailNorm, ...fields } = toExisting(row);
  const placeholderEmail = row.status === 'erased' && row.email_norm !== null && row.email_norm.startsWith('\\x') ? row.email_norm : null;
  return { ...fields, accountId: row.account_id, deletedAt: row.deleted_at, erasedAt: row.erased_at, purgeAt: row.purge_at, placeholderEmail, listIds };
}

/** The columns a single-row write sets from a record (its personal values already sealed, when encrypted). */
const valuesOf = (accountId: number, r: ContactRecord, sealed: Buffer | null): Insertable<ContactsTable> => ({
  sealed,
  account_id: accountId,
  uuid: r.uuid,
  external_key: r.externalKey,
  email: r.email,
  email_norm: r.emailNorm,
  first_name: r.firstName,
  last_name: r.lastName,
  phone: r.phone,
  custom_fields: JSON.stringify(r.customFields),
  attributes: JSON.stringify(r.attributes),
  create_source: r.createSource,
  update_source: r.updateSource,
  opt_in_status: r.optInStatus,
  opt_in_at: r.optInAt,
  opt_in_source: r.optInSource,
  opt_in_ip: r.optInIp,
  excluded_from_campaigns: r.excludedFromCampaigns ? 1 : 0,
  unsubscribed_at: r.unsubscribedAt,
  unsubscribe_source: r.unsubscribeSource,
  unsubscribe_reason: r.unsubscribeReason,
  status: 'active',
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

/** Columns a write of an existing contact changes: never its account, uuid, creation or lifecycle. */
const MUTABLE = [
  'external_key', 'email', 'email_norm', 'first_name', 'last_name', 'phone', 'custom_fields', 'attributes', 'update_source',
  'opt_in_status', 'opt_in_at', 'opt_in_source', 'opt_in_ip', 'excluded_from_campaigns', 'unsubscribed_at', 'unsubscribe_source',
  'unsubscribe_reason', 'updated_at', 'sealed',
] as const;

/** Columns of a set-based write, in the order of `bulkValuesOf`, with their array types. */
const BULK_COLUMNS: ReadonlyArray<readonly [string, BulkType]> = [
  ['uuid', 'text'], ['external_key', 'text'], ['email', 'text'], ['email_norm', 'text'], ['first_name', 'text'], ['last_name', 'text'],
  ['phone', 'text'], ['custom_fields', 'text'], ['attributes', 'text'], ['create_source', 'text'], ['update_source', 'text'],
  ['opt_in_status', 'text'], ['opt_in_at', 'bigint'], ['opt_in_source', 'text'], ['opt_in_ip', 'text'], ['excluded_from_campaigns', 'integer'],
  ['unsubscribed_at', 'bigint'], ['unsubscribe_source', 'text'], ['unsubscribe_reason', 'text'], ['created_at', 'bigint'], ['updated_at', 'bigint'],
  ['sealed', 'bytea'],
];

/**
 * A lone surrogate (a `\ud800` escape in a request's JSON) becomes U+FFFD, as a driver
 * binding the string would make it: the rows travel as JSONB, which refuses it.
 * (Custom fields and attributes travel as JSON text inside the JSON, escaped.)
 */
const text = (value: string | null): string | null => (value === null ? null : (value as string & { toWellFormed(): string }).toWellFormed());

const bulkValuesOf = ({ record: r, sealed }: { record: ContactRecord; sealed: Buffer | null }): unknown[] => [
  r.uuid, text(r.externalKey), text(r.email), text(r.emailNorm), text(r.firstName), text(r.lastName),
  text(r.phone), JSON.stringify(r.customFields), JSON.stringify(r.attributes), r.createSource, r.updateSource,
  text(r.optInStatus), r.optInAt, text(r.optInSource), text(r.optInIp), r.excludedFromCampaigns ? 1 : 0,
  r.unsubscribedAt, text(r.unsubscribeSource), text(r.unsubscribeReason), r.createdAt, r.updatedAt,
  sealed === null ? null : sealed.toString('hex'),
];

/** Most contacts a sort by sealed names orders in memory. */
const MAX_IN_MEMORY_SORT = 100_000;

/** Values per statement of a lookup by identity: one bound array (or JSON text), so the run can be long. */
const BULK_RUN = 50_000;

/** A record as written: its personal values in `sealed` (and its columns cleared) when encrypted. */
type StoredRecord = { record: ContactRecord; sealed: Buffer | null };

interface WrittenRow {
  id: number;
  uuid: string;
  email_norm: string | null;
  external_key: string | null;
}

export class KyselyContactsRepository implements ContactsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
    /** Set when encryption at rest is on: seals what is written. Sealed rows are opened either way. */
    private readonly sealer?: Sealer,
    /** Opens sealed rows (also when new writes are not sealed). */
    private readonly opener?: Sealer,
  ) {}

  /** Rows as contacts, with their list ids (one query per bind-sized run of contacts). */
  private async withListIds(sealedRows: readonly Row[]): Promise<Contact[]> {
    if (sealedRows.length === 0) return [];
    const rows = await openRows(this.opener, sealedRows);
    const accountId = (rows[0] as Row).account_id;
    const lists = new Map<number, number[]>();
    for (const ids of chunked(rows.map((r) => r.id), inListSize(this.capabilities))) {
      const memberships = await this.db
        .selectFrom('list_memberships')
        .select(['contact_id', 'list_id'])
        .where('account_id', '=', accountId)
        .where('contact_id', 'in', ids)
        .orderBy('contact_id')
        .orderBy('list_id')
        .execute();
      for (const m of memberships) {
        const own = lists.get(m.contact_id);
        if (own) own.push(m.list_id);
        else lists.set(m.contact_id, [m.list_id]);
      }
    }
    return rows.map((row) => toContact(row, lists.get(row.id) ?? []));
  }

  async insert(accountId: number, record: ContactRecord): Promise<Contact> {
    const [stored] = await sealRecords(this.sealer, [record]);
    const row = await withDriverErrors(() => this.db.insertInto('contacts').values(valuesOf(accountId, stored!.record, stored!.sealed)).returningAll().executeTakeFirstOrThrow());
    return toContact((await openRows(this.opener, [row]))[0] as Row, []);
  }

  async findById(accountId: number, id: number, options?: LockOptions): Promise<Contact | undefined> {
    const query = this.db.selectFrom('contacts').selectAll().where('account_id', '=', accountId).where('id', '=', id);
    const row = await withLock(query, this.capabilities, options).executeTakeFirst();
    return row ? (await this.withListIds([row]))[0] : undefined;
  }

  async findByUuid(accountId: number, uuid: string): Promise<Contact | undefined> {
    const row = await this.db.selectFrom('contacts').selectAll().where('account_id', '=', accountId).where('uuid', '=', uuid).executeTakeFirst();
    return row ? (await this.withListIds([row]))[0] : undefined;
  }

  async findByExternalKey(accountId: number, externalKey: string): Promise<Contact | undefined> {
    const row = await this.db.selectFrom('contacts').selectAll().where('account_id', '=', accountId).where('external_key', '=', externalKey).executeTakeFirst();
    return row ? (await this.withListIds([row]))[0] : undefined;
  }

  async findByEmailNorms(accountId: number, emailNorms: readonly string[]): Promise<Contact[]> {
    const rows: Row[] = [];
    for (const norms of chunked(emailNorms, inListSize(this.capabilities))) {
      rows.push(
        ...(await this.db
          .selectFrom('contacts')
          .selectAll()
          .where('account_id', '=', accountId)
          .where('email_norm', 'in', norms)
          .where('status', '<>', 'erased')
          .orderBy('id')
          .execute()),
      );
    }
    return this.withListIds(rows);
  }

  async findByIdentities(accountId: number, identities: { emailNorms: readonly string[]; externalKeys: readonly string[] }, options?: LockOptions): Promise<ExistingContact[]> {
    const found = new Map<number, ExistingContact>();
    const runs = [
      ...chunked(identities.emailNorms, BULK_RUN).map((values) => ['email_norm', values] as const),
      ...chunked(identities.externalKeys, BULK_RUN).map((values) => ['external_key', values] as const),
    ];
    for (const [column, values] of runs) {
      // In id order, so that concurrent writers lock rows in one order and do not deadlock.
      const query = this.db.selectFrom('contacts').selectAll().where('account_id', '=', accountId).where(inValues(this.capabilities, column, values, 'text')).orderBy('id');
      for (const row of await openRows(this.opener, await withLock(query, this.capabilities, options).execute())) found.set(row.id, toExisting(row));
    }
    return [...found.values()];
  }

  async statusesOf(accountId: number, ids: readonly number[], options?: LockOptions): Promise<Map<number, ContactStatus>> {
    const statuses = new Map<number, ContactStatus>();
    for (const run of chunked(ids, inListSize(this.capabilities))) {
      const query = this.db.selectFrom('contacts').select(['id', 'status']).where('account_id', '=', accountId).where('id', 'in', run).orderBy('id');
      for (const row of await withLock(query, this.capabilities, options).execute()) statuses.set(row.id, row.status as ContactStatus);
    }
    return statuses;
  }

  async update(accountId: number, id: number, record: ContactRecord): Promise<Contact | undefined> {
    const [stored] = await sealRecords(this.sealer, [record]);
    const values = valuesOf(accountId, stored!.record, stored!.sealed);
    const set = Object.fromEntries(MUTABLE.map((column) => [column, values[column]]));
    const row = await withDriverErrors(() =>
      this.db
        .updateTable('contacts')
        .set(set)
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .where('status', '<>', 'erased')
        .returningAll()
        .executeTakeFirst(),
    );
    return row ? (await this.withListIds([row]))[0] : undefined;
  }

  async upsertMany(accountId: number, writes: readonly ContactWrite[], matchBy: MatchBy): Promise<UpsertedRow[]> {
    const key = matchBy === 'email' ? 'email_norm' : 'external_key';
    // One keyring round trip and one blob per row for the whole batch.
    const stored = await sealRecords(this.sealer, writes.map((w) => w.record));
    const inserts: StoredRecord[] = [];
    const updates: Array<{ id: number; stored: StoredRecord }> = [];
    writes.forEach((write, i) => {
      if (write.id === undefined) inserts.push(stored[i] as StoredRecord);
      else updates.push({ id: write.id, stored: stored[i] as StoredRecord });
    });
    const written: Array<{ id: number; uuid: string; email_norm: string | null; external_key: string | null }> = [];
    if (updates.length > 0) written.push(...(await withDriverErrors(() => this.updateByIds(accountId, updates))));
    if (inserts.length > 0) {
      const rows = await withDriverErrors(() => this.insertNew(accountId, inserts, key));
      written.push(...rows);
      await this.resealRaced(accountId, inserts, rows, key);
    }
    return written.map((row) => ({ id: row.id, uuid: row.uuid, key: (matchBy === 'email' ? row.email_norm : row.external_key) ?? '' }));
  }

  /** Matched contacts, by id, in one statement; erased ones are left as they are (and not returned). */
  private async updateByIds(accountId: number, writes: ReadonlyArray<{ id: number; stored: StoredRecord }>) {
    const rows = writes.map((w) => [w.id, ...bulkValuesOf(w.stored)]);
    const source = rowsRelation(this.capabilities, 'v', [['id', 'bigint'], ...BULK_COLUMNS], rows);
    const set = sql.raw([...MUTABLE.map((column) => `${column} = v.${column}`), "status = 'active'", 'deleted_at = null', 'purge_at = null'].join(', '));
    // By primary key (see accountOfKeyedRows).
    const result = await sql<WrittenRow>`update contacts set ${set} from ${source}
      where contacts.id = v.id and ${accountOfKeyedRows(this.capabilities, 'contacts.account_id')} = ${accountId} and contacts.status <> 'erased'
      returning contacts.id, contacts.uuid, contacts.email_norm, contacts.external_key`.execute(this.db);
    return result.rows;
  }

  /**
   * New contacts in one statement. With one writer at a time (SQLite) the caller's read
   * saw every contact, and the insert's own conflict clause is nearly free. With several
   * (PostgreSQL), a plain insert is tried first (it skips the speculative insertion an
   * upsert pays per row and index, a third of its time); if another writer has inserted
   * one of the keys meanwhile, it is undone to a savepoint and the rows are upserted.
   */
  private async insertNew(accountId: number, records: readonly StoredRecord[], key: 'email_norm' | 'external_key') {
    const source = rowsRelation(this.capabilities, 'v', BULK_COLUMNS, records.map(bulkValuesOf));
    const columns = sql.raw(BULK_COLUMNS.map(([name]) => name).join(', '));
    const picks = sql.raw(BULK_COLUMNS.map(([name]) => `v.${name}`).join(', '));
    const insert = sql`insert into contacts (account_id, ${columns}, status) select ${accountId}, ${picks}, 'active' from ${source}`;
    const returning = sql`returning id, uuid, email_norm, external_key`;
    const upsert = () => {
      const set = sql.raw([...MUTABLE.map((column) => `${column} = excluded.${column}`), "status = 'active'", 'deleted_at = null', 'purge_at = null'].join(', '));
      // `where true` tells SQLite's parser that `on conflict` belongs to the insert, not to a join.
      return sql<WrittenRow>`${insert} where true on conflict (account_id, ${sql.raw(key)}) do update set ${set}
        where contacts.status <> 'erased' ${returning}`.execute(this.db);
    };
    if (this.capabilities.singleWriter) return (await upsert()).rows;
    await sql`savepoint lethe_insert_contacts`.execute(this.db);
    try {
      const rows = (await sql<WrittenRow>`${insert} ${returning}`.execute(this.db)).rows;
      await sql`release savepoint lethe_insert_contacts`.execute(this.db);
      return rows;
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== '23505') throw error;
      await sql`rollback to savepoint lethe_insert_contacts`.execute(this.db);
      return (await upsert()).rows;
    }
  }

  /**
   * A blob is bound to its contact's uuid. Where another writer created the contact first
   * (PostgreSQL), our insert became an update of theirs, with our blob: sealed again under
   * the uuid the row has.
   */
  private async resealRaced(accountId: number, inserts: readonly StoredRecord[], rows: readonly WrittenRow[], key: 'email_norm' | 'external_key'): Promise<void> {
    if (!this.sealer) return;
    const byKey = new Map(inserts.map((s) => [key === 'email_norm' ? s.record.emailNorm : s.record.externalKey, s]));
    const raced = rows.flatMap((row) => {
      const mine = byKey.get(row[key]);
      return mine !== undefined && mine.record.uuid !== row.uuid ? [{ id: row.id, uuid: row.uuid, mine }] : [];
    });
    if (raced.length === 0) return;
    const opened = await this.sealer.openMany<object>(raced.map((r) => ({ owner: r.mine.record.uuid, sealed: r.mine.sealed })));
    const resealed = await this.sealer.sealMany(raced.map((r, i) => ({ owner: r.uuid, values: opened[i] })));
    for (const [i, r] of raced.entries()) {
      await this.db.updateTable('contacts').set({ sealed: resealed[i] as Buffer }).where('account_id', '=', accountId).where('id', '=', r.id).execute();
    }
  }

  async list(accountId: number, query: ContactQuery): Promise<Contact[]> {
    let select = this.db.selectFrom('contacts').selectAll('contacts').where('contacts.account_id', '=', accountId);
    if (query.listId !== undefined) {
      const listId = query.listId;
      select = select.innerJoin('list_memberships as m', (join) =>
        join.onRef('m.contact_id', '=', 'contacts.id').on('m.list_id', '=', listId).on('m.account_id', '=', accountId),
      );
    }
    if (query.status !== 'all') select = select.where('contacts.status', '=', query.status);
    if (query.updatedSince !== undefined) select = select.where('contacts.updated_at', '>=', query.updatedSince);
    if (query.afterId !== undefined) select = select.where('contacts.id', '>', query.afterId);
    return this.withListIds(await select.orderBy('contacts.id').limit(query.limit).execute());
  }

  async count(accountId: number, query: ContactCountQuery): Promise<number> {
    let select = this.db.selectFrom('contacts').where('contacts.account_id', '=', accountId);
    if (query.listId !== undefined) {
      const listId = query.listId;
      select = select.innerJoin('list_memberships as m', (join) =>
        join.onRef('m.contact_id', '=', 'contacts.id').on('m.list_id', '=', listId).on('m.account_id', '=', accountId),
      );
    }
    if (query.status !== 'all') select = select.where('contacts.status', '=', query.status);
    const row = await select.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async listByOffset(accountId: number, query: ContactOffsetQuery): Promise<Contact[]> {
    if (query.sort.key === 'name' && this.sealer) return this.pageByNameInMemory(accountId, query);
    return this.withListIds(await contactsPage(this.db, accountId, query).execute());
  }

  /**
   * Sealed names cannot be sorted in SQL: the matching contacts (at most
   * MAX_IN_MEMORY_SORT) are opened and sorted here, in the order `contactsPage` gives
   * (unset names last in both directions, first name, last name, then id).
   */
  private async pageByNameInMemory(accountId: number, query: ContactOffsetQuery): Promise<Contact[]> {
    const candidates = await filteredContacts(this.db, accountId, query)
      .select(['contacts.id', 'contacts.uuid', 'contacts.sealed', 'contacts.first_name', 'contacts.last_name'])
      .limit(MAX_IN_MEMORY_SORT + 1)
      .execute();
    if (candidates.length > MAX_IN_MEMORY_SORT) {
      throw invalid('sort', `with encryption at rest, sorting by name is limited to ${MAX_IN_MEMORY_SORT} matching contacts: narrow the filter or sort by another field`);
    }
    const direction = query.sort.descending ? -1 : 1;
    const compare = (a: string | null, b: string | null): number => {
      if (a === b) return 0;
      if (a === null) return 1;
      if (b === null) return -1;
      return (a < b ? -1 : 1) * direction;
    };
    const sorted = (await openRows(this.opener, candidates)).sort((a, b) => compare(a.first_name, b.first_name) || compare(a.last_name, b.last_name) || (a.id - b.id) * direction);
    const ids = sorted.slice(query.offset, query.offset + query.limit).map((r) => r.id);
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('contacts').selectAll().where('account_id', '=', accountId).where('id', 'in', ids).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return this.withListIds(ids.flatMap((id) => byId.get(id) ?? []));
  }

  async countMatching(accountId: number, filter: ContactFilter): Promise<number> {
    const row = await filteredContacts(this.db, accountId, filter).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async findByUuids(accountId: number, uuids: readonly string[]): Promise<Contact[]> {
    const rows: Row[] = [];
    for (const run of chunked(uuids, inListSize(this.capabilities))) {
      rows.push(...(await this.db.selectFrom('contacts').selectAll().where('account_id', '=', accountId).where('uuid', 'in', run).orderBy('id').execute()));
    }
    return this.withListIds(rows);
  }
}
