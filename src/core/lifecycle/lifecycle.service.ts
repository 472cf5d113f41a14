import { AuditService } from '../audit/audit.service.js';
import type { Actor, CoreDeps } from '../context.js';
import type { Contact } from '../contacts/contact.js';
import { AppError, notFound } from '../errors.js';
import { isId } from '../input.js';
import { SCRUBBABLE_TABLES } from '../ports.js';
import { applyAction, erasePurgeAt, placeholderEmail } from './apply-action.js';

/**
 * lethe_meta key holding the time from which a storage scrub is due that no operation
 * records (a single-contact erase whose scrub could not run at once). The worker does it.
 */
export const SCRUB_DUE_KEY = 'scrub_due_at';

/** Single-contact lifecycle changes done at once (bulk work goes through operations). */
export class LifecycleService {
  constructor(private readonly deps: CoreDeps) {}

  /**
   * Erases one contact now (Mailjet's v4 GDPR delete): personal data gone in one
   * transaction with its audit entry, then the storage scrubbed. An erased contact is
   * returned as it stands (idempotent). With a retention of 0 the rows are purged at once
   * and the shell returned is the last state it had.
   */
  async eraseContact(actor: Actor, contactId: number): Promise<Contact> {
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
      return { contact: shell, changed: true };
    });
    if (changed) {
      try {
        await this.deps.store.scrubStorage(SCRUBBABLE_TABLES);
      } catch (error) {
        // Readers still held old pages: the worker scrubs when it can (see SCRUB_DUE_KEY).
        if (!(error instanceof AppError && error.code === 'CONFLICT')) throw error;
        await this.deps.store.meta.set(SCRUB_DUE_KEY, String(this.deps.clock.now()));
      }
    }
    return contact;
  }
}
