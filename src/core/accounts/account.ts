import type { ReimportPolicy } from '../reimport/erased-address.js';

export interface Account {
  id: number;
  parentId: number | null;
  name: string;
  /** Days a soft-deleted contact stays restorable; -1 purges at once; null keeps it until restored. */
  restoreWindowDays: number | null;
  /** Days an erased contact's shell is kept before it is purged; 0 purges at once. */
  retentionDays: number;
  /**
   * Days contacts deleted through Marketing Cloud's Contact Delete stay suppressed
   * (restorable) before they are purged; -1 purges at once; null: Marketing Cloud's default
   * (`DEFAULT_SUPPRESSION_WINDOW_DAYS`).
   */
  suppressionWindowDays: number | null;
  /** Days a privacy request is due after it was received (null: `DEFAULT_REQUEST_DUE_DAYS`). */
  requestDueDays: number | null;
  /** The most days after receipt an extended request may be due (null: `DEFAULT_REQUEST_MAX_DAYS`). */
  requestMaxDays: number | null;
  /** What a write of an address once erased here does: allow (default), warn or block. */
  reimportPolicy: ReimportPolicy;
  createdAt: number;
  updatedAt: number;
}

export interface NewAccount {
  parentId: number | null;
  name: string;
  restoreWindowDays?: number | null;
  retentionDays?: number;
  suppressionWindowDays?: number | null;
  reimportPolicy?: ReimportPolicy;
}

export interface AccountSettingsPatch {
  restoreWindowDays?: number | null;
  retentionDays?: number;
  suppressionWindowDays?: number | null;
  requestDueDays?: number;
  requestMaxDays?: number;
  reimportPolicy?: ReimportPolicy;
}

/** GDPR Art. 12(3): one month to answer a request ... */
export const DEFAULT_REQUEST_DUE_DAYS = 30;
/** ... extendable by two further months, with a reason. */
export const DEFAULT_REQUEST_MAX_DAYS = 90;

/** Days a privacy request of the account is due after receipt, and the most an extension may reach. */
export const requestDeadlinesOf = (account: Pick<Account, 'requestDueDays' | 'requestMaxDays'>): { dueDays: number; maxDays: number } => ({
  dueDays: account.requestDueDays ?? DEFAULT_REQUEST_DUE_DAYS,
  maxDays: account.requestMaxDays ?? DEFAULT_REQUEST_MAX_DAYS,
});

/** The suppression window when an account sets none: 14 days, as Marketing Cloud's status reports show. */
/** The top-level account a first start creates; its admin keys are the operator's. */
export const DEFAULT_ACCOUNT_NAME = 'default';

export const DEFAULT_SUPPRESSION_WINDOW_DAYS = 14;

/** The account's suppression window in days (-1: none). */
export const suppressionWindowOf = (account: Pick<Account, 'suppressionWindowDays'>): number => account.suppressionWindowDays ?? DEFAULT_SUPPRESSION_WINDOW_DAYS;

/** Port: how core reaches stored accounts. Every method is scoped by the ids it is given. */
export interface AccountsRepository {
  create(account: NewAccount, now: number): Promise<Account>;
  findById(id: number): Promise<Account | undefined>;
  findByName(parentId: number | null, name: string): Promise<Account | undefined>;
  listChildren(parentId: number): Promise<Account[]>;
  listTopLevel(): Promise<Account[]>;
  updateSettings(id: number, patch: AccountSettingsPatch, now: number): Promise<Account>;
}
