import type { CoreDeps } from '../context.js';
import { newUuid, normalizeEmail } from '../crypto.js';
import type { KeyedHasher } from '../crypto.js';
import { BLOCKED_MESSAGE, ONCE_ERASED, reimportVerdict } from '../reimport/guard.js';
import type { ErrorCode, ErrorDetail } from '../errors.js';
import type { Repositories } from '../ports.js';
import type { ContactInput, ContactRecord, ExistingContact, MatchBy } from './contact.js';
import { applyContactInput, contactInputProblems, recordProblems } from './contact-input.js';
import { checkListIds, checkSource } from './contact-rules.js';

export interface UpsertManyOptions {
  /** Recorded as the contacts' create/update source (e.g. `native`, `sendgrid`, `import`). */
  source: string;
  /** Lists every upserted contact joins (memberships are added, never removed). */
  listIds?: readonly number[];
  /** The identity items are matched on; default `email`. Items without it are invalid. */
  matchBy?: MatchBy;
}

export type UpsertItemResult =
  | {
      index: number;
      outcome: 'created' | 'updated';
      contactId: number;
      uuid: string;
      /** Under the account's `warn` re-import policy: the item brought back an address once erased here. */
      onceErased?: true;
    }
  | {
      index: number;
      outcome: 'invalid';
      /** VALIDATION_FAILED for bad values, ALREADY_EXISTS when another contact holds the item's email or external key, CONFLICT when the matched contact is erased. */
      code: Extract<ErrorCode, 'VALIDATION_FAILED' | 'ALREADY_EXISTS' | 'CONFLICT'>;
      field: string;
      message: string;
      /** `once_erased`: refused by the account's `block` re-import policy. */
      reason?: typeof ONCE_ERASED;
    };

/** Items per transaction of `upsertContacts`: a bound on how long one write holds SQLite's lock. */
const MAX_CHUNK = 1000;

interface Item {
  index: number;
  input: ContactInput;
  /** Normalized email or external key, by `matchBy`. */
  key: string;
}

interface Group {
  base: ExistingContact | undefined;
  record: ContactRecord | undefined;
  indexes: number[];
}

const invalidItem = (index: number, code: Extract<ErrorCode, 'VALIDATION_FAILED' | 'ALREADY_EXISTS' | 'CONFLICT'>, detail: ErrorDetail): UpsertItemResult => ({
  index,
  outcome: 'invalid',
  code,
  field: detail.field ?? '',
  message: detail.message,
});

/**
 * Creates or updates many contacts, matched by email (or external key), and reports
 * per item. Every item is validated before anything is written; valid items are written
 * in chunks of up to 1,000, each in one transaction of a few set-based statements: one
 * read of the contacts it matches (locked where the engine has several writers, so an
 * erasure cannot slip between read and write), one update of the matched contacts, one
 * insert of the new ones, and one insert of memberships. Items naming the same contact apply in order.
 * A soft-deleted contact that is upserted becomes active again; an erased contact is
 * never matched by email (its address is gone), so its address creates a fresh contact.
 *
 * Concurrency: two requests that create the same new address at once on PostgreSQL both
 * succeed and the later one's values win for that contact.
 */
export async function upsertContacts(deps: CoreDeps, accountId: number, inputs: readonly ContactInput[], options: UpsertManyOptions): Promise<UpsertItemResult[]> {
  const { store, clock } = deps;
  const matchBy = options.matchBy ?? 'email';
  const source = checkSource(options.source);
  const listIds = await checkListIds(store, accountId, options.listIds);
  const results: UpsertItemResult[] = new Array<UpsertItemResult>(inputs.length);
  const valid = validItems(inputs, matchBy, results);
  for (let start = 0; start < valid.length; start += MAX_CHUNK) {
    const chunk = valid.slice(start, start + MAX_CHUNK);
    await store.transaction((tx) => writeChunk(tx, accountId, chunk, { matchBy, source, listIds, now: clock.now(), hasher: deps.hasher }, results));
  }
  return results;
}

/**
 * `upsertContacts` inside a transaction the caller holds (a chunk of an import, committed
 * with its progress), all items at once: every statement is set-based, so its size does
 * not grow with the items, but the caller bounds how many items one transaction holds.
 * The caller checked `listIds` and `source`.
 */
export async function upsertContactsInTransaction(
  tx: Repositories,
  accountId: number,
  inputs: readonly ContactInput[],
  options: { source: string; listIds: readonly number[]; matchBy: MatchBy; now: number; hasher: KeyedHasher },
): Promise<UpsertItemResult[]> {
  const results: UpsertItemResult[] = new Array<UpsertItemResult>(inputs.length);
  const valid = validItems(inputs, options.matchBy, results);
  if (valid.length > 0) await writeChunk(tx, accountId, valid, options, results);
  return results;
}

/** The items that pass the input rules; the others get their result now. */
function validItems(inputs: readonly ContactInput[], matchBy: MatchBy, results: UpsertItemResult[]): Item[] {
  const valid: Item[] = [];
  inputs.forEach((input, index) => {
    const problems = contactInputProblems(input);
    if (problems[0]) {
      results[index] = invalidItem(index, 'VALIDATION_FAILED', problems[0]);
      return;
    }
    const raw = matchBy === 'email' ? input.email : input.externalKey;
    if (raw === undefined || raw === null) {
      const field = matchBy === 'email' ? 'email' : 'external_key';
      results[index] = invalidItem(index, 'VALIDATION_FAILED', { field, message: `${field} is required to match contacts` });
      return;
    }
    valid.push({ index, input, key: matchBy === 'email' ? normalizeEmail(raw) : raw });
  });
  return valid;
}

