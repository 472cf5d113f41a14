import type { Clock } from './clock.js';
import type { KeyedHasher } from './crypto.js';
import type { ImportSettings } from './imports/import.js';
import type { Store } from './ports.js';

/** What every use case may depend on. */
export interface CoreDeps {
  store: Store;
  clock: Clock;
  hasher: KeyedHasher;
  /** Wakes the operations worker when new work is queued (no-op when none runs here). */
  notifyWork: () => void;
  /** Import chunk size and row limit (from config); core's defaults when absent. */
  imports?: ImportSettings;
  /** Webhooks: `allowPrivate` lets endpoints point at private, loopback and link-local addresses (tests, closed networks). */
  webhooks?: { allowPrivate?: boolean };
}
