import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Where a data set lives, and how to make a throwaway copy of it for one scenario:
 * SQLite copies the database file into a fresh data folder; PostgreSQL clones the
 * database with `CREATE DATABASE … TEMPLATE` (a file-level copy, no re-insert).
 */
export interface Place {
  name: string;
  dataDir: string;
  /** The value of DATABASE_URL for `lethe` processes (the SQLite file path on SQLite). */
  databaseUrl: string;
}

export interface Places {
  engine: 'sqlite' | 'postgres';
  base: Place;
  /** A fresh, empty place (dropped first if it exists). */
  empty(name: string): Promise<Place>;
  /** A copy of the base data set. */
  copyOfBase(name: string): Promise<Place>;
  drop(place: Place): Promise<void>;
  exists(place: Place): Promise<boolean>;
  close(): Promise<void>;
}

export function sqlitePlaces(root: string, baseName: string): Places {
  const place = (name: string): Place => ({ name, dataDir: join(root, name), databaseUrl: join(root, name, 'lethe.db') });
  const base = place(baseName);
  const reset = (p: Place) => {
    rmSync(p.dataDir, { recursive: true, force: true });
    mkdirSync(p.dataDir, { recursive: true });
  };
  return {
    engine: 'sqlite',
    base,
    async empty(name) {
      const p = place(name);
      reset(p);
      return p;
    },
    async copyOfBase(name) {
      const p = place(name);
      reset(p);
      // The base was closed cleanly (WAL checkpointed and removed): the file alone is the database.
      copyFileSync(base.databaseUrl, p.databaseUrl);
      return p;
    },
    async drop(p) {
      rmSync(p.dataDir, { recursive: true, force: true });
    },
    async exists(p) {
      return existsSync(p.databaseUrl);
    },
    async close() {},
  };
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function postgresPlaces(serverUrl: string, root: string, baseName: string): Places {
  const admin = new pg.Client({ connectionString: serverUrl });
  let connected: Promise<void> | undefined;
  const query = async (text: string, values: unknown[] = []) => {
    connected ??= admin.connect().then(() => undefined);
    await connected;
    return admin.query(text, values);
  };
  const place = (name: string): Place => {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return { name, dataDir: join(root, name), databaseUrl: url.toString() };
  };
  const base = place(baseName);
  const dropDb = async (p: Place) => {
    await query(`drop database if exists ${quoteIdent(p.name)} with (force)`);
    rmSync(p.dataDir, { recursive: true, force: true });
  };
  return {
    engine: 'postgres',
    base,
    async empty(name) {
      const p = place(name);
      await dropDb(p);
      await query(`create database ${quoteIdent(p.name)}`);
      mkdirSync(p.dataDir, { recursive: true });
      return p;
    },
    async copyOfBase(name) {
      const p = place(name);
      await dropDb(p);
      await query(`create database ${quoteIdent(p.name)} template ${quoteIdent(base.name)}`);
      mkdirSync(p.dataDir, { recursive: true });
      return p;
    },
    drop: dropDb,
    async exists(p) {
      const result = await query('select 1 from pg_database where datname = $1', [p.name]);
      return (result.rowCount ?? 0) > 0;
    },
    async close() {
      if (connected) await admin.end();
    },
  };
}
