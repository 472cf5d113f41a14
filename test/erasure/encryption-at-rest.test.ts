import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Actor } from '../../src/core/actor.js';
import { Sealer } from '../../src/store/keyring/sealer.js';
import { api, createContact } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { drainOperations } from '../helpers/operations.js';
import { describeHits, searchKeyringStorage, searchRawStorage } from '../helpers/raw-storage.js';

/** One person's distinctive sealed values; the address is given in mixed case (its lower-case form is the lookup column). */
function personOf() {
  const tag = randomBytes(6).toString('hex');
  return {
    email: `Sealed.${tag}@Example.ORG`,
    firstName: `Zoë-${tag}`,
    lastName: `Quillfeather-${tag}`,
    phone: `+1555${tag}`,
    custom: `loves-${tag}-lilies`,
  };
}
type Person = ReturnType<typeof personOf>;
const sealedValuesOf = (p: Person): string[] => Object.values(p);

/** The rows of `contacts` as a copy of the data would hold them: (uuid, sealed). */
async function copyOfContacts(t: TestApp): Promise<Array<{ uuid: string; sealed: Buffer | null }>> {
  return t.lethe.store.handle.db.selectFrom('contacts').select(['uuid', 'sealed']).execute();
}

/**
 * Encryption at rest (LETHE_ENCRYPT_AT_REST=true): contacts' personal values are stored only
 * as ciphertext under their own data key, read back in the clear through the API, and an
 * erasure destroys the key, so that a copy of the data taken before it opens to nothing for
 * the erased person while the others still decrypt.
 */
