import { AuditService } from '../audit/audit.service.js';
import type { CoreDeps } from '../context.js';
import type { Actor } from '../actor.js';
import type { Contact } from '../contacts/contact.js';
import { newUuid } from '../crypto.js';
import { notFound } from '../errors.js';
import { isId } from '../input.js';
import { requireScope } from '../keys/scopes.js';
import { auditOperation } from '../operations/audit-operation.js';
import { finishOperation } from '../operations/finish.js';
import { DELETION_KIND } from '../operations/operation.js';
import type { OperationAction } from '../operations/operation.js';
import { applyAction, erasePurgeAt, placeholderEmail, softDeletePurgesAtOnce } from './apply-action.js';
import type { Repositories } from '../ports.js';

/** Single-contact lifecycle changes done at once (bulk work goes through operations). */
export class LifecycleService {
  constructor(private readonly deps: CoreDeps) {}

  /**
   * Erases one contact now (Mailjet's v4 GDPR delete): personal data gone in one
   * transaction with its audit entry and a completed erase operation of size 1, whose
   * storage scrub the worker does (and retries) outside the request. An erased contact is
   * returned as it stands (idempotent). With a retention of 0 the rows are purged at once
   * and the shell returned is the last state it had. Needs the `erase` scope.
   */
  async eraseContact(actor: Actor, contactId: number): Promise<Contact> {
    requireScope(actor, 'erase');
    if (!isId(contactId)) throw notFound('contact');
    const now = this.deps.clock.now();
    const { contact, changed } = await this.deps.store.transaction(async (tx) => {
      const account = await tx.accounts.findById(actor.accountId);
      if (!account) throw notFound('account');
      const found = await tx.lifecycle.findBy(actor.accountId, 'id', [contactId], { lock: 'update' });
      const before = await tx.contacts.findById(actor.accountId, contactId);
      if (found.length === 0 || !before) throw notFound('contact');
      const result = await applyAction(tx, this.deps.hasher, account, 'erase', found, { now, dryRun: false, restoreToLists: [] });
      if (result.done.length === 0) return { contact: before, changed: false };
      const purgeAt = erasePurgeAt(account, now);
      const purged = purgeAt <= now;
      await new AuditService(this.deps).record(tx, {
        accountId: actor.accountId,
        actorKeyId: actor.keyId,
        via: actor.via,
        action: 'contact.erased',
        subjectType: 'contact',
        subjectId: String(contactId),
        data: { contact_id: contactId, purged, retention_days: account.retentionDays },
      });
      const after = purged ? undefined : await tx.contacts.findById(actor.accountId, contactId);
      const shell: Contact = after ?? {
        ...before,
        externalKey: null,
        email: null,
        firstName: null,
        lastName: null,
        phone: null,
        customFields: {},
        attributes: {},
        createSource: null,
        updateSource: null,
        optInStatus: null,
        optInAt: null,
        optInSource: null,
        optInIp: null,
        unsubscribedAt: null,
        unsubscribeSource: null,
        unsubscribeReason: null,
        status: 'erased',
        updatedAt: now,
        erasedAt: now,
        purgeAt: now,
        placeholderEmail: before.email === null ? null : placeholderEmail(this.deps.hasher, before.email.trim().toLowerCase()),
        listIds: [],
      };
      // Recorded as an erase operation in the same transaction: the scrub it needs is
      // durable work the worker does (and retries), whatever happens to this process.
      await this.recordDone(tx, actor, 'erase', now, true);
      return { contact: shell, changed: true };
    });
    if (changed) this.deps.notifyWork();
    return contact;
  }

  /**
   * Soft-deletes one contact now (Constant Contact's `DELETE /v3/contacts/{id}`): it
   * becomes `deleted`, loses its list memberships, keeps its data and can be restored; in
   * an account whose restore window is -1 it is purged instead. Recorded as a completed
   * soft-delete operation of size 1 with its audit entries. A contact already deleted is
   * returned as it stands; an erased one is NOT_FOUND (there is nothing left to delete).
   * Needs the `delete` scope.
   */
  async softDeleteContact(actor: Actor, contactId: number): Promise<{ contact: Contact | undefined; changed: boolean }> {
    requireScope(actor, 'delete');
    if (!isId(contactId)) throw notFound('contact');
    const now = this.deps.clock.now();
    const result = await this.deps.store.transaction(async (tx) => {
      const account = await tx.accounts.findById(actor.accountId);
      if (!account) throw notFound('account');
      const found = await tx.lifecycle.findBy(actor.accountId, 'id', [contactId], { lock: 'update' });
      const [target] = found;
      if (!target || target.status === 'erased') throw notFound('contact');
      const purgesAtOnce = softDeletePurgesAtOnce(account, now);
      const applied = await applyAction(tx, this.deps.hasher, account, 'soft_delete', found, { now, dryRun: false, restoreToLists: [], purgesAtOnce });
      if (applied.done.length > 0) await this.recordDone(tx, actor, 'soft_delete', now, purgesAtOnce, { purgesAtOnce });
      return { contact: await tx.contacts.findById(actor.accountId, contactId), changed: applied.done.length > 0, purged: purgesAtOnce };
    });
    if (result.changed && result.purged) this.deps.notifyWork();
    return { contact: result.contact, changed: result.changed };
  }

  /** A completed operation of size 1 for a change made at once, with its audit entries; its scrub (if any) is left to the worker. */
  private async recordDone(tx: Repositories, actor: Actor, action: OperationAction, now: number, needsScrub: boolean, params: Record<string, unknown> = {}): Promise<void> {
    const created = await tx.operations.insert({
      accountId: actor.accountId,
      uuid: newUuid(),
      parentId: null,
      kind: DELETION_KIND,
      action,
      selectorKind: 'ids',
      selectorSize: 1,
      params,
      dryRun: false,
      state: 'processing',
      expected: 1,
      processed: 0,
      invalid: 0,
      duplicates: 0,
      requestedByKeyId: actor.keyId,
      via: actor.via,
      now,
    });
    await auditOperation(this.deps, tx, created, 'operation.created');
    await tx.operations.addCounts(created.id, { processed: 1, succeeded: 1 }, now);
    const counted = (await tx.operations.findById(null, created.id)) ?? created;
    await finishOperation(this.deps, tx, counted, 'completed', now, { needsScrub });
  }
}
