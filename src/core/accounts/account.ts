export interface Account {
  id: number;
  parentId: number | null;
  name: string;
  /** Days a soft-deleted contact stays restorable; -1 purges at once; null keeps it until restored. */
  restoreWindowDays: number | null;
  /** Days an erased contact's shell is kept before it is purged; 0 purges at once. */
  retentionDays: number;
  createdAt: number;
  updatedAt: number;
}

export interface NewAccount {
  parentId: number | null;
  name: string;
  restoreWindowDays?: number | null;
  retentionDays?: number;
}

export interface AccountSettingsPatch {
  restoreWindowDays?: number | null;
  retentionDays?: number;
}

/** Port: how core reaches stored accounts. Every method is scoped by the ids it is given. */
export interface AccountsRepository {
  create(account: NewAccount, now: number): Promise<Account>;
  findById(id: number): Promise<Account | undefined>;
  findByName(parentId: number | null, name: string): Promise<Account | undefined>;
  listChildren(parentId: number): Promise<Account[]>;
  listTopLevel(): Promise<Account[]>;
  updateSettings(id: number, patch: AccountSettingsPatch, now: number): Promise<Account>;
}
