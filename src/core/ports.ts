import type { AccountsRepository } from './accounts/account.js';
import type { AuditRepository } from './audit/audit.js';
import type { ContactsRepository } from './contacts/contact.js';
import type { EventsRepository } from './events/event.js';
import type { ApiKeysRepository } from './keys/api-key.js';
import type { LifecycleRepository } from './lifecycle/lifecycle.js';
import type { ListsRepository } from './lists/list.js';
import type { OperationsRepository } from './operations/operation.js';
import type { MetaRepository } from './meta.js';

/**
 * The ports through which core reaches storage. Each area declares its repository
 * beside its domain types; this file gathers them. The store implements them.
 */
export interface Repositories {
  accounts: AccountsRepository;
  keys: ApiKeysRepository;
  meta: MetaRepository;
  audit: AuditRepository;
  contacts: ContactsRepository;
  lists: ListsRepository;
  events: EventsRepository;
  lifecycle: LifecycleRepository;
  operations: OperationsRepository;
}

/** Tables that hold personal data and are scrubbed after erasure. */
export const SCRUBBABLE_TABLES = ['contacts', 'events', 'list_memberships', 'operation_targets'] as const;
export type ScrubbableTable = (typeof SCRUBBABLE_TABLES)[number];

export interface StoreCapabilities {
  engine: 'sqlite' | 'postgres';
  skipLocked: boolean;
  singleWriter: boolean;
  maxBindParams: number;
}

export interface Store extends Repositories {
  readonly capabilities: StoreCapabilities;
  /** Runs `fn` in one transaction; the repositories it receives are bound to it. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * Makes removed data unrecoverable from the database files: on SQLite a truncating WAL
   * checkpoint (secure_delete already zeroes freed cells and pages); on PostgreSQL a
   * VACUUM of the given tables, which removes their dead tuples and index entries.
   * Call it outside any transaction, after erasing or purging.
   */
  scrubStorage(tables: readonly ScrubbableTable[]): Promise<void>;
  close(): Promise<void>;
}
