import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Repositories, Store } from '../core/ports.js';
import { migrateToLatest, openDatabase } from './database.js';
import type { Capabilities, DatabaseHandle, DatabaseOptions } from './database.js';
import { translateDriverError } from './errors.js';
import { createScrubber } from './scrub.js';
import type { ScrubOptions } from './scrub.js';
import { KyselyAccountsRepository } from './repositories/accounts.repository.js';
import { KyselyAccessTokensRepository } from './repositories/access-tokens.repository.js';
import { KyselyApiKeysRepository } from './repositories/api-keys.repository.js';
import { KyselyAuditRepository } from './repositories/audit.repository.js';
import { KyselyContactsRepository } from './repositories/contacts.repository.js';
import { KyselyEventsRepository } from './repositories/events.repository.js';
import { KyselyImportsRepository } from './repositories/imports.repository.js';
import { KyselyLifecycleRepository } from './repositories/lifecycle.repository.js';
import { KyselyOperationsRepository } from './repositories/operations.repository.js';
import { KyselyListsRepository } from './repositories/lists.repository.js';
import { KyselyMetaRepository } from './repositories/meta.repository.js';
import { KyselyOperationStatsRepository } from './repositories/operation-stats.repository.js';
import { KyselyRateLimitsRepository } from './repositories/rate-limits.repository.js';
import { KyselyPrivacyRequestsRepository } from './repositories/privacy-requests.repository.js';
import { KyselyErasedAddressesRepository } from './repositories/erased-addresses.repository.js';
import { KyselyWebhooksRepository } from './repositories/webhooks.repository.js';
import type { Database } from './schema.js';
import type { Keyring } from './keyring/keyring.js';
import { Sealer } from './keyring/sealer.js';

/** Encryption at rest, as the repositories see it. */
interface Sealing {
  keyring?: Keyring;
  /** Seals new writes (encryption at rest on). */
  sealer?: Sealer;
  /** Opens sealed rows (whenever there is a keyring). */
  opener?: Sealer;
}

/** Every repository, bound to one connection or transaction. New repositories are added here. */
function repositories(db: Kysely<Database>, capabilities: Capabilities, sealing: Sealing = {}): Repositories {
  return {
    accounts: new KyselyAccountsRepository(db),
    keys: new KyselyApiKeysRepository(db),
    accessTokens: new KyselyAccessTokensRepository(db),
    meta: new KyselyMetaRepository(db),
    audit: new KyselyAuditRepository(db, capabilities),
    contacts: new KyselyContactsRepository(db, capabilities, sealing.sealer, sealing.opener),
    lists: new KyselyListsRepository(db, capabilities),
    events: new KyselyEventsRepository(db, capabilities, sealing.sealer, sealing.opener),
    imports: new KyselyImportsRepository(db, capabilities, sealing.sealer, sealing.opener),
    lifecycle: new KyselyLifecycleRepository(db, capabilities, sealing.keyring),
    operations: new KyselyOperationsRepository(db, capabilities, sealing.keyring),
    operationStats: new KyselyOperationStatsRepository(db),
    rateLimits: new KyselyRateLimitsRepository(db),
    requests: new KyselyPrivacyRequestsRepository(db),
    erasedAddresses: new KyselyErasedAddressesRepository(db, capabilities),
    webhooks: new KyselyWebhooksRepository(db),
  };
}

/** Tries of a transaction that PostgreSQL ended with a deadlock or a serialization failure. */
const CONFLICT_TRIES = 5;

/**
 * Runs a transaction again when PostgreSQL chose it as a deadlock's victim (40P01) or could
 * not serialize it (40001): it was rolled back whole, so running it again is safe. A short,
 * growing, jittered pause lets the other transaction finish. After the last try the error
 * becomes CONFLICT ("try again"), never a 500.
 */
async function retryConflicts<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== '40P01' && code !== '40001') throw error;
      if (attempt >= CONFLICT_TRIES) throw translateDriverError(error);
      await new Promise((resolve) => setTimeout(resolve, attempt * 10 + Math.random() * 20 * attempt));
    }
  }
}

export interface KyselyStore extends Store {
  /** The database handle: for store-level maintenance (checkpoints, vacuum) and tests. */
  readonly handle: DatabaseHandle;
}

export interface StoreOptions extends DatabaseOptions {
  migrate?: boolean;
  scrub?: ScrubOptions;
  /** The keyring of per-contact data keys: opens sealed rows, destroys erased contacts' keys. */
  keyring?: Keyring;
  /** Encryption at rest: seal contacts' personal values as they are written (needs `keyring`). */
  encrypt?: boolean;
}

export async function createStore(options: StoreOptions): Promise<KyselyStore> {
  const handle = openDatabase(options);
  if (options.migrate !== false) await migrateToLatest(handle.db);
  const { db, capabilities } = handle;
  const { keyring } = options;
  const opener = keyring ? new Sealer(keyring) : undefined;
  const sealing: Sealing = { keyring, opener, sealer: options.encrypt ? opener : undefined };
  if (options.encrypt && !keyring) throw new Error('encryption at rest needs a keyring');
  const scrub = createScrubber(handle, options.scrub);
  return {
    ...repositories(db, capabilities, sealing),
    handle,
    capabilities,
    transaction: capabilities.singleWriter
      ? // SQLite: take the write lock up front (BEGIN IMMEDIATE) so that a reader turning
        // writer never fails with SQLITE_BUSY halfway through; busy_timeout then queues writers.
        (fn) =>
          db.connection().execute(async (conn) => {
            await sql`begin immediate`.execute(conn);
            try {
              const result = await fn(repositories(conn, capabilities, sealing));
              await sql`commit`.execute(conn);
              return result;
            } catch (error) {
              await sql`rollback`.execute(conn).catch(() => undefined);
              throw error;
            }
          })
      : (fn, txOptions) =>
          retryConflicts(() =>
            db.transaction().execute(async (trx) => {
              const repos = repositories(trx, capabilities, sealing);
              if (txOptions?.lockAccounts && txOptions.lockAccounts.length > 0) await repos.audit.lockChains(txOptions.lockAccounts);
              return fn(repos);
            }),
          ),
    // The data's storage first, then the keyring's: destroyed keys leave its storage too.
    scrubStorage: async (tables) => {
      const report = await scrub(tables);
      if (keyring) await keyring.scrub();
      return report;
    },
    close: () => handle.close(),
  };
}
