import type { SurfaceApp, SurfaceContext } from '../../surface.js';
import type { Actor } from '../../../core/actor.js';
import type { Core } from '../../../core/core.js';
import { AppError, invalid, isAppError } from '../../../core/errors.js';
import type { List } from '../../../core/lists/list.js';
import { MAX_TARGETS } from '../../../core/operations/operation.js';
import type { Operation } from '../../../core/operations/operation.js';
import { parseNumericId } from '../../../core/refs.js';
import { field, lowerQuery, routeBothCases } from './case.js';
import { DELETE_LABEL, envelope, presentListed, presentStatus, targetListInformation } from './wire.js';
import type { ListRef } from './wire.js';


/** A million contact keys of up to 128 characters are about 130 MB of JSON: the same limit as /v1/operations. */
const DELETE_BODY_LIMIT = 128 * 1024 * 1024;

const SETTING_KEY = 'suppressionrestoreuntildays';

/** Any JSON body: field names are matched case-insensitively in the handler, as Marketing Cloud does. */
const AnyBody = { type: 'object' } as const;

const TYPES = { ids: 'ids', keys: 'external_keys', listreference: 'list' } as const;

/** An operation ID from the query or path, or a 400 naming the parameter. */
function operationIdOf(raw: string | undefined, name: string): number {
  const id = raw === undefined ? undefined : parseNumericId(raw.trim());
  if (id === undefined || id <= 0) throw invalid(name, `${name} must be an operation ID (a positive integer)`);
  return id;
}

