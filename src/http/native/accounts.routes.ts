import type { SurfaceApp, SurfaceContext } from '../surface.js';
import { Type } from 'typebox';
import type { Account } from '../../core/accounts/account.js';
import { requestDeadlinesOf } from '../../core/accounts/account.js';
import { toIso } from '../../core/clock.js';
import { errorResponses, IsoTime } from './schemas.js';
import { REIMPORT_POLICIES } from '../../core/reimport/erased-address.js';
import type { ReimportPolicy } from '../../core/reimport/erased-address.js';

const ReimportPolicySchema = Type.Unsafe<ReimportPolicy>({
  type: 'string',
  enum: [...REIMPORT_POLICIES],
  description: 'What a write of an address once erased in this account does: allow (default: it comes back), warn (it comes back, reported as once_erased), block (that item is refused, the others proceed)',
});

const AccountSchema = Type.Object({
  id: Type.Integer(),
  parent_id: Type.Union([Type.Integer(), Type.Null()]),
  name: Type.String(),
  settings: Type.Object({
    restore_window_days: Type.Union([Type.Integer(), Type.Null()], { description: 'Days a soft-deleted contact stays restorable; -1 purges at once; null keeps it until restored' }),
    retention_days: Type.Integer({ description: 'Days an erased contact\'s shell is kept before purge; 0 purges at once' }),
    suppression_window_days: Type.Union([Type.Integer(), Type.Null()], { description: 'Days contacts deleted through Marketing Cloud\'s Contact Delete stay suppressed (restorable) before purge; -1 purges at once; null: 14' }),
    request_due_days: Type.Integer({ description: 'Days a privacy request is due after it was received (default 30)' }),
    request_max_days: Type.Integer({ description: 'The most days after receipt an extended privacy request may be due (default 90)' }),
    reimport_policy: ReimportPolicySchema,
  }),
  created_at: IsoTime,
  updated_at: IsoTime,
});

const SettingsBody = Type.Object(
  {
    restore_window_days: Type.Optional(Type.Union([Type.Integer({ minimum: -1, maximum: 3650 }), Type.Null()])),
    retention_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
    suppression_window_days: Type.Optional(Type.Union([Type.Integer({ minimum: -1, maximum: 3650 }), Type.Null()])),
    request_due_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    request_max_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    reimport_policy: Type.Optional(ReimportPolicySchema),
  },
  { additionalProperties: false },
);

export const presentAccount = (a: Account) => ({
  id: a.id,
  parent_id: a.parentId,
  name: a.name,
  settings: {
    restore_window_days: a.restoreWindowDays,
    retention_days: a.retentionDays,
    suppression_window_days: a.suppressionWindowDays,
    request_due_days: requestDeadlinesOf(a).dueDays,
    request_max_days: requestDeadlinesOf(a).maxDays,
    reimport_policy: a.reimportPolicy,
  },
  created_at: toIso(a.createdAt),
  updated_at: toIso(a.updatedAt),
});

export async function accountsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.get('/account', {
    config: { scope: 'read' },
    schema: { tags: ['accounts'], summary: 'The account this request acts for (the key\'s own, or its on-behalf-of sub-account)', response: { 200: AccountSchema, ...errorResponses } },
  }, async (request) => presentAccount(await core.accounts.get(request.actor.accountId)));

  app.patch('/account/settings', {
    config: { scope: 'admin' },
    schema: { tags: ['accounts'], summary: 'Change the restore window, the retention of erased contacts the deadlines of privacy requests and the re-import policy', body: SettingsBody, response: { 200: AccountSchema, ...errorResponses } },
  }, async (request) => {
    const body = request.body;
    const account = await core.accounts.updateSettings(request.actor, {
      ...(body.restore_window_days !== undefined ? { restoreWindowDays: body.restore_window_days } : {}),
      ...(body.retention_days !== undefined ? { retentionDays: body.retention_days } : {}),
      ...(body.suppression_window_days !== undefined ? { suppressionWindowDays: body.suppression_window_days } : {}),
      ...(body.request_due_days !== undefined ? { requestDueDays: body.request_due_days } : {}),
      ...(body.request_max_days !== undefined ? { requestMaxDays: body.request_max_days } : {}),
      ...(body.reimport_policy !== undefined ? { reimportPolicy: body.reimport_policy } : {}),
    });
    return presentAccount(account);
  });

  app.get('/subaccounts', {
    config: { scope: 'read' },
    schema: { tags: ['accounts'], summary: 'The sub-accounts of this account', response: { 200: Type.Object({ data: Type.Array(AccountSchema) }), ...errorResponses } },
  }, async (request) => ({ data: (await core.accounts.listSubAccounts(request.actor)).map(presentAccount) }));

  app.post('/subaccounts', {
    config: { scope: 'admin' },
    schema: {
      tags: ['accounts'],
      summary: 'Create a sub-account (its name is unique within this account; on-behalf-of may name it)',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), settings: Type.Optional(SettingsBody) }, { additionalProperties: false }),
      response: { 201: AccountSchema, ...errorResponses, 409: errorResponses[400] },
    },
  }, async (request, reply) => {
    const s = request.body.settings ?? {};
    const account = await core.accounts.createSubAccount(request.actor, request.body.name, {
      ...(s.restore_window_days !== undefined ? { restoreWindowDays: s.restore_window_days } : {}),
      ...(s.retention_days !== undefined ? { retentionDays: s.retention_days } : {}),
      ...(s.suppression_window_days !== undefined ? { suppressionWindowDays: s.suppression_window_days } : {}),
      ...(s.reimport_policy !== undefined ? { reimportPolicy: s.reimport_policy } : {}),
    });
    return reply.status(201).send(presentAccount(account));
  });
}
