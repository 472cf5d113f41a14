import type { Account } from '../accounts/account.js';
import type { CoreDeps } from '../context.js';
import type { Actor } from '../actor.js';
import { checkListIds } from '../contacts/contact-rules.js';
import { newUuid } from '../crypto.js';
import { decodeIdCursor, encodeIdCursor } from '../cursor.js';
import { AppError, invalid, notFound } from '../errors.js';
import { isId, MAX_PAGE } from '../input.js';
import { requireScope } from '../keys/scopes.js';
import type { Repositories } from '../ports.js';
import { suppressionWindowOf } from '../accounts/account.js';
import { DAY_MS } from '../clock.js';
import { softDeletePurgesAtOnce } from '../lifecycle/apply-action.js';
import { deletionHandler } from './deletion.handler.js';
import { recordDoneOperation } from './record-done.js';
import { MEMBERSHIPS_KIND, membershipsHandler } from './memberships.handler.js';
import { DELETION_KIND, MAX_SELECTOR_LISTS, MAX_TARGETS, OPERATION_ACTIONS, OPERATION_STATES, TARGET_OUTCOMES, VALUE_SELECTOR_KINDS } from './operation.js';
import type {
  CreateOperationInput,
  NewOperation,
  NewTarget,
  Operation,
  OperationAction,
  OperationListQuery,
  OperationTarget,
  Selector,
  TargetQuery,
  ValueSelectorKind,
} from './operation.js';
import { auditOperation } from './audit-operation.js';
import type { OperationKindHandler } from './operation-kind.js';
import { scopeForAction } from './operation-scope.js';
import { finishOperation } from './finish.js';
import { withRates } from './progress.js';
import { prepareTargets } from './targets.js';
import { hasControlChars } from '../text.js';

const SELECTOR_KINDS = [...VALUE_SELECTOR_KINDS, 'list', 'lists', 'all'] as const;

/**
 * Most unfinished (queued or running) operations an account may have: past it, new ones are
 * refused with RATE_LIMITED until some end (Constant Contact's limit on queued activities,
 * held for every surface).
 */
export const MAX_UNFINISHED_OPERATIONS = 1000;

/** Refuses new work in an account that already has `MAX_UNFINISHED_OPERATIONS` unfinished operations. */
export async function assertRoomForOperation(tx: Repositories, accountId: number): Promise<void> {
  if ((await tx.operations.countUnfinished(accountId)) >= MAX_UNFINISHED_OPERATIONS) {
    throw new AppError('RATE_LIMITED', `the account has ${MAX_UNFINISHED_OPERATIONS.toLocaleString('en')} unfinished operations; wait for some to end`);
  }
}
const MAX_LABEL = 100;

/** An operation checked and ready to insert (see `OperationsService.prepareCreate`). */
export interface PreparedOperation {
  v: Validated;
  prepared: ReturnType<typeof prepareTargets> | undefined;
  accounts: Account[];
}

interface Validated {
  action: OperationAction;
  selector: Selector;
  dryRun: boolean;
  all: boolean;
  restoreToLists: number[];
  label: string | null;
  suppression: boolean;
  deleteList: boolean;
}

