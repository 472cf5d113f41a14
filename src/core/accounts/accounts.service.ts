import type { AuditActor } from '../audit/audit.js';
import { OPERATOR } from '../audit/audit.js';
import { AuditService } from '../audit/audit.service.js';
import { DEFAULT_ACCOUNT_NAME, requestDeadlinesOf } from './account.js';
import type { CoreDeps } from '../context.js';
import { requireScope } from '../keys/scopes.js';
import { hasControlChars } from '../text.js';
import type { Actor } from '../actor.js';
import { AppError, invalid, notFound } from '../errors.js';
import type { Account, AccountSettingsPatch } from './account.js';
import { isReimportPolicy, REIMPORT_POLICIES } from '../reimport/erased-address.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

export function validateAccountName(name: string): void {
  if (!NAME.test(name)) {
    throw invalid('name', 'an account name is 1 to 64 letters, digits or . _ @ + - and starts with a letter or digit');
  }
}

export function validateSettings(patch: AccountSettingsPatch): void {
  const { restoreWindowDays, retentionDays, suppressionWindowDays } = patch;
  if (restoreWindowDays !== undefined && restoreWindowDays !== null && (!Number.isInteger(restoreWindowDays) || restoreWindowDays < -1 || restoreWindowDays > 3650)) {
    throw invalid('restore_window_days', 'restore_window_days is -1 (purge at once), null (keep until restored) or 0 to 3650 days');
  }
  if (retentionDays !== undefined && (!Number.isInteger(retentionDays) || retentionDays < 0 || retentionDays > 3650)) {
    throw invalid('retention_days', 'retention_days is 0 (purge at once) to 3650 days');
  }
  if (suppressionWindowDays !== undefined && suppressionWindowDays !== null && (!Number.isInteger(suppressionWindowDays) || suppressionWindowDays < -1 || suppressionWindowDays > 3650)) {
    throw invalid('suppression_window_days', 'suppression_window_days is -1 (purge at once), null (the default, 14) or 0 to 3650 days');
  }
  for (const [field, value] of [['request_due_days', patch.requestDueDays], ['request_max_days', patch.requestMaxDays]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 3650)) throw invalid(field, `${field} is 1 to 3650 days`);
  }
  if (patch.reimportPolicy !== undefined && !isReimportPolicy(patch.reimportPolicy)) {
    throw invalid('reimport_policy', `reimport_policy is one of ${REIMPORT_POLICIES.join(', ')}`);
  }
}

/** The settings as the audit records them: numbers and nulls only. */
const settingsData = (a: Account) => ({
  restore_window_days: a.restoreWindowDays,
  retention_days: a.retentionDays,
  suppression_window_days: a.suppressionWindowDays,
  request_due_days: requestDeadlinesOf(a).dueDays,
  request_max_days: requestDeadlinesOf(a).maxDays,
  reimport_policy: a.reimportPolicy,
});

export class AccountsService {
  readonly #audit: AuditService;
  constructor(private readonly deps: CoreDeps) {
    this.#audit = new AuditService(deps);
  }

  /** A top-level account, created by an operator (CLI, first start), never through a tenant's key. Audited in its own chain. */
  async createTopLevel(name: string, by: AuditActor = OPERATOR): Promise<Account> {
    validateAccountName(name);
    return this.deps.store.transaction(async (tx) => {
      const account = await tx.accounts.create({ parentId: null, name }, this.deps.clock.now());
      await this.#audit.record(tx, { accountId: account.id, actorKeyId: by.keyId, via: by.via, operator: by.operator, action: 'account.created', subjectType: 'account', subjectId: String(account.id), data: settingsData(account) });
      return account;
    });
  }

