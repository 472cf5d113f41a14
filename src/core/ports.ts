import type { AccountsRepository } from './accounts/account.js';
import type { AuditRepository } from './audit/audit.js';
import type { ContactsRepository } from './contacts/contact.js';
import type { EventsRepository } from './events/event.js';
import type { ImportsRepository } from './imports/import.js';
import type { AccessTokensRepository } from './keys/access-token.js';
import type { ApiKeysRepository } from './keys/api-key.js';
import type { LifecycleRepository } from './lifecycle/lifecycle.js';
import type { ListsRepository } from './lists/list.js';
import type { OperationsRepository } from './operations/operation.js';
import type { MetaRepository } from './meta.js';
import type { OperationStatsRepository } from './reports/operation-stats.js';
import type { RateLimitsRepository } from './rate-limits/rate-limit.js';
import type { PrivacyRequestsRepository } from './requests/request.js';
import type { ErasedAddressesRepository } from './reimport/erased-address.js';
import type { WebhooksRepository } from './webhooks/webhook.js';

/**
 * The ports through which core reaches storage. Each area declares its repository
 * beside its domain types; this file gathers them. The store implements them.
 */
export interface Repositories {
  accounts: AccountsRepository;
  keys: ApiKeysRepository;
  accessTokens: AccessTokensRepository;
  meta: MetaRepository;
  audit: AuditRepository;
  contacts: ContactsRepository;
  lists: ListsRepository;
  events: EventsRepository;
  imports: ImportsRepository;
  lifecycle: LifecycleRepository;
  operations: OperationsRepository;
  operationStats: OperationStatsRepository;
  rateLimits: RateLimitsRepository;
  requests: PrivacyRequestsRepository;
  erasedAddresses: ErasedAddressesRepository;
  webhooks: WebhooksRepository;
}

/** Tables that hold personal data and are scrubbed after erasure. */
export const SCRUBBABLE_TABLES = ['contacts', 'events', 'list_memberships', 'operation_targets'] as const;
/** Those, and the stored exports of access requests (scrubbed when an export is deleted). */
export type ScrubbableTable = (typeof SCRUBBABLE_TABLES)[number] | 'privacy_request_parts';

/**
 * How PostgreSQL storage is scrubbed. `rewrite` (default): VACUUM FULL, which writes the
 * table, its indexes and TOAST anew, so no byte of a removed row survives, at the cost of
 * an exclusive lock for the rewrite. `vacuum`: plain VACUUM, which makes removed rows
 * unreachable without locking readers out, but leaves their bytes in the pages' free space
 * until it is reused. SQLite ignores it (a checkpoint is always complete there).
 */
export const SCRUB_MODES = ['rewrite', 'vacuum'] as const;
export type ScrubMode = (typeof SCRUB_MODES)[number];

/** What a storage scrub did: for the operation's record and the logs (no personal data). */
export interface ScrubReport {
  engine: 'sqlite' | 'postgres';
  /** `checkpoint` on SQLite; the scrub mode on PostgreSQL. */
  method: 'checkpoint' | ScrubMode;
  tables: ScrubbableTable[];
  /** Milliseconds in all, including waits. */
  durationMs: number;
  /** Milliseconds spent waiting for readers holding older snapshots. */
  waitedMs: number;
  /** Tries, on SQLite, until the checkpoint completed. */
  attempts: number;
  /** SQLite: WAL frames copied into the database file before the WAL was truncated. */
  walFrames?: number;
}

export interface StoreCapabilities {
  engine: 'sqlite' | 'postgres';
  skipLocked: boolean;
  singleWriter: boolean;
  maxBindParams: number;
  arrayParams: boolean;
}

export interface TransactionOptions {
  lockAccounts?: readonly number[];
}

export interface Store extends Repositories {
  readonly capabilities: StoreCapabilities;
  /**
   * Runs `fn` in one transaction; the repositories it receives are bound to it.
   * `lockAccounts`: the accounts whose audit chains the transaction appends to. Their locks
   * are taken first, before any row is written (PostgreSQL: a transaction-scoped advisory
   * lock per account, in ascending order), so that two writers of one account never each
   * hold a row the other waits for. Where the engine reports a deadlock or a serialization
   * failure (PostgreSQL 40P01, 40001), the whole transaction is run again, a few times:
   * `fn` must have no effect outside its repositories other than the value it returns.
   */
  transaction<T>(fn: (tx: Repositories) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Makes removed data unrecoverable from the database files, after an erase or purge has
   * committed: on SQLite a truncating WAL checkpoint (secure_delete already zeroes freed
   * cells and pages); on PostgreSQL, once no older snapshot can still see the removed rows,
   * a rewrite of the given tables with their indexes and TOAST (VACUUM FULL), or a plain
   * VACUUM in `vacuum` mode. Call it outside any transaction.
   * Throws AppError `CONFLICT` when it cannot complete now (a reader keeps an older
   * snapshot, or the table lock is not granted in time): retry later.
   */
  scrubStorage(tables: readonly ScrubbableTable[]): Promise<ScrubReport>;
  close(): Promise<void>;
}