function validate(input: CreateOperationInput): Validated {
  if (typeof input !== 'object' || input === null) throw invalid('action', 'an operation names an action and a selector');
  if (!(OPERATION_ACTIONS as readonly unknown[]).includes(input.action)) throw invalid('action', `action is one of ${OPERATION_ACTIONS.join(', ')}`);
  const selector = input.selector as Selector | undefined;
  if (typeof selector !== 'object' || selector === null || !(SELECTOR_KINDS as readonly unknown[]).includes(selector.kind)) {
    throw invalid('selector.kind', `selector.kind is one of ${SELECTOR_KINDS.join(', ')}`);
  }
  if (selector.kind === 'list' && !isId(selector.listId)) throw invalid('selector.list_id', 'selector.list_id is a list id');
  if (selector.kind === 'lists' && (!Array.isArray(selector.listIds) || selector.listIds.length === 0 || selector.listIds.length > MAX_SELECTOR_LISTS || !selector.listIds.every(isId))) {
    throw invalid('selector.list_ids', `selector.list_ids holds 1 to ${MAX_SELECTOR_LISTS} list ids`);
  }
  if ((VALUE_SELECTOR_KINDS as readonly string[]).includes(selector.kind)) {
    const values = (selector as { values: unknown }).values;
    if (!Array.isArray(values) || values.length === 0) throw invalid('selector.values', 'selector.values is a non-empty array');
    if (values.length > MAX_TARGETS) {
      throw new AppError('PAYLOAD_TOO_LARGE', `an operation names at most ${MAX_TARGETS.toLocaleString('en')} targets`, { field: 'selector.values' });
    }
  }
  if (input.dryRun !== undefined && typeof input.dryRun !== 'boolean') throw invalid('dry_run', 'dry_run is true or false');
  const accounts = input.accounts ?? 'self';
  if (accounts !== 'self' && accounts !== 'all') throw invalid('accounts', "accounts is 'self' or 'all'");
  if (accounts === 'all' && (input.action !== 'erase' || selector.kind !== 'emails')) {
    throw invalid('accounts', "accounts 'all' (every sub-account) is for an erase by emails only");
  }
  if (input.restoreToLists !== undefined) {
    if (input.action !== 'restore') throw invalid('restore_to_lists', 'restore_to_lists is for restore only');
    if (!Array.isArray(input.restoreToLists)) throw invalid('restore_to_lists', 'restore_to_lists is an array of list ids');
  }
  if (input.window !== undefined && (input.action !== 'soft_delete' || (input.window !== 'restore' && input.window !== 'suppression'))) {
    throw invalid('window', "window is 'restore' or 'suppression', for a soft delete only");
  }
  if (input.deleteListWhenCompleted !== undefined && (selector.kind !== 'list' || typeof input.deleteListWhenCompleted !== 'boolean')) {
    throw invalid('delete_list_when_completed', 'delete_list_when_completed is true or false, for a list selector only');
  }
  if (input.label !== undefined && (typeof input.label !== 'string' || input.label.length === 0 || input.label.length > MAX_LABEL || hasControlChars(input.label))) {
    throw invalid('label', `label is 1 to ${MAX_LABEL} characters, no control characters`);
  }
  return {
    action: input.action,
    selector,
    dryRun: input.dryRun ?? false,
    all: accounts === 'all',
    restoreToLists: input.restoreToLists ?? [],
    label: input.label ?? null,
    suppression: input.window === 'suppression',
    deleteList: input.deleteListWhenCompleted === true,
  };
}

function checkLimit(limit: number | undefined, fallback: number): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE) throw invalid('limit', `limit is 1 to ${MAX_PAGE}`);
  return value;
}

/** Bulk deletion work (and other background kinds): create, read, cancel. The worker runs it. */
export class OperationsService {
  readonly #kinds = new Map<string, OperationKindHandler>();

  constructor(private readonly deps: CoreDeps) {
    this.#kinds.set(DELETION_KIND, deletionHandler(deps));
    this.#kinds.set(MEMBERSHIPS_KIND, membershipsHandler(deps));
  }