/** The list a list-reference delete named, while it exists. */
async function listOf(core: Core, actor: Actor, op: Operation): Promise<ListRef> {
  if (op.selectorKind !== 'list') return null;
  try {
    return await core.lists.get(actor, Number(op.params.listId));
  } catch (error) {
    if (isAppError(error) && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

/** `deleteListWhenCompleted` and its kin: true, false or absent. */
function flag(body: unknown, name: string): boolean {
  const value = field(body, name);
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw invalid(name, `${name} is true or false`);
  return value;
}

/**
 * Marketing Cloud's Contact Delete: delete by contact IDs, contact keys or a list
 * reference; two phases (suppression for the account's window, then purge by the
 * scheduler); the window setting; status, listing and retry. Translation only: the
 * operation, its chunks and its phases are core's.
 */
export async function deleteRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  routeBothCases(app, {
    method: 'POST',
    url: '/v1/contacts/actions/delete',
    // Counted on the text before parsing: the body, `values`, `targetList` and its `listType` are all its containers.
    config: { scope: 'erase', json: { containers: 16, values: MAX_TARGETS + 1_000 } },
    bodyLimit: DELETE_BODY_LIMIT,
    schema: {
      summary: 'Marketing Cloud Contact Delete by ids, keys or listReference (?type=): up to 1,000,000 values, one operation in chunks; phase one suppresses for the account\'s window, phase two purges',
      body: AnyBody,
    },
    handler: async (request) => {
      const type = lowerQuery(request.query).type?.toLowerCase();
      const kind = type === undefined ? undefined : TYPES[type as keyof typeof TYPES];
      if (kind === undefined) throw invalid('type', 'type must be ids, keys or listReference');
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'the body is a JSON object');
      const operationType = field(body, 'DeleteOperationType');
      if (operationType !== undefined && (typeof operationType !== 'string' || operationType.toLowerCase() !== 'contactandattributes')) {
        throw invalid('DeleteOperationType', 'DeleteOperationType must be ContactAndAttributes (AttributesOnly is reserved)');
      }
      const now = core.deps.clock.now();
      if (kind === 'list') {
        const targetList = field(body, 'targetList');
        const listTypeId = field(field(targetList, 'listType'), 'listTypeID');
        const listKey = field(targetList, 'listKey');
        if (targetList === undefined) throw invalid('targetList', 'targetList is required for type=listReference');
        if (listTypeId !== 3 && listTypeId !== '3') throw invalid('targetList.listType.listTypeID', 'listTypeID must be 3 (a data extension: in Lethe, a list with an external key)');
        if (typeof listKey !== 'string' || listKey.length === 0) throw invalid('targetList.listKey', 'listKey is the external key of a list');
        const deleteList = flag(body, 'deleteListWhenCompleted');
        flag(body, 'deleteListContentsWhenCompleted'); // The delete empties the list in any case: its members lose every membership.
        const list: List = await core.lists.getByExternalKey(request.actor, listKey).catch((error: unknown) => {
          if (isAppError(error) && error.code === 'NOT_FOUND') throw new AppError('NOT_FOUND', `no list with the key "${listKey.slice(0, 100)}"`, { field: 'targetList.listKey' });
          throw error;
        });
        const op = await core.operations.create(request.actor, { action: 'soft_delete', selector: { kind: 'list', listId: list.id }, window: 'suppression', deleteListWhenCompleted: deleteList, label: DELETE_LABEL });
        return { operationInitiated: true, operationID: op.id, targetListInformation: targetListInformation(list), ...envelope(now) };
      }
      const values = field(body, 'values');
      if (!Array.isArray(values) || values.length === 0) throw invalid('values', `values is an array of 1 to ${MAX_TARGETS.toLocaleString('en')} contact ${kind === 'ids' ? 'IDs' : 'keys'}`);
      const op = await core.operations.create(request.actor, { action: 'soft_delete', selector: { kind, values }, window: 'suppression', label: DELETE_LABEL });
      const { responseDateTime: _time, ...ids } = envelope(now);
      return { operationInitiated: true, operationID: op.id, ...ids };
    },
  });

  routeBothCases(app, {
    method: 'POST',
    url: '/v1/contacts/actions/delete/configSettings',
    config: { scope: 'erase' },
    schema: {
      summary: 'Marketing Cloud delete settings: {"items":[{"settingKey":"SuppressionRestoreUntilDays","value":"-1"}]} sets the account\'s suppression window (-1: purge at once)',
      body: AnyBody,
    },
    handler: async (request) => {
      const items = field(request.body, 'items');
      if (!Array.isArray(items) || items.length === 0) throw invalid('items', 'items is a non-empty array of {settingKey, value}');
      let days: number | undefined;
      items.forEach((item, index) => {
        const key = field(item, 'settingKey');
        if (typeof key !== 'string' || key.toLowerCase() !== SETTING_KEY) throw invalid(`items[${index}].settingKey`, `items[${index}].settingKey: unknown setting; the only one is SuppressionRestoreUntilDays`);
        const value = field(item, 'value');
        const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
        if (!/^-?\d{1,5}$/.test(text) || Number(text) < -1 || Number(text) > 3650) throw invalid(`items[${index}].value`, `items[${index}].value: SuppressionRestoreUntilDays is a whole number of days from -1 (no window) to 3650`);
        days = Number(text);
      });
      await core.accounts.updateSettings(request.actor, { suppressionWindowDays: days as number });
      return { rowsEffected: 1, ...envelope(core.deps.clock.now()) };
    },
  });

  app.get('/v1/contacts/actions/delete/status', {
    config: { scope: 'read' },
    schema: {
      summary: 'Marketing Cloud delete status (?operationID=): operation (phase one: Pending, Processing, Completed) and, once phase two has begun, backgroundOperationsSummary (Processing, Completed)',
    },
  }, async (request) => {
    const id = operationIdOf(lowerQuery(request.query).operationid, 'operationID');
    const op = await core.operations.get(request.actor, id);
    const [account, phases, list] = await Promise.all([core.accounts.get(op.accountId), core.operations.suppressionPhases(request.actor, op), listOf(core, request.actor, op)]);
    return presentStatus(op, account, list, phases, core.deps.clock.now());
  });

  routeBothCases(app, {
    method: 'GET',
    url: '/v1/contacts/deleteOperations',
    config: { scope: 'read' },
    schema: { summary: 'Marketing Cloud delete operations of the account, newest first ($page, $pagesize)' },
    handler: async (request) => {
      const query = lowerQuery(request.query);
      const page = query.$page === undefined ? 1 : Number(query.$page);
      const size = query.$pagesize === undefined ? 50 : Number(query.$pagesize);
      if (!Number.isInteger(page) || page < 1 || page > 100_000) throw invalid('$page', '$page is a page number from 1');
      if (!Number.isInteger(size) || size < 1 || size > 500) throw invalid('$pagesize', '$pagesize is 1 to 500');
      const mine: Operation[] = [];
      const wanted = page * size;
      let cursor: string | undefined;
      let more = false;
      do {
        const batch = await core.operations.list(request.actor, { action: 'soft_delete', limit: 200, ...(cursor !== undefined ? { cursor } : {}) });
        mine.push(...batch.items.filter((op) => op.label === DELETE_LABEL));
        cursor = batch.nextCursor ?? undefined;
        more = cursor !== undefined;
      } while (more && mine.length <= wanted);
      const slice = mine.slice((page - 1) * size, wanted);
      const account = await core.accounts.get(request.actor.accountId);
      const items = await Promise.all(slice.map(async (op) => presentListed(op, account, await listOf(core, request.actor, op))));
      return { page, pageSize: size, count: more ? wanted + 1 : mine.length, items, ...envelope(core.deps.clock.now()) };
    },
  });

  app.post('/v1/operations/delete/:id/retry', {
    config: { scope: 'erase' },
    schema: { summary: 'Marketing Cloud retry of a failed delete operation: restarts it where it stopped' },
  }, async (request) => {
    const id = operationIdOf((request.params as { id: string }).id, 'operationID');
    const op = await core.operations.retry(request.actor, id);
    return { operationID: op.id, operationRestarted: true, ...envelope(core.deps.clock.now()) };
  });
}
