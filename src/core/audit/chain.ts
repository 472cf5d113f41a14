import { sha256Hex } from '../crypto.js';
import type { AuditRecord, AuditValue } from './audit.js';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with sorted keys: the same record always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

type Linkable = Omit<AuditRecord, 'hash' | 'prevHash'>;

/** A link's hash covers the previous hash and every field of the record. */
export function linkHash(prevHash: string, record: Linkable): string {
  return sha256Hex(
    `${prevHash}\n${canonicalJson({
      account_id: record.accountId,
      seq: record.seq,
      at: record.at,
      actor_key_id: record.actorKeyId,
      via: record.via,
      action: record.action,
      subject_type: record.subjectType,
      subject_id: record.subjectId,
      data: record.data,
    })}`,
  );
}

export interface ChainBreak {
  accountId: number;
  seq: number;
  reason: 'hash mismatch' | 'previous hash mismatch' | 'sequence gap';
}

/**
 * Checks consecutive records of one account's chain. `prev` is the link before the first
 * record (undefined at the start of the chain). Returns the first broken link, if any.
 */
export function findBreak(records: readonly AuditRecord[], prev: { seq: number; hash: string } | undefined): ChainBreak | undefined {
  let last = prev;
  for (const record of records) {
    const expectedSeq = (last?.seq ?? 0) + 1;
    if (record.seq !== expectedSeq) return { accountId: record.accountId, seq: record.seq, reason: 'sequence gap' };
    if (record.prevHash !== (last?.hash ?? GENESIS_HASH)) return { accountId: record.accountId, seq: record.seq, reason: 'previous hash mismatch' };
    if (linkHash(record.prevHash, record) !== record.hash) return { accountId: record.accountId, seq: record.seq, reason: 'hash mismatch' };
    last = { seq: record.seq, hash: record.hash };
  }
  return undefined;
}

const EMAIL_LIKE = /[^\s@]+@[^\s@]+/;

/**
 * A guard against personal data reaching the audit by mistake: values are scalars,
 * strings are short and never look like an email address.
 */
export function assertAuditSafe(data: Record<string, AuditValue>): void {
  for (const [key, value] of Object.entries(data)) {
    if (typeof value === 'string' && (value.length > 200 || EMAIL_LIKE.test(value))) {
      throw new Error(`audit value "${key}" is not allowed: the audit holds no personal data`);
    }
    if (value !== null && typeof value === 'object') throw new Error(`audit value "${key}" must be a scalar`);
  }
}