  /**
   * Queues bulk list-membership work (see `membershipsHandler`): the contacts named by
   * uuids, the members of `lists`, or `all` active contacts join (`add_to_lists`, which
   * restores soft-deleted ones onto the lists) or leave (`remove_from_lists`) the lists
   * `listIds`. Needs `write`; validated before anything is written.
   */
  async createMembershipChange(actor: Actor, input: { action: 'add_to_lists' | 'remove_from_lists'; selector: Selector; listIds: number[]; label?: string }): Promise<Operation> {
    requireScope(actor, 'write');
    if (input.action !== 'add_to_lists' && input.action !== 'remove_from_lists') throw invalid('action', 'action is add_to_lists or remove_from_lists');
    const { selector } = input;
    if (selector.kind !== 'uuids' && selector.kind !== 'lists' && selector.kind !== 'all') throw invalid('selector.kind', 'contacts are named by uuids, lists or all');
    if (!Array.isArray(input.listIds) || input.listIds.length === 0 || input.listIds.length > MAX_SELECTOR_LISTS) throw invalid('list_ids', `list_ids holds 1 to ${MAX_SELECTOR_LISTS} list ids`);
    if (selector.kind === 'uuids' && (!Array.isArray(selector.values) || selector.values.length === 0 || selector.values.length > MAX_TARGETS)) {
      throw invalid('selector.values', 'selector.values is a non-empty array');
    }
    if (selector.kind === 'lists' && (!Array.isArray(selector.listIds) || selector.listIds.length === 0 || selector.listIds.length > MAX_SELECTOR_LISTS)) {
      throw invalid('selector.list_ids', `selector.list_ids holds 1 to ${MAX_SELECTOR_LISTS} list ids`);
    }
    if (input.label !== undefined && (typeof input.label !== 'string' || input.label.length === 0 || input.label.length > MAX_LABEL)) throw invalid('label', `label is 1 to ${MAX_LABEL} characters`);
    const prepared = selector.kind === 'uuids' ? prepareTargets('uuids', selector.values) : undefined;
    const now = this.deps.clock.now();
    const operation = await this.deps.store.transaction(async (tx) => {
      const listIds = await checkListIds(tx, actor.accountId, input.listIds);
      const sourceListIds = selector.kind === 'lists' ? await checkListIds(tx, actor.accountId, selector.listIds) : [];
      await assertRoomForOperation(tx, actor.accountId);
      return this.insertOne(
        tx,
        {
          accountId: actor.accountId,
          uuid: newUuid(),
          parentId: null,
          kind: MEMBERSHIPS_KIND,
          action: input.action,
          selectorKind: selector.kind,
          selectorSize: selector.kind === 'uuids' ? selector.values.length : selector.kind === 'lists' ? sourceListIds.length : 0,
          params: {
            listIds,
            ...(input.label ? { label: input.label } : {}),
            ...(selector.kind === 'lists' ? { sourceListIds } : {}),
            ...(prepared ? { targetRows: prepared.targets.length } : {}),
          },
          dryRun: false,
          state: 'queued',
          expected: prepared?.targets.length ?? 0,
          processed: prepared?.invalid ?? 0,
          invalid: prepared?.invalid ?? 0,
          duplicates: prepared?.duplicates ?? 0,
          requestedByKeyId: actor.keyId,
          via: actor.via,
          now,
        },
        prepared?.targets,
      );
    });
    this.deps.notifyWork();
    return withRates(operation, now);
  }

  /**
   * Deletes a list at once (its memberships go; its contacts stay) and records it as a
   * completed operation (`memberships`/`delete_list`), for surfaces that answer a list
   * deletion with a job to poll (Constant Contact's activity). Needs `write`.
   */
  async deleteListRecorded(actor: Actor, listId: number, options: { label?: string } = {}): Promise<Operation> {
    requireScope(actor, 'write');
    if (!isId(listId)) throw notFound('list');
    const now = this.deps.clock.now();
    const operation = await this.deps.store.transaction(async (tx) => {
      if (!(await tx.lists.findById(actor.accountId, listId, { lock: 'update' }))) throw notFound('list');
      await assertRoomForOperation(tx, actor.accountId);
      await tx.lists.delete(actor.accountId, listId);
      return recordDoneOperation(this.deps, tx, actor, { kind: MEMBERSHIPS_KIND, action: 'delete_list', selectorKind: 'list', params: { listId, ...(options.label ? { label: options.label } : {}) } }, now);
    });
    return withRates(operation, now);
  }

  /**
   * Validates (nothing is written on error), dedupes and stores the targets, queues the
   * work and wakes the worker; returns at once. A dry run is an operation too: it counts
   * what would be affected and changes nothing. The actor needs the scope the action needs
   * (`scopeForAction`: `FORBIDDEN` otherwise, before anything is read or written).
   */
  async create(actor: Actor, input: CreateOperationInput): Promise<Operation> {
    const prepared = await this.prepareCreate(actor, input);
    const now = this.deps.clock.now();
    const operation = await this.deps.store.transaction((tx) => this.insertPrepared(tx, actor, prepared, now), { lockAccounts: prepared.accounts.map((a) => a.id) });
    this.deps.notifyWork();
    return withRates(operation, now);
  }

