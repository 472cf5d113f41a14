import type { SurfaceApp, SurfaceContext } from '../surface.js';
import { Type } from 'typebox';
import type { AuditRecord } from '../../core/audit/audit.js';
import { toIso } from '../../core/clock.js';
import { errorResponses } from './schemas.js';
import { decodeCursor, encodeCursor } from '../../core/cursor.js';
import { Cursor, Limit, NextCursor, Nullable } from './wire.js';

const tags = ['audit'];

const AuditEntrySchema = Type.Object({
  seq: Type.Integer({ description: 'Position in the account\'s chain, from 1' }),
  at: Type.String({ format: 'date-time' }),
  action: Type.String({ description: 'e.g. operation.created, operation.completed, settings.updated, key.created, key.revoked, subaccount.created' }),
  actor_key_id: Nullable(Type.String({ description: 'The public id of the key that asked; null for the operator (CLI) and the scheduler' })),
  via: Type.String({ description: 'The API surface: native, sendgrid, mailjet, …, cli, scheduler' }),
  subject_type: Nullable(Type.String()),
  subject_id: Nullable(Type.String()),
  data: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), { description: 'Counts, kinds, sizes and settings; never personal data' }),
  prev_hash: Type.String({ description: 'The hash of the previous entry (64 zeros for the first)' }),
  hash: Type.String({ description: 'SHA-256 over prev_hash and every field of this entry' }),
});

const VerifySchema = Type.Object({
  ok: Type.Boolean(),
  records: Type.Integer({ description: 'Entries checked' }),
  head: Nullable(Type.Object({ seq: Type.Integer(), hash: Type.String() }, { description: 'The last link: note it to detect a later truncation' })),
  first_break: Nullable(Type.Object({ seq: Type.Integer(), reason: Type.String() })),
});

const present = (r: AuditRecord) => ({
  seq: r.seq,
  at: toIso(r.at) as string,
  action: r.action,
  actor_key_id: r.actorKeyId,
  via: r.via,
  subject_type: r.subjectType,
  subject_id: r.subjectId,
  data: r.data,
  prev_hash: r.prevHash,
  hash: r.hash,
});

/** The acting account's audit chain: read it page by page, and check it. */
export async function auditRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.get('/audit', {
    config: { scope: 'admin' },
    schema: {
      tags,
      summary: 'The account\'s audit log in chain order (append-only, hash-chained, no personal data)',
      querystring: Type.Object({ limit: Limit, cursor: Cursor }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(AuditEntrySchema), next_cursor: NextCursor }), ...errorResponses },
    },
  }, async (request) => {
    const limit = request.query.limit ?? 100;
    const [afterSeq = 0] = decodeCursor(request.query.cursor, 1) ?? [];
    // One more than asked tells whether a next page exists.
    const records = await core.audit.list(request.actor.accountId, { afterSeq, limit: limit + 1 });
    const page = records.slice(0, limit);
    const last = page[page.length - 1];
    return { data: page.map(present), next_cursor: records.length > limit && last ? encodeCursor([last.seq]) : null };
  });

  app.get('/audit/verify', {
    config: { scope: 'admin' },
    schema: { tags, summary: 'Check the account\'s chain and name its first broken link', response: { 200: VerifySchema, ...errorResponses } },
  }, async (request) => {
    const result = await core.audit.verify(request.actor.accountId);
    const head = result.heads?.[0];
    return {
      ok: result.ok,
      records: result.records,
      head: head ? { seq: head.seq, hash: head.hash } : null,
      first_break: result.firstBreak ? { seq: result.firstBreak.seq, reason: result.firstBreak.reason } : null,
    };
  });
}