for (const engine of ENGINES) {
  describe(`encryption at rest [${engine}]`, () => {
    let t: TestApp;
    let actor: Actor;

    before(async () => {
      t = await buildTestApp(engine, { config: { encryptAtRest: true } });
      actor = { accountId: t.accountId, keyAccountId: t.accountId, keyId: null, scopes: ['admin'], via: 'native' };
    });
    after(async () => t.close());

    async function write(person: Person): Promise<{ id: number; uuid: string }> {
      const contact = await createContact(api(t), { email: person.email, first_name: person.firstName, last_name: person.lastName, phone: person.phone, custom_fields: { flower: person.custom } });
      const row = await t.lethe.store.handle.db.selectFrom('contacts').select('uuid').where('id', '=', contact.id).executeTakeFirstOrThrow();
      return { id: contact.id, uuid: row.uuid };
    }

    it('stores a contact\'s personal values only sealed, and reads them back in the clear', async () => {
      const person = personOf();
      const { id } = await write(person);
      const res = await api(t).get(`/v1/contacts/${id}`);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { email: string; first_name: string; last_name: string; custom_fields: Record<string, string> };
      assert.equal(body.email, person.email);
      assert.equal(body.first_name, person.firstName);
      assert.equal(body.last_name, person.lastName);
      assert.deepEqual(body.custom_fields, { flower: person.custom });

      const row = await t.lethe.store.handle.db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.ok(row.sealed !== null && row.sealed.length > 0, 'a sealed blob');
      assert.equal(row.email, null);
      assert.equal(row.first_name, null);
      assert.equal(row.custom_fields, '{}');
      const hits = await searchRawStorage(t.lethe.store.handle, sealedValuesOf(person));
      assert.deepEqual(hits, [], `sealed values found in the clear:\n${describeHits(hits)}`);
      // Control: the lookup column still holds the lower-cased address (blind indexes are a later stage), so the search can find things.
      assert.ok((await searchRawStorage(t.lethe.store.handle, [person.email.toLowerCase()])).length > 0, 'the search finds what is there');
    });

    it('stores events\' personal values only sealed, and reads them back in the clear', async () => {
      const person = personOf();
      const { id } = await write(person);
      const tag = randomBytes(6).toString('hex');
      const event = { subject: `Your parcel ${tag} is on its way`, ip: `2001:db8:${tag.slice(0, 4)}::7`, user_agent: `SealedAgent/${tag}`, url: `https://shop.example/track/${tag}`, categories: [`cat-${tag}`] };
      const res = await api(t).post('/v1/events', { events: [{ contact_id: id, type: 'click', ...event, occurred_at: '2025-06-01T12:00:00Z' }] });
      assert.equal(res.statusCode, 200, res.body);
      const listed = await api(t).get(`/v1/contacts/${id}/events`);
      assert.equal(listed.statusCode, 200, listed.body);
      const [read] = (listed.json() as { data: Array<Record<string, unknown>> }).data;
      assert.equal(read?.subject, event.subject);
      assert.equal(read?.ip, event.ip);
      assert.equal(read?.user_agent, event.user_agent);
      assert.equal(read?.url, event.url);
      assert.deepEqual(read?.categories, event.categories);
      const row = await t.lethe.store.handle.db.selectFrom('events').selectAll().where('contact_id', '=', id).executeTakeFirstOrThrow();
      assert.ok(row.categories?.startsWith('lethe-sealed:') && row.subject === null && row.ip === null && row.url === null && row.user_agent === null, 'only the blob holds them');
      const values = [event.subject, event.ip, event.user_agent, event.url, `cat-${tag}`];
      const hits = await searchRawStorage(t.lethe.store.handle, values);
      assert.deepEqual(hits, [], `event values found in the clear:\n${describeHits(hits)}`);
    });

    it('seals staged import rows under the import\'s own key while they wait, and destroys that key when it ends', async () => {
      const person = personOf();
      const imported = await t.lethe.core.imports.create(actor, { format: 'csv', csv: `email,first_name,last_name,custom.flower\n${person.email},${person.firstName},${person.lastName},${person.custom}\n` });
      const staged = await t.lethe.store.handle.db.selectFrom('operation_targets').select('value').where('operation_id', '=', imported.id).execute();
      assert.equal(staged.length, 1);
      assert.match(staged[0]?.value ?? '', /^lethe-sealed:/);
      const hits = await searchRawStorage(t.lethe.store.handle, sealedValuesOf(person));
      assert.deepEqual(hits, [], `staged values found in the clear:\n${describeHits(hits)}`);
      assert.equal((await t.lethe.keyring.get([`operation:${imported.id}`])).size, 1, 'the import has its own key while it waits');
      await drainOperations(t);
      const done = await t.lethe.core.operations.get(actor, imported.id);
      assert.equal(done.state, 'completed');
      assert.equal(done.counts.succeeded, 1);
      assert.equal((await t.lethe.keyring.get([`operation:${imported.id}`])).size, 0, 'its key is destroyed once it ends');
      const { contacts } = await t.lethe.core.contacts.lookupByEmails(actor, [person.email]);
      assert.deepEqual(contacts.map((c) => [c.email, c.firstName, c.lastName, c.customFields]), [[person.email, person.firstName, person.lastName, { flower: person.custom }]], 'the import opened its rows and sealed the contact');
    });

    it('an update and an import keep the values sealed and readable', async () => {
      const person = personOf();
      const { id } = await write(person);
      const renamed = `Renamed-${randomBytes(4).toString('hex')}`;
      const patched = await api(t).patch(`/v1/contacts/${id}`, { first_name: renamed });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal((patched.json() as { first_name: string; last_name: string }).last_name, person.lastName);

      const other = personOf();
      const imported = await t.lethe.core.imports.create(actor, { format: 'csv', csv: `email,first_name,last_name\n${other.email},${other.firstName},${other.lastName}\n${person.email},,${other.lastName}\n` });
      await drainOperations(t);
      assert.equal((await t.lethe.core.operations.get(actor, imported.id)).state, 'completed');
      const found = await api(t).get(`/v1/contacts/${id}`);
      assert.equal((found.json() as { first_name: string; last_name: string }).first_name, renamed);
      assert.equal((found.json() as { last_name: string }).last_name, other.lastName);
      await t.lethe.store.scrubStorage(['contacts']);
      const hits = await searchRawStorage(t.lethe.store.handle, [renamed, other.firstName, other.lastName]);
      assert.deepEqual(hits.filter((h) => h.where.startsWith('contacts') || h.where.startsWith('lethe.db')), [], describeHits(hits));
    });

    it('an erase destroys the key: a copy of the data taken before opens to nothing for the erased person, the others still decrypt', async () => {
      const erased = personOf();
      const kept = personOf();
      const gone = await write(erased);
      const stays = await write(kept);
      const sealer = new Sealer(t.lethe.keyring);

      // A copy of the data before the erasure: the rows, and on SQLite the files themselves.
      const before = await copyOfContacts(t);
      let fileCopy: string | undefined;
      if (engine === 'sqlite') {
        await t.lethe.store.scrubStorage(['contacts']);
        fileCopy = join(t.database.dir, 'copy-before-erasure.db');
        copyFileSync(t.lethe.store.handle.sqlitePath as string, fileCopy);
      }
      const keyringUrl = t.config.keyringUrl;
      const wrapped = await wrappedKeyOf(keyringUrl, gone.uuid);
      assert.ok(wrapped, 'the erased person had a key');
      assert.ok((await searchKeyringStorage(keyringUrl, [wrapped])).length > 0, 'the wrapping is found before the erasure, else the search proves nothing');

      const op = await t.lethe.core.operations.create(actor, { action: 'erase', selector: { kind: 'ids', values: [gone.id] } });
      await drainOperations(t);
      assert.equal((await t.lethe.core.operations.get(actor, op.id)).state, 'completed');

      assert.equal((await t.lethe.keyring.get([gone.uuid])).size, 0, 'the key is destroyed');
      assert.deepEqual(await searchKeyringStorage(keyringUrl, [wrapped]), [], 'the key\'s wrapping is nowhere in the keyring storage');

      const copied = before.filter((r) => r.uuid === gone.uuid || r.uuid === stays.uuid);
      const opened = await sealer.openMany<{ firstName: string }>(copied.map((r) => ({ owner: r.uuid, sealed: r.sealed })));
      const byUuid = new Map(copied.map((r, i) => [r.uuid, opened[i]]));
      assert.equal(byUuid.get(gone.uuid), undefined, 'the erased person\'s copied blob no longer opens');
      assert.equal(byUuid.get(stays.uuid)?.firstName, kept.firstName, 'the others still decrypt');

      if (fileCopy) {
        const copy = new SQLite(fileCopy, { readonly: true });
        try {
          const rows = copy.prepare<[string, string], { uuid: string; sealed: Buffer | null }>('select uuid, sealed from contacts where uuid in (?, ?)').all(gone.uuid, stays.uuid);
          assert.equal(rows.length, 2);
          const fromFile = await sealer.openMany<{ firstName: string }>(rows.map((r) => ({ owner: r.uuid, sealed: r.sealed })));
          assert.deepEqual(fromFile.map((v) => v?.firstName).sort(), [kept.firstName, undefined].sort());
        } finally {
          copy.close();
        }
        const hits = await searchRawStorage({ ...t.lethe.store.handle, sqlitePath: fileCopy }, sealedValuesOf(erased));
        assert.deepEqual(hits, [], 'the copy never held the values in the clear');
      }
      const shell = await api(t).get(`/v1/contacts/${gone.id}`);
      assert.equal((shell.json() as { first_name: string | null }).first_name, null);
    });
  });
}

async function wrappedKeyOf(url: string, id: string): Promise<Buffer | undefined> {
  if (!url.startsWith('postgres')) {
    const db = new SQLite(url, { readonly: true });
    try {
      return db.prepare<[string], { wrapped: Buffer }>('select wrapped from data_keys where id = ?').get(id)?.wrapped;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ wrapped: Buffer }>('select wrapped from lethe_keyring.data_keys where id = $1', [id])).rows[0]?.wrapped;
  } finally {
    await client.end();
  }
}