  /**
   * `create`'s checks, before any write: the scope, the input, the targets and the accounts.
   * With `insertPrepared`, another use case (a privacy request) creates the operation in its
   * own transaction (locking `accounts`' audit chains), then calls `notifyWork`.
   */
  async prepareCreate(actor: Actor, input: CreateOperationInput): Promise<PreparedOperation> {
    // The scope first: a key that may not do this learns nothing about its input.
    // A soft delete on the suppression window is purged when the window ends: it needs `erase`.
    requireScope(actor, input?.window === 'suppression' && input.dryRun !== true ? 'erase' : scopeForAction(String(input?.action), input?.dryRun === true));
    const v = validate(input);
    const prepared = (VALUE_SELECTOR_KINDS as readonly string[]).includes(v.selector.kind)
      ? prepareTargets(v.selector.kind as ValueSelectorKind, (v.selector as { values: unknown[] }).values)
      : undefined;
    const accounts = await this.accountsFor(actor, v.all);
    return { v, prepared, accounts };
  }

  /** Writes a prepared operation (and its parts) in the caller's transaction; audited. */
  async insertPrepared(tx: Repositories, actor: Actor, { v, prepared, accounts }: PreparedOperation, now: number): Promise<Operation> {
    const selectorSize = prepared ? (v.selector as { values: unknown[] }).values.length : 0;
    if (v.selector.kind === 'list' && !(await tx.lists.findById(actor.accountId, v.selector.listId))) throw new AppError('NOT_FOUND', 'list not found', { field: 'selector.list_id' });
    const selectorLists = v.selector.kind === 'lists' ? await checkListIds(tx, actor.accountId, v.selector.listIds) : [];
    for (const account of accounts) await assertRoomForOperation(tx, account.id);
    const restoreToLists = await checkListIds(tx, actor.accountId, v.restoreToLists).catch((error: unknown) => {
      if (error instanceof AppError) throw new AppError(error.code, error.message.replace('list_ids', 'restore_to_lists'), { field: 'restore_to_lists', details: [{ field: 'restore_to_lists', message: error.message }] });
      throw error;
    });
    const params: Record<string, unknown> = {
      ...(v.label ? { label: v.label } : {}),
      ...(actor.operator ? { operator: actor.operator } : {}),
      ...(v.selector.kind === 'list' ? { listId: v.selector.listId } : {}),
      ...(v.selector.kind === 'lists' ? { listIds: selectorLists } : {}),
      ...(restoreToLists.length > 0 ? { restoreToLists } : {}),
      ...(prepared ? { targetRows: prepared.targets.length } : {}),
      // Decided once, with the settings of the request: a soft delete in an account whose
      // restore window is -1 purges (and is then scrubbed); any other only marks contacts.
      ...(v.action === 'soft_delete' && !v.suppression ? { purgesAtOnce: softDeletePurgesAtOnce(accounts[0] as Account, now) } : {}),
      // Marketing Cloud's two phases: suppressed for the account's suppression window, then purged by the scheduler.
      ...(v.suppression ? { windowDays: suppressionWindowOf(accounts[0] as Account), purgesAtOnce: suppressionWindowOf(accounts[0] as Account) < 0 } : {}),
      ...(v.deleteList ? { deleteListWhenCompleted: true } : {}),
    };
    const base = {
      kind: DELETION_KIND,
      action: v.action,
      selectorKind: v.selector.kind,
      selectorSize,
      params,
      dryRun: v.dryRun,
      expected: prepared?.targets.length ?? 0,
      processed: prepared?.invalid ?? 0,
      invalid: prepared?.invalid ?? 0,
      duplicates: prepared?.duplicates ?? 0,
      requestedByKeyId: actor.keyId,
      via: actor.via,
      now,
    } satisfies Omit<NewOperation, 'accountId' | 'uuid' | 'parentId' | 'state'>;
    if (!v.all) return this.insertOne(tx, { ...base, accountId: actor.accountId, uuid: newUuid(), parentId: null, state: 'queued' }, prepared?.targets);
    const n = accounts.length;
    const parent = await this.insertOne(
      tx,
      { ...base, accountId: actor.accountId, uuid: newUuid(), parentId: null, state: 'processing', expected: base.expected * n, processed: base.processed * n, invalid: base.invalid * n, duplicates: base.duplicates * n, params: { ...params, accounts: 'all' } },
      undefined,
    );
    for (const account of accounts) {
      parent.children.push(await this.insertOne(tx, { ...base, accountId: account.id, uuid: newUuid(), parentId: parent.id, state: 'queued' }, prepared?.targets));
    }
    return parent;
  }

