import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import type { AuditEntryInput, AuditRecord, AuditRepository, AuditValue } from '../../core/audit/audit.js';
import type { Capabilities } from '../database.js';
import type { AuditLogTable, Database } from '../schema.js';

/** The high 32 bits of the audit chains' advisory lock keys ('LE'); the low 32 are the account id. */
const AUDIT_LOCK_SPACE = 0x4c45;

const toRecord = (row: Selectable<AuditLogTable>): AuditRecord => ({
  accountId: row.account_id,
  seq: row.seq,
  at: row.at,
  actorKeyId: row.actor_key_id,
  via: row.via,
  action: row.action,
  subjectType: row.subject_type,
  subjectId: row.subject_id,
  data: JSON.parse(row.data) as Record<string, AuditValue>,
  prevHash: row.prev_hash,
  hash: row.hash,
});

export class KyselyAuditRepository implements AuditRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {}

  async append(input: AuditEntryInput, at: number, link: Parameters<AuditRepository['append']>[2]): Promise<AuditRecord> {
    // Appends to one account's chain are serialized: on SQLite by the single writer, on
    // PostgreSQL by the account's advisory lock until the surrounding transaction ends
    // (taken again here when the transaction already holds it: it is reentrant). Not the
    // account's row: every insert of a row referencing the account holds a key-share lock on
    // it, so two transactions each waited for the other's (issue 19).
    await this.lockChains([input.accountId]);
    const last = await this.db
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .where('account_id', '=', input.accountId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const { seq, prevHash, hash } = link(last);
    const row = {
      account_id: input.accountId,
      seq,
      at,
      actor_key_id: input.actorKeyId,
      via: input.via,
      action: input.action,
      subject_type: input.subjectType ?? null,
      subject_id: input.subjectId ?? null,
      data: JSON.stringify(input.data),
      prev_hash: prevHash,
      hash,
    };
    await this.db.insertInto('audit_log').values(row).execute();
    return toRecord(row);
  }

  async lockChains(accountIds: readonly number[]): Promise<void> {
    if (this.capabilities.singleWriter) return;
    for (const id of [...new Set(accountIds)].sort((a, b) => a - b)) {
      await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_SPACE} * 4294967296 + ${id}::bigint)`.execute(this.db);
    }
  }

  async list(accountId: number, options: { afterSeq?: number; limit: number }): Promise<AuditRecord[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('seq', '>', options.afterSeq ?? 0)
      .orderBy('seq')
      .limit(options.limit)
      .execute();
    return rows.map(toRecord);
  }

  async accountsWithRecords(): Promise<number[]> {
    const rows = await this.db.selectFrom('audit_log').select('account_id').distinct().orderBy('account_id').execute();
    return rows.map((r) => r.account_id);
  }

  async findBySubject(accountId: number, subjectType: string, subjectId: string): Promise<AuditRecord[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('subject_type', '=', subjectType)
      .where('subject_id', '=', subjectId)
      .orderBy('seq')
      .execute();
    return rows.map(toRecord);
  }
}
