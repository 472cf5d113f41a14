import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import type { Config } from '../../src/config.js';
import { ManualClock } from '../../src/core/clock.js';
import { ensureFirstStart } from '../../src/core/bootstrap.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { createLethe } from '../../src/main.js';
import type { Lethe } from '../../src/main.js';
import { createTestDatabase } from './engines.js';
import type { Engine, TestDatabase } from './engines.js';

/** Everything the app logged, as raw text: tests search it for personal data. */
export class LogCapture extends Writable {
  readonly chunks: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.chunks.push(chunk.toString('utf8'));
    callback();
  }
  text(): string {
    return this.chunks.join('');
  }
}

export interface TestApp {
  engine: Engine;
  database: TestDatabase;
  config: Readonly<Config>;
  lethe: Lethe;
  app: FastifyInstance;
  clock: ManualClock;
  logs: LogCapture;
  /** The default account's admin key (Bearer token). */
  adminKey: string;
  accountId: number;
  /** `Authorization` header for a key. */
  auth(key?: string): { authorization: string };
  close(): Promise<void>;
}

export interface TestAppOptions {
  config?: Partial<Record<keyof Config, string | number | boolean>>;
  clock?: ManualClock;
}

/** A fresh database, a Lethe on it with a manual clock and captured logs, and its app. */
export async function buildTestApp(engine: Engine, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase(engine);
  // TEST_ENCRYPT_AT_REST=1 runs any suite with contacts sealed (encryption at rest), to show it is transparent.
  const encryptAtRest = process.env.TEST_ENCRYPT_AT_REST === '1' ? { encryptAtRest: true } : {};
  const config = loadConfig({ dataDir: database.dir, databaseUrl: database.url, logLevel: 'info', ...encryptAtRest, ...options.config }, {});
  const logs = new LogCapture();
  const clock = options.clock ?? new ManualClock(Date.now());
  const lethe = await createLethe(config, { clock, logger: createLogger('info', logs) });
  const first = await ensureFirstStart(lethe.core, undefined);
  const adminKey = first.createdKey?.key ?? '';
  const app = await buildApp({ core: lethe.core, config, logger: lethe.logger });
  await app.ready();
  return {
    engine,
    database,
    config,
    lethe,
    app,
    clock,
    logs,
    adminKey,
    accountId: first.accountId,
    auth: (key = adminKey) => ({ authorization: `Bearer ${key}` }),
    close: async () => {
      await app.close();
      await lethe.close();
      await database.drop();
    },
  };
}
