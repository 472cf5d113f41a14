import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { isAppError } from '../../src/core/errors.js';
import { scrubStorage } from '../../src/store/scrub.js';
import { createStore } from '../../src/store/store.js';
import type { KyselyStore } from '../../src/store/store.js';
import { ENGINES, createTestDatabase } from '../helpers/engines.js';
import type { TestDatabase } from '../helpers/engines.js';
import { describeHits, openReader, searchRawStorage } from '../helpers/raw-storage.js';

const ALL = ['contacts', 'events', 'list_memberships', 'operation_targets'] as const;

/** Distinctive personal values, unique to one test, short enough never to be compressed. */
function personalValues() {
  const tag = randomBytes(5).toString('hex');
  return {
    email: `scrub.${tag}@example.org`,
    firstName: `Zoë${tag}`,
    lastName: `Quillfeather${tag}`,
    custom: `favourite-${tag}-colour`,
    subject: `Your order ${tag} has shipped`,
    ip: `198.51.100.${tag.slice(0, 2)}:${tag}`,
    userAgent: `ScrubAgent/${tag}`,
    url: `https://shop.example/track/${tag}`,
    // The start of a long, incompressible value: PostgreSQL moves it out of line into
    // TOAST (in chunks of about 2 kB, so only a part is searched), SQLite into overflow pages.
    long: `notes-${tag}`,
  };
}
type Values = ReturnType<typeof personalValues>;

/**
 * Store-level proof that the scrub, and not luck, removes the bytes: values written and
 * removed straight through the store (the lifecycle's own tests go through the engine).
 */
