import type { Actor, CoreDeps } from '../context.js';
import type { Contact } from '../contacts/contact.js';
import { AppError } from '../errors.js';

/** Single-contact lifecycle changes done at once (bulk work goes through operations). */
export class LifecycleService {
  constructor(private readonly deps: CoreDeps) {}

  /** Erases one contact now (Mailjet's v4 GDPR delete), audited, then scrubs storage. */
  async eraseContact(actor: Actor, contactId: number): Promise<Contact> {
    void actor;
    void contactId;
    void this.deps;
    throw new AppError('INTERNAL', 'not implemented');
  }
}