async function writeChunk(
  tx: Repositories,
  accountId: number,
  chunk: readonly Item[],
  options: { matchBy: MatchBy; source: string; listIds: readonly number[]; now: number; hasher: KeyedHasher },
  results: UpsertItemResult[],
): Promise<void> {
  const { matchBy, source, now } = options;
  const emailNorms = new Set<string>();
  const externalKeys = new Set<string>();
  for (const { input, key } of chunk) {
    if (input.email) emailNorms.add(matchBy === 'email' ? key : normalizeEmail(input.email));
    if (input.externalKey) externalKeys.add(input.externalKey);
  }
  const existing = await tx.contacts.findByIdentities(accountId, { emailNorms: [...emailNorms], externalKeys: [...externalKeys] }, { lock: 'update' });
  // An erased contact's email no longer identifies anyone; its external key still occupies the key.
  const byEmail = new Map(existing.filter((c) => c.status !== 'erased' && c.emailNorm !== null).map((c) => [c.emailNorm as string, c]));
  const byKey = new Map(existing.filter((c) => c.externalKey !== null).map((c) => [c.externalKey as string, c]));
  const verdict = await reimportVerdict(tx, options.hasher, accountId, emailNorms);
  // Items that bring back an address once erased, under `warn`: reported with their result.
  const warned = new Set<number>();

  const groups = new Map<string, Group>();
  // The other identity, claimed by a group of this chunk: two groups must not take the same one.
  const claimed = new Map<string, string>();
  for (const item of chunk) {
    let group = groups.get(item.key);
    if (!group) {
      group = { base: matchBy === 'email' ? byEmail.get(item.key) : byKey.get(item.key), record: undefined, indexes: [] };
      groups.set(item.key, group);
    }
    if (group.base?.status === 'erased') {
      results[item.index] = invalidItem(item.index, 'CONFLICT', { field: 'external_key', message: 'external_key belongs to an erased contact' });
      continue;
    }
    const current = group.record ?? group.base;
    // A uuid is drawn only for a contact that does not exist yet.
    const next = applyContactInput(current, item.input, { now, source, uuid: current ? current.uuid : newUuid() });
    // The re-import guard: a new contact with an erased address, or a contact taking one.
    if (next.emailNorm !== null && next.emailNorm !== (current?.emailNorm ?? null) && verdict.onceErased(next.emailNorm)) {
      if (verdict.policy === 'block') {
        results[item.index] = { ...invalidItem(item.index, 'CONFLICT', { field: 'email', message: BLOCKED_MESSAGE }), reason: ONCE_ERASED } as UpsertItemResult;
        continue;
      }
      warned.add(item.index);
    }
    const other = matchBy === 'email' ? next.externalKey : next.emailNorm;
    if (other !== null) {
      const owner = matchBy === 'email' ? byKey.get(other) : byEmail.get(other);
      const claimer = claimed.get(other);
      if ((owner && owner.id !== group.base?.id) || (claimer !== undefined && claimer !== item.key)) {
        const field = matchBy === 'email' ? 'external_key' : 'email';
        results[item.index] = invalidItem(item.index, 'ALREADY_EXISTS', { field, message: `another contact has this ${field}` });
        continue;
      }
    }
    const problems = recordProblems(next);
    if (problems[0]) {
      results[item.index] = invalidItem(item.index, 'VALIDATION_FAILED', problems[0]);
      continue;
    }
    if (other !== null) claimed.set(other, item.key);
    group.record = next;
    group.indexes.push(item.index);
  }

  const written = [...groups.entries()].filter((entry): entry is [string, Group & { record: ContactRecord }] => entry[1].record !== undefined);
  if (written.length === 0) return;
  const rows = await tx.contacts.upsertMany(accountId, written.map(([, group]) => (group.base ? { id: group.base.id, record: group.record } : { record: group.record })), matchBy);
  const rowOf = new Map(rows.map((row) => [row.key, row]));
  // Contacts created here, and those that existed: memberships of the first kind cannot exist yet.
  const createdIds: number[] = [];
  const matchedIds: number[] = [];
  for (const [key, group] of written) {
    const row = rowOf.get(key);
    const [first, ...rest] = group.indexes;
    if (!row) {
      // The contact was erased between our read and our write (only possible without row locks).
      for (const index of group.indexes) results[index] = invalidItem(index, 'CONFLICT', { field: matchBy === 'email' ? 'email' : 'external_key', message: 'the contact was erased while this request ran' });
      continue;
    }
    // A uuid other than ours means another writer created the contact first: ours updated it.
    const created = group.base === undefined && row.uuid === group.record.uuid;
    (created ? createdIds : matchedIds).push(row.id);
    const flag = (index: number) => (warned.has(index) ? { onceErased: true as const } : {});
    if (first !== undefined) results[first] = { index: first, outcome: created ? 'created' : 'updated', contactId: row.id, uuid: row.uuid, ...flag(first) };
    for (const index of rest) results[index] = { index, outcome: 'updated', contactId: row.id, uuid: row.uuid, ...flag(index) };
  }
  if (options.listIds.length > 0 && createdIds.length + matchedIds.length > 0) {
    // Lists deleted since the request was checked are skipped rather than left with orphan memberships.
    const live = await tx.lists.existingIds(accountId, options.listIds, { lock: 'share' });
    const listIds = options.listIds.filter((listId) => live.has(listId));
    if (matchedIds.length > 0) await tx.lists.addContactsToLists(accountId, matchedIds, listIds, now);
    if (createdIds.length > 0) await tx.lists.addContactsToLists(accountId, createdIds, listIds, now, { newContacts: true });
  }
}
