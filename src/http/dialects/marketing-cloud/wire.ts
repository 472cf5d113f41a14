import type { Account } from '../../../core/accounts/account.js';
import type { List } from '../../../core/lists/list.js';
import type { Operation } from '../../../core/operations/operation.js';
import { operationOutcome } from '../../../core/operations/outcome.js';
import type { OperationOutcome } from '../../../core/operations/outcome.js';
import { serviceIds } from './errors.js';

/** Marketing Cloud's wire shapes for Contact Delete, mapped from core's operations. */

/** The label of operations created by this surface's delete. */
export const DELETE_LABEL = 'marketing-cloud.contact_delete';

/** Marketing Cloud's dates: UTC without a zone (`2019-07-02T14:27:42.403`). */
export const mcDate = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString().replace('Z', ''));

/** The envelope every contacts answer carries. */
export const envelope = (now: number) => ({ ...serviceIds(), responseDateTime: new Date(now).toISOString(), resultMessages: [] as unknown[] });

/** Phase one's status on the status route: what a client polls for `Completed`. Unknown values are not errors there. */
const PHASE_ONE: Record<OperationOutcome, string> = {
  pending: 'Pending',
  running: 'Processing',
  completed: 'Completed',
  completed_with_errors: 'Completed',
  failed: 'Failed',
  canceled: 'Cancelled',
};

/** The listing's status (`deleteOperations`), Marketing Cloud's full set. */
const LISTED: Record<OperationOutcome, string> = { ...PHASE_ONE, completed_with_errors: 'CompletedWithErrors' };

/** Analytics status ids: 1 Processing, 5 Completed, 7 Invalid. */
export const ANALYTICS_STATUS: Record<OperationOutcome, { id: number; name: string }> = {
  pending: { id: 1, name: 'Processing' },
  running: { id: 1, name: 'Processing' },
  completed: { id: 5, name: 'Completed' },
  completed_with_errors: { id: 5, name: 'Completed' },
  failed: { id: 7, name: 'Invalid' },
  canceled: { id: 7, name: 'Invalid' },
};

export const listedStatus = (op: Operation): string => LISTED[operationOutcome(op)];

/** The list of a list-reference delete, as `targetListInformation` describes it. */
export const targetListInformation = (list: Pick<List, 'name' | 'uuid' | 'externalKey'>) => ({
  listName: { value: list.name },
  listItemType: 'ContactReference',
  operationSupport: { canDeleteList: true, canDeleteListContents: true },
  listType: { listTypeID: 3, listTypeKey: 'DataExtension' },
  listIdentifier: list.uuid,
  listKey: list.externalKey,
});

/** The list a list-reference delete named, while it exists (null once deleted, or for other deletes). */
export type ListRef = Pick<List, 'name' | 'uuid' | 'externalKey'> | null;

export interface Phases {
  windowDays: number;
  restorableUntil: number | null;
  purge: { startedAt: number; state: 'processing' | 'completed' } | null;
}

/** The fields of an operation both the status route and the listing show. */
function operationFields(op: Operation, account: Pick<Account, 'id' | 'parentId'>, list: ListRef) {
  return {
    operationID: op.id,
    eID: account.parentId ?? account.id,
    mID: account.id,
    employeeID: 0,
    listTypeID: op.selectorKind === 'list' ? 3 : 0,
    listIdentifier: list?.uuid ?? null,
    listKey: list?.externalKey ?? null,
    expectedListCount: op.counts.expected,
    deleteType: 'ContactAndAttributes',
    deleteListOnCompleted: op.params.deleteListWhenCompleted === true,
    retryCount: Math.max(0, op.attempts - 1),
    scheduledTime: mcDate(op.createdAt),
    startDate: mcDate(op.startedAt),
    endDate: mcDate(op.finishedAt),
    createdDate: mcDate(op.createdAt),
    createdBy: 0,
    modifiedDate: mcDate(op.finishedAt ?? op.startedAt ?? op.createdAt),
    modifiedBy: 0,
  };
}

/** `GET .../actions/delete/status`: phase one as `operation`, phase two (once begun) as `backgroundOperationsSummary`. */
export function presentStatus(op: Operation, account: Pick<Account, 'id' | 'parentId'>, list: ListRef, phases: Phases, now: number) {
  const outcome = operationOutcome(op);
  return {
    operation: {
      ...operationFields(op, account, list),
      requestID: op.uuid,
      status: PHASE_ONE[outcome],
      contextType: 'Contact',
      isRestrictedForProcessing: false,
      errorsOccurredInBatchProcess: op.counts.failed > 0,
      lastProcessedMilestone: op.chunksTotal > 0 ? `${op.chunksDone}/${op.chunksTotal}` : null,
      processedCount: op.counts.processed,
      successCount: op.counts.succeeded,
      notFoundCount: op.counts.notFound,
      invalidCount: op.counts.invalid,
      errorCount: op.counts.failed,
      restorableUntilDate: mcDate(phases.restorableUntil),
    },
    ...(phases.purge
      ? { backgroundOperationsSummary: [{ backgroundOperationID: op.id, createdDate: mcDate(phases.purge.startedAt), backgroundOperationStatusID: phases.purge.state === 'completed' ? 'Completed' : 'Processing' }] }
      : {}),
    numberofRestorableDays: Math.max(0, phases.windowDays),
    operationMappings: [],
    ...envelope(now),
  };
}

/** One item of `GET /contacts/v1/contacts/deleteOperations`. */
export function presentListed(op: Operation, account: Pick<Account, 'id' | 'parentId'>, list: ListRef) {
  const fields = operationFields(op, account, list);
  return {
    operationID: fields.operationID,
    eid: fields.eID,
    mid: fields.mID,
    employeeID: 0,
    OperationRequestID: op.uuid,
    status: listedStatus(op),
    scheduledTime: fields.scheduledTime,
    startTime: fields.startDate,
    endTime: fields.endDate,
    listTypeID: fields.listTypeID,
    listIdentifier: fields.listIdentifier,
    listKey: fields.listKey,
    listName: list?.name ?? null,
    expectedListCount: op.counts.expected,
    actualListCount: op.counts.processed,
    successCount: op.counts.succeeded,
    errorCount: op.counts.invalid + op.counts.failed,
    deleteType: 'ContactAndAttributes',
    operationName: `Contact Delete ${op.selectorKind === 'list' ? 'by list reference' : op.selectorKind === 'ids' ? 'by contact ID' : 'by contact key'}`,
    restorableUntilDate: typeof op.params.windowDays === 'number' && op.params.windowDays >= 0 && op.finishedAt !== null ? mcDate(op.finishedAt + op.params.windowDays * 86_400_000) : null,
  };
}
