import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { migrateToLatest, openDatabase } from '../../src/store/database.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { createTestDatabase } from '../helpers/engines.js';
import type { TestDatabase } from '../helpers/engines.js';

interface SchemaShape {
  tables: Record<string, Record<string, { type: string; nullable: boolean }>>;
  indexes: Record<string, { table: string; unique: boolean; columns: string[] }>;
}

const family = (type: string): string => {
  const t = type.toLowerCase();
  if (/int|serial/.test(t)) return 'integer';
  if (/char|text|clob/.test(t)) return 'text';
  // Bytes: SQLite's blob is PostgreSQL's bytea.
  if (t === 'blob' || t === 'bytea') return 'bytes';
  return t;
};

async function shapeOf(handle: DatabaseHandle): Promise<SchemaShape> {
  const db = handle.db as unknown as Kysely<unknown>;
  const tables: SchemaShape['tables'] = {};
  for (const table of await db.introspection.getTables()) {
    if (table.name.startsWith('lethe_migration')) continue;
    tables[table.name] = Object.fromEntries(table.columns.map((c) => [c.name, { type: family(c.dataType), nullable: c.isNullable }]));
  }
  const indexes: SchemaShape['indexes'] = {};
  if (handle.capabilities.engine === 'sqlite') {
    for (const table of Object.keys(tables)) {
      const list = await sql<{ name: string; unique: number; origin: string }>`select * from pragma_index_list(${table})`.execute(db);
      for (const index of list.rows) {
        if (index.origin === 'pk') continue;
        const cols = await sql<{ name: string; seqno: number }>`select * from pragma_index_info(${index.name})`.execute(db);
        indexes[index.name] = { table, unique: index.unique === 1, columns: cols.rows.sort((a, b) => a.seqno - b.seqno).map((c) => c.name) };
      }
    }
  } else {
    const rows = await sql<{ index: string; table: string; unique: boolean; columns: string[]; primary: boolean }>`
      select i.relname as index, t.relname as table, ix.indisunique as unique, ix.indisprimary as primary,
             array(select a.attname from unnest(ix.indkey) with ordinality k(attnum, ord)
                   join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum order by k.ord)::text[] as columns
      from pg_index ix join pg_class i on i.oid = ix.indexrelid join pg_class t on t.oid = ix.indrelid
      join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = 'public' and t.relname not like 'lethe_migration%'`.execute(db);
    for (const r of rows.rows) if (!r.primary) indexes[r.index] = { table: r.table, unique: r.unique, columns: r.columns };
  }
  return { tables, indexes };
}

describe('migrations', () => {
  const databases: TestDatabase[] = [];
  const handles: DatabaseHandle[] = [];
  before(async () => {
    databases.push(await createTestDatabase('sqlite'));
    if (process.env.TEST_DATABASE_URL) databases.push(await createTestDatabase('postgres'));
  });
  after(async () => {
    for (const h of handles) await h.close();
    for (const d of databases) await d.drop();
  });

  it('migrate a fresh database and are idempotent', async () => {
    for (const database of databases) {
      const handle = openDatabase({ url: database.url });
      handles.push(handle);
      const applied = await migrateToLatest(handle.db);
      assert.ok(applied.includes('0001_initial'), `${database.engine}: initial migration applied`);
      assert.deepEqual(await migrateToLatest(handle.db), [], `${database.engine}: nothing left to apply`);
    }
  });

  it('give SQLite and PostgreSQL equivalent schemas', { skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL not set: only SQLite runs here' }, async () => {
    const [sqlite, postgres] = await Promise.all(handles.map(shapeOf));
    assert.ok(sqlite && postgres);
    assert.deepEqual(Object.keys(postgres.tables).sort(), Object.keys(sqlite.tables).sort(), 'same tables');
    for (const [table, columns] of Object.entries(sqlite.tables)) {
      assert.deepEqual(postgres.tables[table], columns, `columns of ${table}`);
    }
    assert.deepEqual(postgres.indexes, sqlite.indexes, 'same indexes');
  });

  it('give every table but the instance metadata an account_id', async () => {
    const shape = await shapeOf(handles[0] as DatabaseHandle);
    for (const [table, columns] of Object.entries(shape.tables)) {
      if (table === 'lethe_meta' || table === 'accounts') continue;
      assert.ok(columns.account_id, `${table} has account_id`);
    }
  });
});
