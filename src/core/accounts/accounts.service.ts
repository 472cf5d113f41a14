import type { CoreDeps, Actor } from '../context.js';
import { AppError, invalid, notFound } from '../errors.js';
import type { Account, AccountSettingsPatch } from './account.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

export function validateAccountName(name: string): void {
  if (!NAME.test(name)) {
    throw invalid('name', 'an account name is 1 to 64 letters, digits or . _ @ + - and starts with a letter or digit');
  }
}

export function validateSettings(patch: AccountSettingsPatch): void {
  const { restoreWindowDays, retentionDays } = patch;
  if (restoreWindowDays !== undefined && restoreWindowDays !== null && (!Number.isInteger(restoreWindowDays) || restoreWindowDays < -1 || restoreWindowDays > 3650)) {
    throw invalid('restore_window_days', 'restore_window_days is -1 (purge at once), null (keep until restored) or 0 to 3650 days');
  }
  if (retentionDays !== undefined && (!Number.isInteger(retentionDays) || retentionDays < 0 || retentionDays > 3650)) {
    throw invalid('retention_days', 'retention_days is 0 (purge at once) to 3650 days');
  }
}

export class AccountsService {
  constructor(private readonly deps: CoreDeps) {}

  /** A top-level account, created by an operator (CLI, first start), never through a tenant's key. */
  async createTopLevel(name: string): Promise<Account> {
    validateAccountName(name);
    return this.deps.store.accounts.create({ parentId: null, name }, this.deps.clock.now());
  }

  async createSubAccount(actor: Actor, name: string, settings: AccountSettingsPatch = {}): Promise<Account> {
    validateAccountName(name);
    validateSettings(settings);
    const parent = await this.get(actor.keyAccountId);
    if (parent.parentId !== null || actor.accountId !== actor.keyAccountId) {
      throw new AppError('FORBIDDEN', 'only a parent account can create sub-accounts, and only for itself');
    }
    try {
      return await this.deps.store.accounts.create(
        { parentId: parent.id, name, restoreWindowDays: settings.restoreWindowDays ?? null, retentionDays: settings.retentionDays ?? parent.retentionDays },
        this.deps.clock.now(),
      );
    } catch (error) {
      if (error instanceof AppError && error.code === 'ALREADY_EXISTS') {
        throw new AppError('ALREADY_EXISTS', `a sub-account named "${name}" already exists`, { field: 'name' });
      }
      throw error;
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
    const byId = /^account-id\s+(\d{1,15})$/i.exec(value);
    const target = byId
      ? await this.deps.store.accounts.findById(Number(byId[1]))
      : value
        ? await this.deps.store.accounts.findByName(keyAccountId, value)
        : undefined;
    if (!target || target.parentId !== keyAccountId) throw refused;
    return target;
  }

  async updateSettings(actor: Actor, patch: AccountSettingsPatch): Promise<Account> {
    validateSettings(patch);
    return this.deps.store.accounts.updateSettings(actor.accountId, patch, this.deps.clock.now());
  }
}
