import type { Config } from './config.js';
import { systemClock } from './core/clock.js';
import type { Clock } from './core/clock.js';
import { createCore } from './core/core.js';
import type { Core } from './core/core.js';
import { KeyedHasher } from './core/crypto.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { loadSecret, secretOf } from './secret.js';
import { Keyring } from './store/keyring/keyring.js';
import { createStore } from './store/store.js';
import type { KyselyStore } from './store/store.js';

export interface Lethe {
  config: Readonly<Config>;
  store: KyselyStore;
  /** Per-contact data keys, wrapped, apart from the data (see the README's "Encryption at rest"). */
  keyring: Keyring;
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
  const keyring = await Keyring.open(keyringOptions(config, secret));
  const store = await createStore({ url: config.databaseUrl, scrub: { mode: config.scrubMode }, keyring, encrypt: config.encryptAtRest }).catch(async (error: unknown) => {
    await keyring.close();
    throw error;
  });
  try {
    const stored = await store.meta.setIfAbsent('secret_fingerprint', hasher.fingerprint());
    if (stored !== hasher.fingerprint()) {
      throw new Error('this database was set up with another secret: give every process the same LETHE_SECRET (or data folder)');
    }
  } catch (error) {
    await store.close();
    await keyring.close();
    throw error;
  }
  let wake = options.notifyWork ?? (() => undefined);
  const core = createCore({ store, clock: options.clock ?? systemClock, hasher, notifyWork: () => wake(), imports: { chunkSize: config.importChunkSize, maxRows: config.importMaxRows }, webhooks: { allowPrivate: config.webhooksAllowPrivate } });
  return {
    config,
    store,
    keyring,
    core,
    logger,
    close: async () => {
      wake = () => undefined;
      await store.close();
      await keyring.close();
    },
  };
}

/** The keyring's place and secrets from the config: its own secret, else the server's. */
export function keyringOptions(config: Readonly<Config>, serverSecret: Buffer) {
  return {
    url: config.keyringUrl,
    secret: config.keyringSecret !== undefined ? secretOf('LETHE_KEYRING_SECRET', config.keyringSecret) : serverSecret,
    previousSecrets: config.keyringPreviousSecret !== undefined ? [secretOf('LETHE_KEYRING_PREVIOUS_SECRET', config.keyringPreviousSecret)] : [],
  };
}
