import type { CoreDeps } from '../context.js';
import type { Contact } from '../contacts/contact.js';
import { normalizeEmail } from '../crypto.js';
import type { OperationKindHandler } from '../operations/operation-kind.js';
import type { Operation, ValueSelectorKind } from '../operations/operation.js';
import { targetHash } from '../operations/targets.js';
import type { Repositories } from '../ports.js';
import { auditRecord, contactRecord, eventRecord, listRecord, operationRecord } from './export-records.js';
import type { ExportRecord } from './export-records.js';
import type { ExportSection } from './request.js';

/** Events per stored part: one page read, written and dropped at a time (bounded memory). */
export const EVENTS_PER_PART = 1000;
/** Parts of one chunk are numbered from chunk_no × this (the plan's from 1): unique without a counter shared between chunks. */
const SEQ_BLOCK = 100_000;
/** Operations listed per account at most (every operation that ever named the person). */
const MAX_OPERATIONS = 10_000;

const accountIdsOf = (op: Operation): number[] => (op.params.accountIds as number[] | undefined) ?? [op.accountId];
const requestIdOf = (op: Operation): number => Number(op.params.requestId);

/** Contacts of one account named by these normalized values; erased shells hold nothing of the person and are left out. */
async function findContacts(tx: Repositories, accountId: number, kind: ValueSelectorKind, values: readonly string[]): Promise<Contact[]> {
  let found: Array<Contact | undefined>;
  if (kind === 'emails') found = await tx.contacts.findByEmailNorms(accountId, values);
  else if (kind === 'uuids') found = await tx.contacts.findByUuids(accountId, values);
  else if (kind === 'ids') found = await Promise.all(values.map((v) => tx.contacts.findById(accountId, Number(v))));
  else found = await Promise.all(values.map((v) => tx.contacts.findByExternalKey(accountId, v)));
  return found.filter((c): c is Contact => c !== undefined && c.status !== 'erased');
}

/** What an operation's targets would hold for this contact: by these hashes its operations are found. */
function identityHashes(deps: CoreDeps, c: Contact): string[] {
  const hashes = [targetHash(deps.hasher, 'ids', String(c.id)), targetHash(deps.hasher, 'uuids', c.uuid)];
  if (c.externalKey !== null) hashes.push(targetHash(deps.hasher, 'external_keys', c.externalKey));
  if (c.email !== null) hashes.push(targetHash(deps.hasher, 'emails', normalizeEmail(c.email)));
  return hashes;
}

async function writePart(tx: Repositories, op: Operation, seq: number, accountId: number, section: ExportSection, records: readonly ExportRecord[]): Promise<void> {
  if (records.length === 0) return;
  await tx.requests.addPart(requestIdOf(op), { seq, accountId, section, body: JSON.stringify(records) });
}

/**
 * The export of an access request (GDPR Art. 15): everything held on the person in each
 * account of the request. The plan resolves the identifiers to contacts (in every account),
 * writes the operations that named them, and forgets the identifiers (only keyed hashes
 * stay, as for every operation); then one chunk per contact writes its record, lists,
 * audit entries and events, the events a page at a time. Reads go through the repositories
 * only. `delete_export` (recorded when an export expires) has no chunks; its scrub removes
 * the deleted parts' bytes.
 */