  async createSubAccount(actor: Actor, name: string, settings: AccountSettingsPatch = {}): Promise<Account> {
    validateAccountName(name);
    validateSettings(settings);
    const parent = await this.get(actor.keyAccountId);
    if (parent.parentId !== null || actor.accountId !== actor.keyAccountId) {
      throw new AppError('FORBIDDEN', 'only a parent account can create sub-accounts, and only for itself');
    }
    try {
      return await this.deps.store.transaction(async (tx) => {
        const account = await tx.accounts.create(
          { parentId: parent.id, name, restoreWindowDays: settings.restoreWindowDays ?? null, retentionDays: settings.retentionDays ?? parent.retentionDays, suppressionWindowDays: settings.suppressionWindowDays ?? null, reimportPolicy: settings.reimportPolicy ?? 'allow' },
          this.deps.clock.now(),
        );
        // In the parent's chain (who created it) and in the sub-account's own (where it starts).
        const entry = { actorKeyId: actor.keyId, via: actor.via, operator: actor.operator, action: 'subaccount.created', subjectType: 'account', subjectId: String(account.id), data: settingsData(account) };
        await this.#audit.record(tx, { ...entry, accountId: parent.id });
        await this.#audit.record(tx, { ...entry, accountId: account.id, action: 'account.created', data: { ...settingsData(account), parent_id: parent.id } });
        return account;
      }, { lockAccounts: [parent.id] });
    } catch (error) {
      if (error instanceof AppError && error.code === 'ALREADY_EXISTS') {
        throw new AppError('ALREADY_EXISTS', `a sub-account named "${name}" already exists`, { field: 'name' });
      }
      throw error;
    }
  }

  /**
   * Server-wide data (`/metrics`: every account's traffic) is for the operator alone: an
   * admin key of the top-level default account, acting for itself. FORBIDDEN otherwise,
   * whatever the key's scopes in its own account.
   */
  async requireOperator(actor: Actor): Promise<void> {
    requireScope(actor, 'admin');
    const account = await this.deps.store.accounts.findById(actor.keyAccountId);
    if (!account || account.parentId !== null || account.name !== DEFAULT_ACCOUNT_NAME || actor.accountId !== actor.keyAccountId) {
      throw new AppError('FORBIDDEN', 'server-wide metrics need an admin key of the default (operator) account');
    }
  }

  async get(accountId: number): Promise<Account> {
    const account = await this.deps.store.accounts.findById(accountId);
    if (!account) throw notFound('account');
    return account;
  }

  async listSubAccounts(actor: Actor): Promise<Account[]> {
    return this.deps.store.accounts.listChildren(actor.accountId);
  }

  /**
   * Resolves an `on-behalf-of` value (`<sub-account name>` or `account-id <id>`) for a key
   * of `keyAccountId`. Only a parent's own sub-accounts qualify; anything else is refused
   * with one message, so the header reveals nothing about other tenants.
   */
  async resolveOnBehalfOf(keyAccountId: number, header: string): Promise<Account> {
    const refused = new AppError('FORBIDDEN', 'on-behalf-of must name one of your own sub-accounts');
    const value = header.trim();
    if (hasControlChars(value)) throw refused;
    const byId = /^account-id\s+(\d{1,15})$/i.exec(value);
    const target = byId
      ? await this.deps.store.accounts.findById(Number(byId[1]))
      : value
        ? await this.deps.store.accounts.findByName(keyAccountId, value)
        : undefined;
    if (!target || target.parentId !== keyAccountId) throw refused;
    return target;
  }

  /** Changes the account's settings; audited (`settings.updated`) with the values before and after. */
  async updateSettings(actor: Actor, patch: AccountSettingsPatch): Promise<Account> {
    validateSettings(patch);
    return this.deps.store.transaction(async (tx) => {
      const before = await tx.accounts.findById(actor.accountId);
      if (!before) throw notFound('account');
      const deadlines = requestDeadlinesOf({ requestDueDays: patch.requestDueDays ?? before.requestDueDays, requestMaxDays: patch.requestMaxDays ?? before.requestMaxDays });
      if (deadlines.dueDays > deadlines.maxDays) throw invalid(patch.requestDueDays !== undefined ? 'request_due_days' : 'request_max_days', `request_due_days (${deadlines.dueDays}) must not exceed request_max_days (${deadlines.maxDays})`);
      const after = await tx.accounts.updateSettings(actor.accountId, patch, this.deps.clock.now());
      const previous = settingsData(before);
      await this.#audit.record(tx, {
        accountId: actor.accountId,
        actorKeyId: actor.keyId,
        via: actor.via,
        action: 'settings.updated',
        subjectType: 'account',
        subjectId: String(actor.accountId),
        data: { ...settingsData(after), previous_restore_window_days: previous.restore_window_days, previous_retention_days: previous.retention_days, previous_suppression_window_days: previous.suppression_window_days, previous_request_due_days: previous.request_due_days, previous_request_max_days: previous.request_max_days, previous_reimport_policy: previous.reimport_policy },
      });
      return after;
    }, { lockAccounts: [actor.accountId] });
  }
}