  /** Inserts an operation with its targets in the caller's transaction, audited as created. */
  async insertOne(tx: Repositories, op: NewOperation, targets: readonly NewTarget[] | undefined): Promise<Operation> {
    const created = await tx.operations.insert(op);
    if (targets && targets.length > 0) await tx.operations.insertTargets(created.id, op.accountId, targets);
    await auditOperation(this.deps, tx, created, 'operation.created');
    return created;
  }

  /** The key acting must belong to the account that requested the cross-account operation, or to one of its ancestors. */
  private async requireRequester(actor: Actor, parentOperationId: number): Promise<void> {
    const parent = await this.deps.store.operations.findById(null, parentOperationId);
    if (!parent) return;
    let account = await this.deps.store.accounts.findById(parent.accountId);
    while (account) {
      if (account.id === actor.keyAccountId) return;
      account = account.parentId === null ? undefined : await this.deps.store.accounts.findById(account.parentId);
    }
    throw new AppError('FORBIDDEN', 'this is a part of an erase requested by a parent account; only that account can cancel it', { field: 'id' });
  }

  /** The acting account, and with 'all' its sub-accounts (a parent's key only). */
  async accountsFor(actor: Actor, all: boolean): Promise<Account[]> {
    const self = await this.deps.store.accounts.findById(actor.accountId);
    if (!self) throw notFound('account');
    if (!all) return [self];
    if (self.parentId !== null || actor.accountId !== actor.keyAccountId) {
      throw new AppError('FORBIDDEN', "only a parent account's own key can erase across all its sub-accounts", { field: 'accounts' });
    }
    return [self, ...(await this.deps.store.accounts.listChildren(self.id))];
  }

  private async find(actor: Actor, ref: number | string): Promise<Operation> {
    const op =
      typeof ref === 'number' || /^[0-9]+$/.test(ref)
        ? isId(Number(ref))
          ? await this.deps.store.operations.findById(actor.accountId, Number(ref))
          : undefined
        : await this.deps.store.operations.findByUuid(actor.accountId, ref.toLowerCase());
    if (!op) throw notFound('operation');
    return op;
  }

  private async withChildren(op: Operation): Promise<Operation> {
    const now = this.deps.clock.now();
    const children = op.params.accounts === 'all' ? (await this.deps.store.operations.children(op.id)).map((c) => withRates(c, now)) : [];
    return { ...withRates(op, now), children };
  }

  /** An operation of the acting account, by id or uuid (NOT_FOUND for any other). */
  async get(actor: Actor, ref: number | string): Promise<Operation> {
    return this.withChildren(await this.find(actor, ref));
  }

