import type { Config } from './config.js';
import { systemClock } from './core/clock.js';
import type { Clock } from './core/clock.js';
import { createCore } from './core/core.js';
import type { Core } from './core/core.js';
import { KeyedHasher } from './core/crypto.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { loadSecret } from './secret.js';
import { createStore } from './store/store.js';
import type { KyselyStore } from './store/store.js';

export interface Lethe {
  config: Readonly<Config>;
  store: KyselyStore;
  core: Core;
  logger: Logger;
  close(): Promise<void>;
}

export interface LetheOptions {
  clock?: Clock;
  logger?: Logger;
  /** Wakes a worker when work is queued; set by whoever runs one. */
  notifyWork?: () => void;
}

/** The composition root: config → store → core. HTTP, workers and the CLI are built on top. */
export async function createLethe(config: Readonly<Config>, options: LetheOptions = {}): Promise<Lethe> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const secret = loadSecret(config.dataDir, config.secret);
  const hasher = new KeyedHasher(secret);
  const store = await createStore({ url: config.databaseUrl, scrub: { mode: config.scrubMode } });
  try {
    const stored = await store.meta.setIfAbsent('secret_fingerprint', hasher.fingerprint());
    if (stored !== hasher.fingerprint()) {
      throw new Error('this database was set up with another secret: give every process the same LETHE_SECRET (or data folder)');
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  let wake = options.notifyWork ?? (() => undefined);
  const core = createCore({ store, clock: options.clock ?? systemClock, hasher, notifyWork: () => wake(), imports: { chunkSize: config.importChunkSize, maxRows: config.importMaxRows }, webhooks: { allowPrivate: config.webhooksAllowPrivate } });
  return {
    config,
    store,
    core,
    logger,
    close: async () => {
      wake = () => undefined;
      await store.close();
    },
  };
}
