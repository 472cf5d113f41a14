import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import { AppError } from '../../core/errors.js';
import type { KeyringBackend, KeyringScrubReport, WrappedKey } from './backend.js';

const POLL_MS = 50;
/** Ids per statement (SQLite's bind limit is 32,766). */
const RUN = 10_000;

/**
 * The keyring in its own SQLite file (default: `keyring.db` in the data folder), apart from
 * the data so that it can be backed up, kept and destroyed on its own schedule.
 * `secure_delete` zeroes a deleted key's cell as it is freed; the WAL, which holds page
 * images from before the delete, is cut by a truncating checkpoint in `scrub()`.
 * Statements run synchronously: each touches a handful of small rows.
 */
export function openSqliteKeyring(path: string): KeyringBackend {
  mkdirSync(dirname(path), { recursive: true });
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('secure_delete = ON');
  db.exec(`create table if not exists data_keys (
    id text primary key,
    wrapped blob not null,
    kek_id text not null,
    created_at integer not null
  ) without rowid`);

  const insertOne = db.prepare('insert into data_keys (id, wrapped, kek_id, created_at) values (?, ?, ?, ?) on conflict (id) do nothing');
  const insertAll = db.transaction((rows: readonly WrappedKey[], at: number) => {
    const stored = new Set<string>();
    for (const row of rows) if (insertOne.run(row.id, row.wrapped, row.kekId, at).changes > 0) stored.add(row.id);
    return stored;
  });
  const fetchRun = (ids: readonly string[]) =>
    db.prepare<[string], { id: string; wrapped: Buffer; kek_id: string }>('select id, wrapped, kek_id from data_keys where id in (select value from json_each(?))').all(JSON.stringify(ids));
  const deleteRun = db.prepare<[string]>('delete from data_keys where id in (select value from json_each(?))');
  const rewrapOne = db.prepare('update data_keys set wrapped = ?, kek_id = ? where id = ? and kek_id = ?');
  const rewrapAll = db.transaction((rows: ReadonlyArray<{ id: string; fromKekId: string; wrapped: Buffer; kekId: string }>) => {
    let changed = 0;
    for (const row of rows) changed += rewrapOne.run(row.wrapped, row.kekId, row.id, row.fromKekId).changes;
    return changed;
  });

  return {
    engine: 'sqlite',
    insert: async (rows) => insertAll(rows, Date.now()),
    fetch: async (ids) => {
      const found: WrappedKey[] = [];
      for (let i = 0; i < ids.length; i += RUN) for (const r of fetchRun(ids.slice(i, i + RUN))) found.push({ id: r.id, wrapped: r.wrapped, kekId: r.kek_id });
      return found;
    },
    delete: async (ids) => {
      let deleted = 0;
      for (let i = 0; i < ids.length; i += RUN) deleted += deleteRun.run(JSON.stringify(ids.slice(i, i + RUN))).changes;
      return deleted;
    },
    scrub: async (maxWaitMs) => {
      const started = Date.now();
      let attempts = 0;
      // A short busy timeout per try keeps the synchronous driver from holding the event
      // loop while a reader finishes; the tries are spaced by a timer instead.
      for (;;) {
        attempts += 1;
        db.pragma(`busy_timeout = ${POLL_MS}`);
        let row: { busy: number; log: number } | undefined;
        try {
          row = (db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number }>)[0];
        } finally {
          db.pragma('busy_timeout = 5000');
        }
        if (row && row.busy === 0 && row.log === 0) {
          const durationMs = Date.now() - started;
          const report: KeyringScrubReport = { engine: 'sqlite', method: 'checkpoint', partitions: 0, durationMs, waitedMs: attempts > 1 ? durationMs : 0 };
          return report;
        }
        if (Date.now() - started >= maxWaitMs) throw new AppError('CONFLICT', `the keyring's WAL could not be checkpointed: a reader held an older snapshot for ${maxWaitMs} ms; retry later`);
        await sleep(POLL_MS);
      }
    },
    wrappedOtherwise: async (kekId, afterId, limit) =>
      db
        .prepare<[string, string, number], { id: string; wrapped: Buffer; kek_id: string }>('select id, wrapped, kek_id from data_keys where id > ? and kek_id <> ? order by id limit ?')
        .all(afterId, kekId, limit)
        .map((r) => ({ id: r.id, wrapped: r.wrapped, kekId: r.kek_id })),
    rewrap: async (rows) => rewrapAll(rows),
    sampleKekId: async () => db.prepare<[], { kek_id: string }>('select kek_id from data_keys limit 1').get()?.kek_id,
    count: async () => (db.prepare<[], { n: number }>('select count(*) as n from data_keys').get()?.n ?? 0),
    close: async () => {
      db.close();
    },
  };
}
