import type { Kysely, Selectable } from 'kysely';
import type { Surface } from '../../core/actor.js';
import type { ValueSelectorKind } from '../../core/operations/operation.js';
import type {
  ExportPart,
  ExportSection,
  NewPrivacyRequest,
  PrivacyRequest,
  PrivacyRequestsRepository,
  RequestFigures,
  RequestListQuery,
  RequestPatch,
  RequestState,
  RequestType,
} from '../../core/requests/request.js';
import { OPEN_REQUEST_STATES } from '../../core/requests/request.js';
import type { Database, PrivacyRequestsTable } from '../schema.js';

function parseHashes(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((h): h is string => typeof h === 'string') : [];
  } catch {
    return [];
  }
}

const toRequest = (row: Selectable<PrivacyRequestsTable>): PrivacyRequest => ({
  id: row.id,
  uuid: row.uuid,
  accountId: row.account_id,
  type: row.type as RequestType,
  state: row.state as RequestState,
  scope: row.scope === 'all' ? 'all' : 'self',
  subjectKind: row.subject_kind as ValueSelectorKind,
  subjectCount: row.subject_count,
  subjectHashes: parseHashes(row.subject_hashes),
  reference: row.reference,
  note: row.note,
  receivedAt: row.received_at,
  dueAt: row.due_at,
  originalDueAt: row.original_due_at,
  extendedAt: row.extended_at,
  extensionReason: row.extension_reason,
  rejectedAt: row.rejected_at,
  rejectionReason: row.rejection_reason,
  completedAt: row.completed_at,
  operationId: row.operation_id,
  exportReadyAt: row.export_ready_at,
  exportExpiresAt: row.export_expires_at,
  exportDeletedAt: row.export_deleted_at,
  requestedByKeyId: row.requested_by_key_id,
  via: row.via as Surface,
  operator: row.operator,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const PATCH_COLUMNS = {
  state: 'state',
  dueAt: 'due_at',
  extendedAt: 'extended_at',
  extensionReason: 'extension_reason',
  rejectedAt: 'rejected_at',
  rejectionReason: 'rejection_reason',
  completedAt: 'completed_at',
  operationId: 'operation_id',
  exportReadyAt: 'export_ready_at',
  exportExpiresAt: 'export_expires_at',
  exportDeletedAt: 'export_deleted_at',
  note: 'note',
} as const satisfies Record<keyof RequestPatch, keyof PrivacyRequestsTable>;

export class KyselyPrivacyRequestsRepository implements PrivacyRequestsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(r: NewPrivacyRequest): Promise<PrivacyRequest> {
    const row = await this.db
      .insertInto('privacy_requests')
      .values({
        account_id: r.accountId,
        uuid: r.uuid,
        type: r.type,
        state: r.state,
        scope: r.scope,
        subject_kind: r.subjectKind,
        subject_count: r.subjectCount,
        subject_hashes: JSON.stringify(r.subjectHashes),
        reference: r.reference,
        note: r.note,
        received_at: r.receivedAt,
        due_at: r.dueAt,
        original_due_at: r.originalDueAt,
        operation_id: r.operationId,
        requested_by_key_id: r.requestedByKeyId,
        via: r.via,
        operator: r.operator,
        created_at: r.createdAt,
        updated_at: r.createdAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRequest(row);
  }

  async findById(accountId: number, id: number): Promise<PrivacyRequest | undefined> {
    const row = await this.db.selectFrom('privacy_requests').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
    return row && toRequest(row);
  }

  async findByUuid(accountId: number, uuid: string): Promise<PrivacyRequest | undefined> {
    const row = await this.db.selectFrom('privacy_requests').selectAll().where('account_id', '=', accountId).where('uuid', '=', uuid).executeTakeFirst();
    return row && toRequest(row);
  }

  async findByOperation(operationId: number): Promise<PrivacyRequest | undefined> {
    const row = await this.db.selectFrom('privacy_requests').selectAll().where('operation_id', '=', operationId).executeTakeFirst();
    return row && toRequest(row);
  }

  async list(accountId: number, q: RequestListQuery): Promise<PrivacyRequest[]> {
    if (q.types.length === 0) return [];
    let query = this.db.selectFrom('privacy_requests').selectAll().where('account_id', '=', accountId).where('type', 'in', [...q.types]);
    if (q.state !== undefined) query = query.where('state', '=', q.state);
    if (q.dueBefore !== undefined) query = query.where('due_at', '<', q.dueBefore);
    if (q.overdueAt !== undefined) query = query.where('state', 'in', [...OPEN_REQUEST_STATES]).where('due_at', '<', q.overdueAt);
    if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
    const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map(toRequest);
  }

  async update(id: number, patch: RequestPatch, now: number): Promise<PrivacyRequest> {
    const set: Record<string, unknown> = { updated_at: now };
    for (const [key, column] of Object.entries(PATCH_COLUMNS)) {
      const value = patch[key as keyof RequestPatch];
      if (value !== undefined) set[column] = value;
    }
    const row = await this.db.updateTable('privacy_requests').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    return toRequest(row);
  }

  async figures(now: number, soonAt: number): Promise<RequestFigures> {
    const row = await this.db
      .selectFrom('privacy_requests')
      .select((eb) => [
        eb.fn.countAll<number | string>().as('open'),
        eb.fn.sum<number | string | null>(eb.case().when('due_at', '<', soonAt).then(1).else(0).end()).as('soon'),
        eb.fn.sum<number | string | null>(eb.case().when('due_at', '<', now).then(1).else(0).end()).as('overdue'),
      ])
      .where('state', 'in', [...OPEN_REQUEST_STATES])
      .executeTakeFirstOrThrow();
    return { open: Number(row.open), dueSoon: Number(row.soon ?? 0), overdue: Number(row.overdue ?? 0) };
  }

  async openOperationIds(limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('privacy_requests')
      .select('operation_id')
      .where('state', 'in', [...OPEN_REQUEST_STATES])
      .where('operation_id', 'is not', null)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.flatMap((r) => (r.operation_id === null ? [] : [r.operation_id]));
  }

  async liveExports(accountId: number, limit: number): Promise<PrivacyRequest[]> {
    const rows = await this.db
      .selectFrom('privacy_requests')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('type', '=', 'access')
      .where('state', '!=', 'rejected')
      .where('export_deleted_at', 'is', null)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toRequest);
  }

  async expiredExports(now: number, limit: number): Promise<PrivacyRequest[]> {
    const rows = await this.db
      .selectFrom('privacy_requests')
      .selectAll()
      .where('export_expires_at', '<=', now)
      .where('export_deleted_at', 'is', null)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toRequest);
  }

  async addPart(requestId: number, part: ExportPart): Promise<void> {
    await this.db.insertInto('privacy_request_parts').values({ request_id: requestId, seq: part.seq, account_id: part.accountId, section: part.section, body: part.body }).execute();
  }

  async nextPart(requestId: number, section: ExportSection, afterSeq: number): Promise<ExportPart | undefined> {
    const row = await this.db
      .selectFrom('privacy_request_parts')
      .select(['seq', 'account_id', 'section', 'body'])
      .where('request_id', '=', requestId)
      .where('section', '=', section)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    return row && { seq: row.seq, accountId: row.account_id, section: row.section as ExportSection, body: row.body };
  }

  async deleteParts(requestId: number): Promise<number> {
    const result = await this.db.deleteFrom('privacy_request_parts').where('request_id', '=', requestId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
