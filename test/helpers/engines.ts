import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type Engine = 'sqlite' | 'postgres';

/**
 * The engines every store and API test runs on: SQLite always, PostgreSQL when
 * TEST_DATABASE_URL is given. `TEST_ENGINES=sqlite` narrows a local run. A requested
 * PostgreSQL that is unreachable fails the test that needs it; nothing skips silently.
 */
export const ENGINES: Engine[] = (() => {
  const wanted = (process.env.TEST_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim());
  const engines: Engine[] = [];
  if (wanted.includes('sqlite')) engines.push('sqlite');
  if (wanted.includes('postgres') && process.env.TEST_DATABASE_URL) engines.push('postgres');
  return engines;
})();

export interface TestDatabase {
  engine: Engine;
  /** DATABASE_URL for Lethe: a postgres:// URL or a SQLite file path. */
  url: string;
  /** A folder of this database's own: data dir, secret, SQLite file. */
  dir: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of its own for one test file (or one test). */
export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-test-'));
  if (engine === 'sqlite') {
    return { engine, url: join(dir, 'lethe.db'), dir, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `lethe_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    engine,
    url: url.toString(),
    dir,
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