for (const engine of ENGINES) {
  describe(`storage scrub [${engine}]`, () => {
    let database: TestDatabase;
    let store: KyselyStore;
    let accountId: number;

    before(async () => {
      database = await createTestDatabase(engine);
      store = await createStore({ url: database.url });
      accountId = (await store.accounts.create({ parentId: null, name: 'scrub' }, Date.now())).id;
      // Neighbours on the same pages, so the values share pages with data that stays.
      const db = store.handle.db;
      for (let i = 0; i < 200; i++) {
        await db.insertInto('contacts').values({ account_id: accountId, uuid: `n-${i}-${randomBytes(4).toString('hex')}`, email: `n${i}@keep.example`, email_norm: `n${i}@keep.example`, first_name: 'Keep', status: 'active', created_at: 1, updated_at: 1 }).execute();
      }
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    async function writePerson(values: Values): Promise<number> {
      const db = store.handle.db;
      const contact = await db
        .insertInto('contacts')
        .values({ account_id: accountId, uuid: randomBytes(16).toString('hex'), email: values.email, email_norm: values.email.toLowerCase(), first_name: values.firstName, last_name: values.lastName, custom_fields: JSON.stringify({ colour: values.custom, notes: `${values.long}-${randomBytes(2400).toString('base64')}` }), status: 'active', created_at: 1, updated_at: 1 })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (let i = 1; i <= 5; i++) {
        await db.insertInto('events').values({ account_id: accountId, contact_id: contact.id, id: contact.id * 100 + i, type: 'click', subject: values.subject, ip: values.ip, user_agent: values.userAgent, url: values.url, occurred_at: i }).execute();
      }
      await db.insertInto('operation_targets').values({ operation_id: contact.id, seq: 1, account_id: accountId, value: values.email, outcome: 'pending' }).execute();
      return contact.id;
    }

    async function assertFound(values: Values): Promise<void> {
      const hits = await searchRawStorage(store.handle, Object.values(values));
      const found = new Set(hits.map((h) => h.value));
      assert.deepEqual(Object.values(values).filter((v) => !found.has(v)), [], 'every value is found before erasure (else the search proves nothing)');
    }

    async function eraseInPlace(id: number, values: Values): Promise<void> {
      const db = store.handle.db;
      await db.updateTable('contacts').set({ email: null, email_norm: `\\x${'0'.repeat(40)}${id}@domain.invalid`, first_name: null, last_name: null, custom_fields: '{}', status: 'erased' }).where('id', '=', id).execute();
      await db.updateTable('events').set({ subject: null, ip: null, user_agent: null, url: null }).where('contact_id', '=', id).execute();
      await db.updateTable('operation_targets').set({ value: null, value_hash: 'h'.repeat(64), outcome: 'done' }).where('value', '=', values.email).execute();
    }

    async function purge(id: number, values: Values): Promise<void> {
      const db = store.handle.db;
      await db.deleteFrom('events').where('contact_id', '=', id).execute();
      await db.deleteFrom('contacts').where('id', '=', id).execute();
      await db.updateTable('operation_targets').set({ value: null, value_hash: 'h'.repeat(64), outcome: 'done' }).where('value', '=', values.email).execute();
    }

    if (engine === 'sqlite') {
      it('opens SQLite with secure_delete on (freed cells and pages are zeroed)', () => {
        assert.equal(store.handle.sqlite?.pragma('secure_delete', { simple: true }), 1);
        assert.equal(store.handle.sqlite?.pragma('journal_mode', { simple: true }), 'wal');
      });
    }

    it('after an erase in place, the old values stay in the files until the scrub removes them', async () => {
      const values = personalValues();
      const id = await writePerson(values);
      await assertFound(values);
      if (engine === 'postgres') {
        const toasted = await searchRawStorage(store.handle, [values.long]);
        assert.ok(toasted.some((h) => h.where.startsWith('pg_toast.')), `the long value sits in TOAST: ${describeHits(toasted)}`);
      }
      await eraseInPlace(id, values);
      assert.notEqual((await searchRawStorage(store.handle, Object.values(values))).length, 0, 'without a scrub, old row versions still hold the values');
      const report = await store.scrubStorage(ALL);
      assert.equal(report.engine, engine);
      assert.equal(report.method, engine === 'sqlite' ? 'checkpoint' : 'rewrite');
      const hits = await searchRawStorage(store.handle, Object.values(values));
      assert.deepEqual(hits, [], describeHits(hits));
    });

    it('after a purge (rows deleted), the scrub leaves no byte of them: heap, indexes, WAL', async () => {
      const values = personalValues();
      const id = await writePerson(values);
      await assertFound(values);
      await purge(id, values);
      await store.scrubStorage(ALL);
      const hits = await searchRawStorage(store.handle, Object.values(values));
      assert.deepEqual(hits, [], describeHits(hits));
      const kept = await searchRawStorage(store.handle, ['n7@keep.example']);
      assert.notEqual(kept.length, 0, 'data that was not erased is still there');
    });

    it('coalesces concurrent scrubs: those arriving while one runs share the next', async () => {
      const reports = await Promise.all([store.scrubStorage(['contacts']), store.scrubStorage(['events']), store.scrubStorage(['operation_targets']), store.scrubStorage(['events'])]);
      assert.deepEqual(reports[0]?.tables, ['contacts']);
      assert.equal(new Set(reports).size, 2, 'the first runs alone, the three later ones share one');
      assert.equal(reports[1], reports[3]);
      assert.deepEqual([...(reports[1]?.tables ?? [])].sort(), ['events', 'operation_targets']);
      const later = await store.scrubStorage(['contacts']);
      assert.ok(!reports.includes(later), 'a call after they finished runs its own');
    });

    it('waits for a reader holding an older snapshot, and gives up with CONFLICT', async () => {
      const values = personalValues();
      const id = await writePerson(values);
      const reader = await openReader(store.handle, database.url);
      try {
        await eraseInPlace(id, values);
        await assert.rejects(scrubStorage(store.handle, ALL, { maxWaitMs: 300 }), (error: unknown) => isAppError(error) && error.code === 'CONFLICT');
      } finally {
        await reader.close();
      }
      const report = await scrubStorage(store.handle, ALL, { maxWaitMs: 5_000 });
      assert.ok(report.durationMs >= 0);
      const hits = await searchRawStorage(store.handle, Object.values(values));
      assert.deepEqual(hits, [], describeHits(hits));
    });

    if (engine === 'postgres') {
      it('is not held back by a transaction in another database (a plain VACUUM comes before the rewrite)', async () => {
        const values = personalValues();
        const id = await writePerson(values);
        const elsewhere = await createTestDatabase('postgres');
        const writer = new pg.Client({ connectionString: elsewhere.url });
        await writer.connect();
        try {
          // Older than the erasure: a VACUUM FULL alone would keep the old rows for it.
          await writer.query('begin');
          await writer.query('select pg_current_xact_id()');
          await eraseInPlace(id, values);
          await scrubStorage(store.handle, ALL, { maxWaitMs: 2_000 });
          const hits = await searchRawStorage(store.handle, Object.values(values));
          assert.deepEqual(hits, [], describeHits(hits));
          await writer.query('commit');
        } finally {
          await writer.end();
          await elsewhere.drop();
        }
      });

      it('tries again while the table is locked, and gives up with CONFLICT when it stays locked', async () => {
        const holder = new pg.Client({ connectionString: database.url });
        await holder.connect();
        try {
          // A lock without a snapshot (read committed, between statements): only the lock blocks.
          await holder.query('begin');
          await holder.query('lock table events in access share mode');
          await assert.rejects(scrubStorage(store.handle, ['events'], { lockTimeoutMs: 100, maxWaitMs: 600 }), (error: unknown) => isAppError(error) && error.code === 'CONFLICT' && /locked/.test(error.message));
          // A lock released while the scrub keeps trying: it completes.
          const scrubbing = scrubStorage(store.handle, ['events'], { lockTimeoutMs: 100, maxWaitMs: 10_000 });
          await new Promise((resolve) => setTimeout(resolve, 400));
          await holder.query('rollback');
          const report = await scrubbing;
          assert.ok(report.durationMs >= 300, `it waited for the lock: ${report.durationMs} ms`);
        } finally {
          await holder.end();
        }
      });

      it('in vacuum mode runs a plain VACUUM and says so', async () => {
        const report = await scrubStorage(store.handle, ['contacts'], { mode: 'vacuum' });
        assert.equal(report.method, 'vacuum');
        assert.deepEqual(report.tables, ['contacts']);
      });
    }
  });
}

describe('scrub mode setting', () => {
  it('reads LETHE_SCRUB_MODE: rewrite by default, vacuum on request, anything else refused', () => {
    assert.equal(loadConfig({}, {}).scrubMode, 'rewrite');
    assert.equal(loadConfig({}, { LETHE_SCRUB_MODE: 'VACUUM' }).scrubMode, 'vacuum');
    assert.throws(() => loadConfig({}, { LETHE_SCRUB_MODE: 'none' }), /LETHE_SCRUB_MODE must be rewrite or vacuum/);
  });
});
