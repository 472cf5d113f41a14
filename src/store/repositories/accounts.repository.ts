import type { Kysely, Selectable } from 'kysely';
import type { Account, AccountSettingsPatch, AccountsRepository, NewAccount } from '../../core/accounts/account.js';
import { notFound } from '../../core/errors.js';
import { isReimportPolicy } from '../../core/reimport/erased-address.js';
import { withDriverErrors } from '../errors.js';
import type { AccountsTable, Database } from '../schema.js';

const toAccount = (row: Selectable<AccountsTable>): Account => ({
  id: row.id,
  parentId: row.parent_id,
  name: row.name,
  restoreWindowDays: row.restore_window_days,
  retentionDays: row.retention_days,
  suppressionWindowDays: row.suppression_window_days,
  requestDueDays: row.request_due_days,
  requestMaxDays: row.request_max_days,
  reimportPolicy: isReimportPolicy(row.reimport_policy) ? row.reimport_policy : 'allow',
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export class KyselyAccountsRepository implements AccountsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(account: NewAccount, now: number): Promise<Account> {
    const row = await withDriverErrors(() =>
      this.db
        .insertInto('accounts')
        .values({
          parent_id: account.parentId,
          namespace_id: account.parentId ?? 0,
          name: account.name,
          restore_window_days: account.restoreWindowDays ?? null,
          retention_days: account.retentionDays ?? 30,
          suppression_window_days: account.suppressionWindowDays ?? null,
          reimport_policy: account.reimportPolicy ?? 'allow',
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toAccount(row);
  }

  async findById(id: number): Promise<Account | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toAccount(row);
  }

  async findByName(parentId: number | null, name: string): Promise<Account | undefined> {
    const row = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where('namespace_id', '=', parentId ?? 0)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toAccount(row);
  }

  async listChildren(parentId: number): Promise<Account[]> {
    const rows = await this.db.selectFrom('accounts').selectAll().where('parent_id', '=', parentId).orderBy('id').execute();
    return rows.map(toAccount);
  }

  async listTopLevel(): Promise<Account[]> {
    const rows = await this.db.selectFrom('accounts').selectAll().where('parent_id', 'is', null).orderBy('id').execute();
    return rows.map(toAccount);
  }

  async updateSettings(id: number, patch: AccountSettingsPatch, now: number): Promise<Account> {
    const values: { restore_window_days?: number | null; retention_days?: number; suppression_window_days?: number | null; request_due_days?: number; request_max_days?: number; reimport_policy?: string } = {};
    if (patch.restoreWindowDays !== undefined) values.restore_window_days = patch.restoreWindowDays;
    if (patch.retentionDays !== undefined) values.retention_days = patch.retentionDays;
    if (patch.suppressionWindowDays !== undefined) values.suppression_window_days = patch.suppressionWindowDays;
    if (patch.requestDueDays !== undefined) values.request_due_days = patch.requestDueDays;
    if (patch.requestMaxDays !== undefined) values.request_max_days = patch.requestMaxDays;
    if (patch.reimportPolicy !== undefined) values.reimport_policy = patch.reimportPolicy;
    const row = await this.db
      .updateTable('accounts')
      .set({ ...values, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('account');
    return toAccount(row);
  }
}