export function accessHandler(deps: CoreDeps): OperationKindHandler {
  return {
    async plan(tx, op) {
      const kind = op.selectorKind as ValueSelectorKind;
      const rows = Number(op.params.targetRows ?? 0);
      const pending = (await tx.operations.pendingTargets(op.id, 1, Math.max(1, rows))).filter((t): t is { seq: number; value: string; valueHash: string | null } => t.value !== null);
      const values = pending.map((t) => t.value);
      const contactIds: number[] = [];
      const matched = new Set<string>();
      let seq = 1;
      for (const accountId of accountIdsOf(op)) {
        const contacts = values.length > 0 ? await findContacts(tx, accountId, kind, values) : [];
        const hashes = new Set(values.map((v) => targetHash(deps.hasher, kind, v)));
        for (const c of contacts) {
          contactIds.push(c.id);
          for (const h of identityHashes(deps, c)) hashes.add(h);
          for (const v of values) if (matchesValue(kind, v, c)) matched.add(v);
        }
        // Operations that named the person here (this request's own excluded).
        const operations = (await tx.operations.findByTargetHashes(accountId, [...hashes], MAX_OPERATIONS)).filter((o) => o.id !== op.id && o.parentId !== op.id);
        await writePart(tx, op, seq++, accountId, 'operations', operations.map(operationRecord));
      }
      const settled = pending.map((t) => ({ seq: t.seq, valueHash: targetHash(deps.hasher, kind, t.value), found: matched.has(t.value) }));
      await tx.operations.settleTargets(op.id, settled.filter((s) => s.found), 'done', null);
      await tx.operations.settleTargets(op.id, settled.filter((s) => !s.found), 'not_found', null);
      await tx.operations.addCounts(op.id, { notFound: settled.filter((s) => !s.found).length }, Date.now());
      // One chunk per contact; a request that found none still has one (empty) chunk, so that it ends, is scrubbed and answered like any other.
      const chunks = contactIds.length > 0 ? contactIds.sort((a, b) => a - b).map((id) => ({ rangeStart: id, rangeEnd: id })) : [{ rangeStart: 0, rangeEnd: 0 }];
      return { chunks, expected: contactIds.length };
    },

    async processChunk(tx, op, chunk) {
      const contactId = chunk.rangeStart;
      if (contactId === 0) return {};
      let contact: Contact | undefined;
      let accountId = 0;
      for (const id of accountIdsOf(op)) {
        contact = await tx.contacts.findById(id, contactId);
        if (contact) {
          accountId = id;
          break;
        }
      }
      // Erased or purged since the plan: nothing is held on the person any more.
      if (!contact || contact.status === 'erased') return { processed: 1, skipped: 1 };
      let seq = chunk.chunkNo * SEQ_BLOCK;
      await writePart(tx, op, seq++, accountId, 'contacts', [contactRecord(accountId, contact)]);
      const memberships = await tx.lists.membershipsOf(accountId, contactId);
      const lists = new Map((await tx.lists.findByIds(accountId, memberships.map((m) => m.listId))).map((l) => [l.id, l]));
      await writePart(tx, op, seq++, accountId, 'lists', memberships.map((m) => listRecord(accountId, m, lists.get(m.listId))));
      await writePart(tx, op, seq++, accountId, 'audit', (await tx.audit.findBySubject(accountId, 'contact', String(contactId))).map(auditRecord));
      let afterId: number | undefined;
      for (;;) {
        const page = await tx.events.pageForContact(accountId, contactId, { ...(afterId !== undefined ? { afterId } : {}), limit: EVENTS_PER_PART });
        await writePart(tx, op, seq++, accountId, 'events', page.map((e) => eventRecord(accountId, e)));
        const last = page[page.length - 1];
        if (!last || page.length < EVENTS_PER_PART) break;
        afterId = last.id;
      }
      return { processed: 1, succeeded: 1 };
    },

    scrubTables(op) {
      // The export's identifiers were held in operation_targets until the plan; a deleted export's bytes in its parts.
      return op.action === 'delete_export' ? ['privacy_request_parts'] : ['operation_targets'];
    },
  };
}

function matchesValue(kind: ValueSelectorKind, value: string, c: Contact): boolean {
  switch (kind) {
    case 'emails':
      return c.email !== null && normalizeEmail(c.email) === value;
    case 'ids':
      return String(c.id) === value;
    case 'uuids':
      return c.uuid === value;
    case 'external_keys':
      return c.externalKey === value;
  }
}
