import { AuditService } from '../audit/audit.service.js';
import type { CoreDeps } from '../context.js';
import type { Actor } from '../actor.js';
import type { Contact } from '../contacts/contact.js';
import { AppError, invalid, notFound } from '../errors.js';
import { isId } from '../input.js';
import { requireScope } from '../keys/scopes.js';
import { recordDoneOperation } from '../operations/record-done.js';
import { DELETION_KIND } from '../operations/operation.js';
import type { Operation, OperationAction } from '../operations/operation.js';
import { scopeForAction } from '../operations/operation-scope.js';
import type { Repositories } from '../ports.js';
import { applyAction, ELIGIBLE, erasePurgeAt, placeholderEmail, softDeletePurgesAtOnce } from './apply-action.js';

/** The single-contact actions besides erase (which has its own use case, with a shell to show). */
export type SingleContactAction = Exclude<OperationAction, 'erase'>;

/** What a single-contact action left. */
export interface SingleContactResult {
  /** The contact as it stands now; once purged, as it last was (`purged` says so). */
  contact: Contact;
  /** True when the action changed the contact; false when it was already in that state. */
  changed: boolean;
  /** True when the contact's rows are gone (a purge, an erase with retention 0, a soft delete with restore window -1). */
  purged: boolean;
  /** The completed operation of size 1 that records the change (null when nothing changed). */
  operation: Operation | null;
}

const AUDIT_ACTION: Record<SingleContactAction, string> = { soft_delete: 'contact.deleted', restore: 'contact.restored', purge: 'contact.purged' };

/** Label of a single-contact change: the caller's (a ticket reference), 1 to 100 characters. */
function checkLabel(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  if (typeof label !== 'string' || label.trim().length === 0 || label.length > 100) throw invalid('label', 'label is 1 to 100 characters');
  return label;
}

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
  async eraseContact(actor: Actor, contactId: number, options: { label?: string } = {}): Promise<Contact> {
    return (await this.eraseOne(actor, contactId, options)).contact;
  }

  /** `eraseContact`, with whether it changed anything and the operation that records it. */
  async eraseOne(actor: Actor, contactId: number, options: { label?: string } = {}): Promise<SingleContactResult> {
    requireScope(actor, 'erase');
    const label = checkLabel(options.label);
    if (!isId(contactId)) throw notFound('contact');
    const now = this.deps.clock.now();
    const result = await this.deps.store.transaction(async (tx): Promise<SingleContactResult> => {
      const account = await tx.accounts.findById(actor.accountId);
      if (!account) throw notFound('account');
      const found = await tx.lifecycle.findBy(actor.accountId, 'id', [contactId], { lock: 'update' });
      const before = await tx.contacts.findById(actor.accountId, contactId);
      if (found.length === 0 || !before) throw notFound('contact');
      if (!found.every((c) => ELIGIBLE.erase.includes(c.status))) return { contact: before, changed: false, purged: false, operation: null };
      // Recorded as an erase operation in the same transaction: the scrub it needs is
      // durable work the worker does (and retries), whatever happens to this process; the
      // erased address's suppression names it.
      const operation = await this.recordSingle(tx, actor, 'erase', now, true, label);
      await applyAction(tx, this.deps.hasher, account, 'erase', found, { now, dryRun: false, restoreToLists: [], operationId: operation.id });
      const purgeAt = erasePurgeAt(account, now);
      const purged = purgeAt <= now;
      await new AuditService(this.deps).record(tx, {
        accountId: actor.accountId,
        actorKeyId: actor.keyId,
        via: actor.via,
        operator: actor.operator,
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
      return { contact: shell, changed: true, purged, operation };
    }, { lockAccounts: [actor.accountId] });
    if (result.changed) this.deps.notifyWork();
    return result;
  }

  /**
   * Soft-deletes, restores or purges one contact now, with its audit entry and a completed
   * operation of size 1 (listed, with a receipt, like any other), in one transaction. A
   * contact already in the asked-for state is returned as it stands (`changed: false`);
   * an erased one cannot be soft-deleted or restored (`CONFLICT`). Needs the action's scope
   * (`delete` for soft delete and restore, `erase` for purge). A soft delete in an account
   * whose restore window is -1 purges, as the bulk one does.
   */
  async changeContact(actor: Actor, contactId: number, action: SingleContactAction, options: { label?: string } = {}): Promise<SingleContactResult> {
    requireScope(actor, scopeForAction(action, false));
    if (!isId(contactId)) throw notFound('contact');
    const label = checkLabel(options.label);
    const now = this.deps.clock.now();
    const result = await this.deps.store.transaction(async (tx): Promise<SingleContactResult> => {
      const account = await tx.accounts.findById(actor.accountId);
      if (!account) throw notFound('account');
      const found = await tx.lifecycle.findBy(actor.accountId, 'id', [contactId], { lock: 'update' });
      const before = await tx.contacts.findById(actor.accountId, contactId);
      if (found.length === 0 || !before) throw notFound('contact');
      if (before.status === 'erased' && action !== 'purge') {
        throw new AppError('CONFLICT', action === 'restore' ? 'an erased contact cannot be restored' : 'the contact is erased already', { field: 'id' });
      }
      const purgesAtOnce = action === 'soft_delete' && softDeletePurgesAtOnce(account, now);
      const applied = await applyAction(tx, this.deps.hasher, account, action, found, { now, dryRun: false, restoreToLists: [], purgesAtOnce });
      if (applied.done.length === 0) return { contact: before, changed: false, purged: false, operation: null };
      const after = (await tx.contacts.findById(actor.accountId, contactId)) ?? null;
      await new AuditService(this.deps).record(tx, {
        accountId: actor.accountId,
        actorKeyId: actor.keyId,
        via: actor.via,
        operator: actor.operator,
        action: after === null ? 'contact.purged' : AUDIT_ACTION[action],
        subjectType: 'contact',
        subjectId: String(contactId),
        data: { contact_id: contactId, purged: after === null },
      });
      const operation = await this.recordSingle(tx, actor, action, now, applied.removedData, label);
      return { contact: after ?? before, changed: true, purged: after === null, operation };
    }, { lockAccounts: [actor.accountId] });
    if (result.changed) this.deps.notifyWork();
    return result;
  }

  /**
   * Constant Contact's `DELETE /v3/contacts/{id}`: a soft delete of one contact, where an
   * erased contact is NOT_FOUND (there is nothing left to delete) rather than a conflict.
   */
  async softDeleteContact(actor: Actor, contactId: number): Promise<{ contact: Contact | undefined; changed: boolean }> {
    try {
      const result = await this.changeContact(actor, contactId, 'soft_delete');
      return { contact: result.purged ? undefined : result.contact, changed: result.changed };
    } catch (error) {
      if (error instanceof AppError && error.code === 'CONFLICT') throw notFound('contact');
      throw error;
    }
  }

  /** The completed operation of size 1 that records a single-contact change; its storage scrub (if any) is the worker's. */
  private recordSingle(tx: Repositories, actor: Actor, action: OperationAction, now: number, needsScrub: boolean, label: string | undefined): Promise<Operation> {
    const params = { single: true, ...(label !== undefined ? { label } : {}), ...(action === 'soft_delete' ? { purgesAtOnce: needsScrub } : {}) };
    return recordDoneOperation(this.deps, tx, actor, { kind: DELETION_KIND, action, selectorKind: 'ids', params }, now, { needsScrub });
  }
}
