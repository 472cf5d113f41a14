import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest, openDatabase } from '../../src/store/database.js';
import type { DatabaseHandle } from '../../src/store/database.js';
import { createTestDatabase, ENGINES } from '../helpers/engines.js';
import type { TestDatabase } from '../helpers/engines.js';

// The storage layout bulk erasure relies on (bench issue #6): events clustered by contact
// on SQLite; free room per page on PostgreSQL so that erasing events rewrites them in place.
for (const engine of ENGINES) {
  describe(`events layout (${engine})`, () => {
    let database: TestDatabase | undefined;
    let handle: DatabaseHandle | undefined;
    after(async () => {
      await handle?.close();
      await database?.drop();
    });

    it(engine === 'sqlite' ? 'stores events WITHOUT ROWID, keyed by contact then id' : 'keeps 20% of each events page free (fillfactor 80)', async () => {
      database = await createTestDatabase(engine);
      handle = openDatabase({ url: database.url });
      await migrateToLatest(handle.db);
      if (engine === 'sqlite') {
        const table = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'events'`.execute(handle.db);
        assert.match(table.rows[0]?.sql ?? '', /without rowid/i);
        const key = await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info('events') where pk > 0 order by pk`.execute(handle.db);
        assert.deepEqual(key.rows.map((r) => r.name), ['contact_id', 'id']);
      } else {
        const options = await sql<{ reloptions: string[] | null }>`select reloptions from pg_class where relname = 'events' and relkind = 'r'`.execute(handle.db);
        assert.ok(options.rows[0]?.reloptions?.includes('fillfactor=80'), `reloptions: ${JSON.stringify(options.rows[0]?.reloptions)}`);
      }
    });
  });
}