  /** Newest first, with filters; `nextCursor` continues the listing. */
  async list(actor: Actor, query: OperationListQuery): Promise<{ items: Operation[]; nextCursor: string | null }> {
    const limit = checkLimit(query.limit, 50);
    if (query.state !== undefined && !(OPERATION_STATES as readonly string[]).includes(query.state)) throw invalid('state', `state is one of ${OPERATION_STATES.join(', ')}`);
    for (const [field, value] of [['from', query.from], ['to', query.to]] as const) {
      if (value !== undefined && !Number.isSafeInteger(value)) throw invalid(field, `${field} is a time`);
    }
    const beforeId = decodeIdCursor(query.cursor);
    const account = await this.deps.store.accounts.findById(actor.accountId);
    const rows = await this.deps.store.operations.list(actor.accountId, {
      ...(query.state !== undefined ? { state: query.state } : {}),
      ...(query.action !== undefined ? { action: query.action } : {}),
      ...(query.kind !== undefined ? { kind: query.kind } : {}),
      ...(query.via !== undefined ? { via: query.via } : {}),
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      ...(beforeId !== undefined ? { beforeId } : {}),
      limit: limit + 1,
      // A parent account sees its cross-account requests once, as the parent; a sub-account sees its part.
      excludeChildren: account?.parentId === null,
    });
    const items = await Promise.all(rows.slice(0, limit).map((op) => this.withChildren(op)));
    return { items, nextCursor: rows.length > limit ? encodeIdCursor(items[items.length - 1]?.id ?? 0) : null };
  }

