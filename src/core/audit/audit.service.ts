import type { CoreDeps } from '../context.js';
import type { Repositories } from '../ports.js';
import type { AuditEntryInput, AuditRecord } from './audit.js';
import { assertAuditSafe, findBreak, GENESIS_HASH, linkHash } from './chain.js';
import type { ChainBreak } from './chain.js';

export interface VerifyResult {
  ok: boolean;
  accounts: number;
  records: number;
  /** The last link of each chain checked whole: note it to detect a later truncation of the chain's end. */
  heads: Array<{ accountId: number; seq: number; hash: string }>;
  firstBreak?: ChainBreak;
}

export class AuditService {
  constructor(private readonly deps: CoreDeps) {}

  /** Records an entry with the given repositories: pass the transaction's to land with the change. */
  record(repos: Repositories, entry: AuditEntryInput): Promise<AuditRecord> {
    const { operator, ...rest } = entry;
    const input = operator ? { ...rest, data: { ...rest.data, by: operator } } : rest;
    assertAuditSafe(input.data);
    const at = this.deps.clock.now();
    return repos.audit.append(input, at, (prev) => {
      const seq = (prev?.seq ?? 0) + 1;
      const prevHash = prev?.hash ?? GENESIS_HASH;
      const hash = linkHash(prevHash, {
        accountId: input.accountId,
        seq,
        at,
        actorKeyId: input.actorKeyId,
        via: input.via,
        action: input.action,
        subjectType: input.subjectType ?? null,
        subjectId: input.subjectId ?? null,
        data: input.data,
      });
      return { seq, prevHash, hash };
    });
  }

  list(accountId: number, options: { afterSeq?: number; limit: number }): Promise<AuditRecord[]> {
    return this.deps.store.audit.list(accountId, options);
  }

  /**
   * Walks every chain (or one account's) page by page and names the first broken link: a
   * changed entry (hash mismatch), a removed one (sequence gap) or entries put out of order
   * (previous hash mismatch). Removing the newest entries leaves no gap: compare the head.
   */
  async verify(accountId?: number): Promise<VerifyResult> {
    const accounts = accountId === undefined ? await this.deps.store.audit.accountsWithRecords() : [accountId];
    let records = 0;
    const heads: VerifyResult['heads'] = [];
    for (const id of accounts) {
      let prev: { seq: number; hash: string } | undefined;
      for (;;) {
        const page = await this.deps.store.audit.list(id, { afterSeq: prev?.seq ?? 0, limit: 1000 });
        if (page.length === 0) break;
        const broken = findBreak(page, prev);
        records += page.length;
        if (broken) return { ok: false, accounts: accounts.length, records, heads, firstBreak: broken };
        const last = page[page.length - 1] as AuditRecord;
        prev = { seq: last.seq, hash: last.hash };
      }
      if (prev) heads.push({ accountId: id, ...prev });
    }
    return { ok: true, accounts: accounts.length, records, heads };
  }
}
