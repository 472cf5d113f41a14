import { loadConfig } from '../src/config.js';
import { ensureFirstStart } from '../src/core/bootstrap.js';
import type { Actor } from '../src/core/actor.js';
import type { ContactInput } from '../src/core/contacts/contact.js';
import type { EventInput } from '../src/core/events/events.service.js';
import { createLogger } from '../src/logger.js';
import { createLethe } from '../src/main.js';
import type { Lethe } from '../src/main.js';
import { bulkLoader } from '../src/store/bulk-load.js';
import { contactBatches, eventBatches, EVENTS_PER_CONTACT, LIST_COUNT, LISTS_PER_CONTACT } from './generate.js';
import type { GeneratedContact, GeneratedEvent } from './generate.js';
import type { Place, Places } from './places.js';

/** Bumped whenever the generated data changes, so that a cached data set is rebuilt. */
const GENERATOR_VERSION = 1;
export const BENCH_SECRET = 'lethe-bench-secret-0123456789abcdef0123456789abcdef';
export const BENCH_ADMIN_KEY = 'lethe_bench_admin_key_0123456789';

export type LoadPath = 'import' | 'bulk';

export interface DataSet {
  contacts: number;
  seed: number;
  accountId: number;
  /** List ids by position 0..LIST_COUNT-1. */
  listIds: number[];
  /** How the data set was loaded in this run; null when a cached one was reused. */
  load: LoadFigures | null;
}

export interface LoadFigures {
  path: LoadPath;
  description: string;
  seconds: number;
  contacts: number;
  rows: number;
  contactsPerSecond: number;
  rowsPerSecond: number;
}

/**
 * What a cached data set must match to be reused. Migrations added since it was built are
 * applied when it is opened; a migration that changes the layout of existing rows is only
 * seen after a rebuild (--fresh).
 */
const markerOf = (contacts: number, seed: number) => JSON.stringify({ v: GENERATOR_VERSION, contacts, seed });

export async function openLethe(place: Place): Promise<Lethe> {
  const config = loadConfig({ dataDir: place.dataDir, databaseUrl: place.databaseUrl, secret: BENCH_SECRET, logLevel: 'silent' }, {});
  return createLethe(config, { logger: createLogger('silent') });
}

export const adminActor = (accountId: number): Actor => ({ accountId, keyAccountId: accountId, keyId: null, scopes: ['admin'], via: 'cli' });

/** Prepares an empty place: schema, the default account with the bench's admin key, and the lists. */
export async function prepareAccount(lethe: Lethe): Promise<{ accountId: number; listIds: number[] }> {
  const { accountId } = await ensureFirstStart(lethe.core, BENCH_ADMIN_KEY);
  const listIds: number[] = [];
  for (let i = 0; i < LIST_COUNT; i++) listIds.push((await lethe.core.lists.create(adminActor(accountId), { name: `bench list ${i + 1}` })).id);
  return { accountId, listIds };
}

export const contactInputOf = (c: GeneratedContact): ContactInput => ({
  email: c.email,
  firstName: c.firstName,
  lastName: c.lastName,
  phone: c.phone,
  customFields: c.customFields,
  optInIp: c.optInIp,
});

const eventInputOf = (e: GeneratedEvent, contactId: number): EventInput => ({
  contactId,
  type: e.type,
  messageId: e.messageId,
  subject: e.subject,
  categories: e.categories,
  ip: e.ip,
  userAgent: e.userAgent,
  url: e.url,
  occurredAt: e.occurredAt,
});

/**
 * Contacts through the import path (core's upsertMany: validation, matching, chunked
 * transactions), grouped by their pair of lists. Returns the contact id of each position.
 */
export async function importContacts(lethe: Lethe, accountId: number, listIds: number[], seed: number, count: number, onProgress?: (done: number) => void): Promise<Int32Array | Float64Array> {
  const ids = new Float64Array(count + 1);
  let done = 0;
  for (const batch of contactBatches(seed, count, 10_000)) {
    const groups = new Map<string, GeneratedContact[]>();
    for (const c of batch) {
      const key = c.lists.join(',');
      const group = groups.get(key);
      if (group) group.push(c);
      else groups.set(key, [c]);
    }
    for (const [key, group] of groups) {
      const lists = key.split(',').map((i) => listIds[Number(i)] as number);
      const results = await lethe.core.contacts.upsertMany(accountId, group.map(contactInputOf), { source: 'import', listIds: lists });
      results.forEach((r, i) => {
        if (r.outcome === 'invalid') throw new Error(`generated contact ${(group[i] as GeneratedContact).n} was refused: ${r.field} ${r.message}`);
        ids[(group[i] as GeneratedContact).n] = r.contactId;
      });
    }
    done += batch.length;
    onProgress?.(done);
  }
  return ids;
}