  /** Per-target outcomes in request order; a value is shown only while pending, afterwards only its keyed hash. */
  async targets(actor: Actor, ref: number | string, query: TargetQuery): Promise<{ items: OperationTarget[]; nextCursor: string | null }> {
    const op = await this.find(actor, ref);
    const limit = checkLimit(query.limit, 100);
    if (query.outcome !== undefined && !(TARGET_OUTCOMES as readonly string[]).includes(query.outcome)) throw invalid('outcome', `outcome is one of ${TARGET_OUTCOMES.join(', ')}`);
    const afterSeq = decodeIdCursor(query.cursor);
    const rows = await this.deps.store.operations.targets(actor.accountId, op.id, {
      ...(query.outcome !== undefined ? { outcome: query.outcome } : {}),
      ...(afterSeq !== undefined ? { afterSeq } : {}),
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeIdCursor(items[items.length - 1]?.seq ?? 0) : null };
  }

  /**
   * Cancels a queued operation at once, a running one at its next chunk boundary; an ended
   * one stays as it is. A sub-account's part of its parent's cross-account erase is the
   * requester's to cancel (its keys, or an ancestor's), never the sub-account's own: a
   * tenant cannot opt out of an erasure its parent asked for (FORBIDDEN).
   */
  async cancel(actor: Actor, ref: number | string): Promise<Operation> {
    const op = await this.find(actor, ref);
    requireScope(actor, scopeForAction(op.action, op.dryRun));
    if (op.parentId !== null) await this.requireRequester(actor, op.parentId);
    const now = this.deps.clock.now();
    if (op.state === 'queued' || op.state === 'processing') {
      await this.deps.store.transaction(async (tx) => {
        const parts = op.params.accounts === 'all' ? await tx.operations.children(op.id) : [op];
        for (const part of parts) {
          await tx.operations.requestCancel(part.id, now);
          // Not started yet: nothing to wait for. A running one stops at its next chunk boundary.
          const fresh = await tx.operations.findById(null, part.id);
          // Its forgotten values (request values, staged import rows) leave bytes the worker scrubs.
          if (fresh?.state === 'queued') await finishOperation(this.deps, tx, fresh, 'canceled', now, { needsScrub: (this.#kinds.get(fresh.kind)?.scrubTables?.(fresh) ?? []).length > 0 });
        }
      }, { lockAccounts: [op.accountId] });
      this.deps.notifyWork();
    }
    return this.get(actor, op.id);
  }

  /**
   * The scheduler's pass: for each account with contacts whose purge time has come (ended
   * restore windows, ended retention), queues one purge operation (via 'scheduler') unless
   * one is already under way. Returns the operations queued.
   */
  async schedulePurges(): Promise<Operation[]> {
    const now = this.deps.clock.now();
    const queued: Operation[] = [];
    for (const accountId of await this.deps.store.lifecycle.accountsWithDuePurges(now, 1000)) {
      const op = await this.deps.store.transaction(async (tx) => {
        if (await tx.operations.hasActiveSchedulerPurge(accountId)) return undefined;
        return this.insertOne(
          tx,
          {
            accountId,
            uuid: newUuid(),
            parentId: null,
            kind: DELETION_KIND,
            action: 'purge',
            selectorKind: 'due',
            selectorSize: 0,
            params: { dueAt: now },
            dryRun: false,
            state: 'queued',
            expected: 0,
            processed: 0,
            invalid: 0,
            duplicates: 0,
            requestedByKeyId: null,
            via: 'scheduler',
            now,
          },
          undefined,
        );
      }, { lockAccounts: [accountId] });
      if (op) queued.push(op);
    }
    if (queued.length > 0) this.deps.notifyWork();
    return queued;
  }

  /**
   * Restarts a failed operation (Marketing Cloud's retry) from its plan: contacts it
   * already changed are no longer eligible and are left alone. An operation that named
   * its targets by value cannot be restarted: the values it never reached were forgotten
   * when it failed (CONFLICT; send the request again). Needs the scope starting it needed.
   */
  async retry(actor: Actor, ref: number | string): Promise<Operation> {
    const op = await this.find(actor, ref);
    requireScope(actor, typeof op.params.windowDays === 'number' ? 'erase' : scopeForAction(op.action, op.dryRun));
    if (op.state !== 'failed') throw new AppError('CONFLICT', `operation ${op.id} is ${op.state}; only a failed operation can be retried`);
    if ((VALUE_SELECTOR_KINDS as readonly string[]).includes(op.selectorKind) || op.kind !== DELETION_KIND || op.parentId !== null) {
      throw new AppError('CONFLICT', `operation ${op.id} cannot be restarted: the values it had not reached were forgotten when it failed; send the request again`);
    }
    await this.deps.store.transaction(async (tx) => {
      await tx.operations.requeue(op.id, this.deps.clock.now());
      await auditOperation(this.deps, tx, op, 'operation.retried');
    });
    this.deps.notifyWork();
    return this.get(actor, op.id);
  }

  /**
   * The two phases of a soft delete made with the suppression window (Marketing Cloud's
   * Contact Delete), read from an operation of the acting account: phase one is the
   * operation itself (suppression); phase two, the purge, begins when the window ends
   * after phase one and has completed once no deleted contact of the account is still due
   * by then (the scheduler's purge took them; restored ones left the queue). With a window
   * of -1 phase one purges, and phase two is phase one. `purge` is null before phase two
   * begins, and for a phase one that did not complete.
   */
  async suppressionPhases(actor: Actor, op: Operation): Promise<{ windowDays: number; restorableUntil: number | null; purge: { startedAt: number; state: 'processing' | 'completed' } | null }> {
    if (op.accountId !== actor.accountId) throw notFound('operation');
    const windowDays = typeof op.params.windowDays === 'number' ? op.params.windowDays : -1;
    if (windowDays < 0) {
      const started = op.startedAt ?? (op.state === 'completed' ? op.createdAt : null);
      return { windowDays, restorableUntil: null, purge: started === null || (op.state !== 'completed' && op.state !== 'processing') ? null : { startedAt: started, state: op.state === 'completed' ? 'completed' : 'processing' } };
    }
    if (op.state !== 'completed' || op.finishedAt === null) return { windowDays, restorableUntil: null, purge: null };
    const due = op.finishedAt + windowDays * DAY_MS;
    if (this.deps.clock.now() < due) return { windowDays, restorableUntil: due, purge: null };
    const remaining = await this.deps.store.lifecycle.countMatching(op.accountId, { statuses: ['deleted'], purgeDueAt: due });
    return { windowDays, restorableUntil: due, purge: { startedAt: due, state: remaining === 0 ? 'completed' : 'processing' } };
  }

  /** Plugs in a kind of background work (imports). */
  registerKind(kind: string, handler: OperationKindHandler): void {
    if (this.#kinds.has(kind)) throw new Error(`operation kind ${kind} is already registered`);
    this.#kinds.set(kind, handler);
  }

  handlerOf(kind: string): OperationKindHandler | undefined {
    return this.#kinds.get(kind);
  }
}
