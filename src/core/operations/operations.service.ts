import type { Account } from '../accounts/account.js';
import type { CoreDeps } from '../context.js';
import type { Actor } from '../actor.js';
import { checkListIds } from '../contacts/contact-rules.js';
import { newUuid } from '../crypto.js';
import { AppError, invalid, notFound } from '../errors.js';
import { isId, MAX_PAGE } from '../input.js';
import { requireScope } from '../keys/scopes.js';
import type { Repositories } from '../ports.js';
import { softDeletePurgesAtOnce } from '../lifecycle/apply-action.js';
import { deletionHandler } from './deletion.handler.js';
import { DELETION_KIND, MAX_TARGETS, OPERATION_ACTIONS, OPERATION_STATES, TARGET_OUTCOMES, VALUE_SELECTOR_KINDS } from './operation.js';
import type {
  CreateOperationInput,
  NewOperation,
  NewTarget,
  Operation,
  OperationAction,
  OperationKindHandler,
  OperationListQuery,
  OperationTarget,
  Selector,
  TargetQuery,
  ValueSelectorKind,
} from './operation.js';
import { auditOperation } from './audit-operation.js';
import { scopeForAction } from './operation-scope.js';
import { finishOperation } from './finish.js';
import { withRates } from './progress.js';
import { prepareTargets } from './targets.js';

const SELECTOR_KINDS = [...VALUE_SELECTOR_KINDS, 'list', 'all'] as const;
const MAX_LABEL = 100;

interface Validated {
  action: OperationAction;
  selector: Selector;
  dryRun: boolean;
  all: boolean;
  restoreToLists: number[];
  label: string | null;
}

function validate(input: CreateOperationInput): Validated {
  if (typeof input !== 'object' || input === null) throw invalid('action', 'an operation names an action and a selector');
  if (!(OPERATION_ACTIONS as readonly unknown[]).includes(input.action)) throw invalid('action', `action is one of ${OPERATION_ACTIONS.join(', ')}`);
  const selector = input.selector as Selector | undefined;
  if (typeof selector !== 'object' || selector === null || !(SELECTOR_KINDS as readonly unknown[]).includes(selector.kind)) {
    throw invalid('selector.kind', `selector.kind is one of ${SELECTOR_KINDS.join(', ')}`);
  }
  if (selector.kind === 'list' && !isId(selector.listId)) throw invalid('selector.list_id', 'selector.list_id is a list id');
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
  if (input.label !== undefined && (typeof input.label !== 'string' || input.label.length === 0 || input.label.length > MAX_LABEL)) {
    throw invalid('label', `label is 1 to ${MAX_LABEL} characters`);
  }
  return { action: input.action, selector, dryRun: input.dryRun ?? false, all: accounts === 'all', restoreToLists: input.restoreToLists ?? [], label: input.label ?? null };
}

