import type { Actor } from '../actor.js';
import { AuditService } from '../audit/audit.service.js';
import type { CoreDeps } from '../context.js';
import { normalizeEmail } from '../crypto.js';
import { cleanEmail, isValidEmail } from '../email.js';
import { invalid, notFound } from '../errors.js';
import { checkPageLimit } from '../input.js';
import { requireScope } from '../keys/scopes.js';
import { hasControlChars } from '../text.js';
import { erasedAddressHash } from './erased-address.js';
import type { ErasedAddress } from './erased-address.js';

const HASH = /^[0-9a-f]{64}$/;

/** The account's erased-address suppressions (the re-import guard): listed, counted, lifted one at a time. */
export class ErasedAddressesService {
  constructor(private readonly deps: CoreDeps) {}

  /** A page in hash order (hashes, dates, the erasing operation; never an address) and the account's count. Needs `admin`. */
  async list(actor: Actor, page: { afterHash?: string; limit?: number } = {}): Promise<{ items: ErasedAddress[]; nextAfterHash: string | null; count: number }> {
    requireScope(actor, 'admin');
    const limit = checkPageLimit(page.limit ?? 100);
    if (page.afterHash !== undefined && !HASH.test(page.afterHash)) throw invalid('cursor', 'cursor is not one this API gave');
    const rows = await this.deps.store.erasedAddresses.list(actor.accountId, { ...(page.afterHash !== undefined ? { afterHash: page.afterHash } : {}), limit: limit + 1 });
    const items = rows.slice(0, limit);
    const count = await this.deps.store.erasedAddresses.count(actor.accountId);
    return { items, nextAfterHash: rows.length > limit ? (items[items.length - 1]?.addressHash ?? null) : null, count };
  }

  /**
   * Lifts the suppression of one address (the person consented again), so that it may be
   * written again whatever the policy. Needs `admin` and a reason (1 to 200 characters, not
   * holding the address); audited (`erased_address.lifted`, with the hash and the reason,
   * never the address). NOT_FOUND when the account holds no suppression for it.
   */
  async lift(actor: Actor, email: string, reason: string): Promise<ErasedAddress> {
    requireScope(actor, 'admin');
    const address = cleanEmail(email);
    if (!isValidEmail(address)) throw invalid('email', 'email is not a valid address');
    const why = typeof reason === 'string' ? reason.trim() : '';
    if (why.length === 0 || why.length > 200 || hasControlChars(why)) throw invalid('reason', 'reason is 1 to 200 characters (why the address may come back, e.g. "consented again, ticket 123")');
    // The audit keeps the reason: it must not carry the address it is about.
    if (why.toLowerCase().includes(normalizeEmail(address))) throw invalid('reason', 'reason must not contain the address');
    const hash = erasedAddressHash(this.deps.hasher, address);
    return this.deps.store.transaction(async (tx) => {
      const found = await tx.erasedAddresses.find(actor.accountId, hash);
      if (!found || !(await tx.erasedAddresses.remove(actor.accountId, hash))) throw notFound('erased address');
      await new AuditService(this.deps).record(tx, {
        accountId: actor.accountId,
        actorKeyId: actor.keyId,
        via: actor.via,
        operator: actor.operator,
        action: 'erased_address.lifted',
        subjectType: 'erased_address',
        subjectId: hash,
        data: { address_hash: hash, reason: why, erased_at: found.erasedAt, operation_id: found.operationId },
      });
      return found;
    }, { lockAccounts: [actor.accountId] });
  }
}