async function loadByImport(lethe: Lethe, accountId: number, listIds: number[], seed: number, contacts: number, log: (line: string) => void): Promise<void> {
  const ids = await importContacts(lethe, accountId, listIds, seed, contacts, (done) => {
    if (done % 100_000 === 0) log(`  contacts ${done}`);
  });
  let events = 0;
  for (const batch of eventBatches(seed, contacts, 10_000)) {
    const result = await lethe.core.events.ingest(adminActor(accountId), batch.map((e) => eventInputOf(e, ids[e.n] as number)));
    if (result.errors.length > 0) throw new Error(`generated events were refused: ${result.errors[0]?.field} ${result.errors[0]?.message}`);
    events += batch.length;
    if (events % 1_000_000 === 0) log(`  events ${events}`);
  }
}

/** Events' ids in the bulk path: increasing with insertion order, like the store's own (ms × 2048 + counter). */
const eventId = (e: GeneratedEvent) => e.occurredAt * 2048 + (e.seq % 2048);

async function loadByBulk(lethe: Lethe, accountId: number, listIds: number[], seed: number, contacts: number, log: (line: string) => void): Promise<void> {
  // About 3.3 kB per contact with its memberships and events, indexes included.
  const loader = bulkLoader(lethe.store.handle, accountId, contacts * 3600);
  for (const batch of contactBatches(seed, contacts, 20_000)) {
    await loader.contacts(
      batch.map((c) => ({
        id: c.n,
        uuid: c.uuid,
        email: c.email,
        emailNorm: c.email.toLowerCase(),
        firstName: c.firstName,
        lastName: c.lastName,
        phone: c.phone,
        customFields: JSON.stringify(c.customFields),
        optInIp: c.optInIp,
        createdAt: c.createdAt,
      })),
    );
    await loader.memberships(batch.flatMap((c) => c.lists.map((l) => ({ contactId: c.n, listId: listIds[l] as number, createdAt: c.createdAt }))));
    if ((batch[batch.length - 1] as GeneratedContact).n % 200_000 === 0) log(`  contacts ${(batch[batch.length - 1] as GeneratedContact).n}`);
  }
  let events = 0;
  for (const batch of eventBatches(seed, contacts, 20_000)) {
    await loader.events(
      batch.map((e) => ({
        contactId: e.n,
        id: eventId(e),
        type: e.type,
        messageId: e.messageId,
        subject: e.subject,
        categories: JSON.stringify(e.categories),
        ip: e.ip,
        userAgent: e.userAgent,
        url: e.url,
        occurredAt: e.occurredAt,
      })),
    );
    events += batch.length;
    if (events % 2_000_000 === 0) log(`  events ${events}`);
  }
  await loader.finish();
}

/**
 * The base data set of a run: reused when a cached one of the same size, seed, generator
 * and schema exists (unless `fresh`), otherwise generated and loaded (timed).
 */
export async function ensureDataSet(places: Places, options: { contacts: number; seed: number; load: LoadPath; fresh: boolean; log: (line: string) => void }): Promise<DataSet> {
  const { contacts, seed, log } = options;
  const marker = markerOf(contacts, seed);
  if (!options.fresh && (await places.exists(places.base))) {
    const lethe = await openLethe(places.base);
    try {
      if ((await lethe.store.meta.get('bench_data_set')) === marker) {
        const { accountId } = await ensureFirstStart(lethe.core, BENCH_ADMIN_KEY);
        const lists = await lethe.core.lists.list(adminActor(accountId), { limit: LIST_COUNT });
        log(`reusing the cached data set ${places.base.name} (--fresh to rebuild)`);
        return { contacts, seed, accountId, listIds: lists.lists.map((l) => l.id), load: null };
      }
    } finally {
      await lethe.close();
    }
  }
  const place = await places.empty(places.base.name);
  const lethe = await openLethe(place);
  try {
    const { accountId, listIds } = await prepareAccount(lethe);
    const rows = contacts * (1 + LISTS_PER_CONTACT + EVENTS_PER_CONTACT);
    log(`loading ${contacts} contacts, ${contacts * LISTS_PER_CONTACT} memberships, ${contacts * EVENTS_PER_CONTACT} events through the ${options.load} path`);
    const started = performance.now();
    if (options.load === 'import') await loadByImport(lethe, accountId, listIds, seed, contacts, log);
    else await loadByBulk(lethe, accountId, listIds, seed, contacts, log);
    const seconds = (performance.now() - started) / 1000;
    await lethe.store.meta.setIfAbsent('bench_data_set', marker);
    const description =
      options.load === 'import'
        ? "Lethe's import path (core upsertMany in chunks of 1,000 + events ingest in batches of 10,000)"
        : "the store's bulk path (src/store/bulk-load.ts: " + (places.engine === 'sqlite' ? 'prepared multi-row inserts' : 'unnest array inserts') + ')';
    return {
      contacts,
      seed,
      accountId,
      listIds,
      load: { path: options.load, description, seconds, contacts, rows, contactsPerSecond: contacts / seconds, rowsPerSecond: rows / seconds },
    };
  } finally {
    await lethe.close();
  }
}