/** Cursors are opaque to callers; here they are the last id (or seq) of the page. */
function parseCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!/^[1-9][0-9]{0,15}$/.test(cursor)) throw invalid('cursor', 'cursor is not one this API gave');
  return Number(cursor);
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
  }

  /**
   * Validates (nothing is written on error), dedupes and stores the targets, queues the
   * work and wakes the worker; returns at once. A dry run is an operation too: it counts
   * what would be affected and changes nothing. The actor needs the scope the action needs
   * (`scopeForAction`: `FORBIDDEN` otherwise, before anything is read or written).
   */
  async create(actor: Actor, input: CreateOperationInput): Promise<Operation> {
    // The scope first: a key that may not do this learns nothing about its input.
    requireScope(actor, scopeForAction(String(input?.action), input?.dryRun === true));
    const v = validate(input);
    const prepared = (VALUE_SELECTOR_KINDS as readonly string[]).includes(v.selector.kind)
      ? prepareTargets(v.selector.kind as ValueSelectorKind, (v.selector as { values: unknown[] }).values)
      : undefined;
    const accounts = await this.accountsFor(actor, v.all);
    const now = this.deps.clock.now();
    const selectorSize = prepared ? (v.selector as { values: unknown[] }).values.length : 0;
    const operation = await this.deps.store.transaction(async (tx) => {
      if (v.selector.kind === 'list' && !(await tx.lists.findById(actor.accountId, v.selector.listId))) throw new AppError('NOT_FOUND', 'list not found', { field: 'selector.list_id' });
      const restoreToLists = await checkListIds(tx, actor.accountId, v.restoreToLists).catch((error: unknown) => {
        if (error instanceof AppError) throw new AppError(error.code, error.message.replace('list_ids', 'restore_to_lists'), { field: 'restore_to_lists', details: [{ field: 'restore_to_lists', message: error.message }] });
        throw error;
      });
      const params: Record<string, unknown> = {
        ...(v.label ? { label: v.label } : {}),
        ...(actor.operator ? { operator: actor.operator } : {}),
        ...(v.selector.kind === 'list' ? { listId: v.selector.listId } : {}),
        ...(restoreToLists.length > 0 ? { restoreToLists } : {}),
        ...(prepared ? { targetRows: prepared.targets.length } : {}),
        // Decided once, with the settings of the request: a soft delete in an account whose
        // restore window is -1 purges (and is then scrubbed); any other only marks contacts.
        ...(v.action === 'soft_delete' ? { purgesAtOnce: softDeletePurgesAtOnce(accounts[0] as Account, now) } : {}),
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
    });
    this.deps.notifyWork();
    return withRates(operation, now);
  }

  private async insertOne(tx: Repositories, op: NewOperation, targets: readonly NewTarget[] | undefined): Promise<Operation> {
    const created = await tx.operations.insert(op);
    if (targets && targets.length > 0) await tx.operations.insertTargets(created.id, op.accountId, targets);
    await auditOperation(this.deps, tx, created, 'operation.created');
    return created;
  }

  /** The acting account, and with 'all' its sub-accounts (a parent's key only). */
  private async accountsFor(actor: Actor, all: boolean): Promise<Account[]> {
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
    const beforeId = parseCursor(query.cursor);
    const account = await this.deps.store.accounts.findById(actor.accountId);
    const rows = await this.deps.store.operations.list(actor.accountId, {
      ...(query.state !== undefined ? { state: query.state } : {}),
      ...(query.action !== undefined ? { action: query.action } : {}),
      ...(query.kind !== undefined ? { kind: query.kind } : {}),
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      ...(beforeId !== undefined ? { beforeId } : {}),
      limit: limit + 1,
      // A parent account sees its cross-account requests once, as the parent; a sub-account sees its part.
      excludeChildren: account?.parentId === null,
    });
    const items = await Promise.all(rows.slice(0, limit).map((op) => this.withChildren(op)));
    return { items, nextCursor: rows.length > limit ? String(items[items.length - 1]?.id) : null };
  }

  /** Per-target outcomes in request order; a value is shown only while pending, afterwards only its keyed hash. */
  async targets(actor: Actor, ref: number | string, query: TargetQuery): Promise<{ items: OperationTarget[]; nextCursor: string | null }> {
    const op = await this.find(actor, ref);
    const limit = checkLimit(query.limit, 100);
    if (query.outcome !== undefined && !(TARGET_OUTCOMES as readonly string[]).includes(query.outcome)) throw invalid('outcome', `outcome is one of ${TARGET_OUTCOMES.join(', ')}`);
    const afterSeq = parseCursor(query.cursor);
    const rows = await this.deps.store.operations.targets(actor.accountId, op.id, {
      ...(query.outcome !== undefined ? { outcome: query.outcome } : {}),
      ...(afterSeq !== undefined ? { afterSeq } : {}),
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? String(items[items.length - 1]?.seq) : null };
  }

  /** Cancels a queued operation at once, a running one at its next chunk boundary; an ended one stays as it is. */
  async cancel(actor: Actor, ref: number | string): Promise<Operation> {
    const op = await this.find(actor, ref);
    requireScope(actor, scopeForAction(op.action, op.dryRun));
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
      });
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
      });
      if (op) queued.push(op);
    }
    if (queued.length > 0) this.deps.notifyWork();
    return queued;
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
