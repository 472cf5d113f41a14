import { requestDeadlinesOf } from '../accounts/account.js';
import type { Actor } from '../actor.js';
import { AuditService } from '../audit/audit.service.js';
import { DAY_MS } from '../clock.js';
import type { CoreDeps } from '../context.js';
import { newUuid } from '../crypto.js';
import { decodeIdCursor, encodeIdCursor } from '../cursor.js';
import { AppError, invalid, notFound } from '../errors.js';
import { checkPageLimit, isId } from '../input.js';
import { hasScope, requireScope } from '../keys/scopes.js';
import type { Scope } from '../keys/scopes.js';
import { VALUE_SELECTOR_KINDS } from '../operations/operation.js';
import type { Operation, ValueSelectorKind } from '../operations/operation.js';
import type { OperationsService } from '../operations/operations.service.js';
import { recordDoneOperation } from '../operations/record-done.js';
import { prepareTargets, targetHash } from '../operations/targets.js';
import { withRates } from '../operations/progress.js';
import type { Repositories } from '../ports.js';
import { hasControlChars } from '../text.js';
import { accessHandler } from './access.handler.js';
import type { ExportRecord } from './export-records.js';
import { ACCESS_KIND, OPEN_REQUEST_STATES, REQUEST_STATES, REQUEST_TYPES } from './request.js';
import type { ExportSection, PrivacyRequest, RequestFigures, RequestState, RequestType } from './request.js';

/** Most identifiers one request names (one person: a few addresses or ids). */
export const MAX_PERSON_IDENTIFIERS = 20;
/** How long an access request's export can be downloaded once it is ready; then it is deleted. */
export const EXPORT_TTL_DAYS = 7;
/** "Due soon" for the metrics and the listings. */
export const DUE_SOON_DAYS = 7;
const MAX_REFERENCE = 100;
const MAX_NOTE = 1000;
const MAX_REASON = 500;

export interface CreateRequestInput {
  type: RequestType;
  person: { kind: ValueSelectorKind; values: unknown[] };
  accounts?: 'self' | 'all';
  /** Epoch ms; default now. */
  receivedAt?: number;
  reference?: string;
  note?: string;
}

export interface RequestQuery {
  state?: string;
  type?: string;
  dueBefore?: number;
  overdue?: boolean;
  cursor?: string;
  limit?: number;
}

/** A request as core shows it: with its operation (and parts) and whether it is overdue now. */
export interface RequestView extends PrivacyRequest {
  overdue: boolean;
  operation: Operation | null;
}

const scopeOf = (type: RequestType): Scope => (type === 'erasure' ? 'erase' : 'read');

function checkText(field: string, value: unknown, max: number, freeText: boolean): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max || hasControlChars(value, { freeText })) {
    throw invalid(field, `${field} is 1 to ${max} characters${freeText ? '' : ', no control characters'}`);
  }
  return value;
}

/**
 * Privacy requests with their legal deadlines: erasure runs as an erase operation (across
 * sub-accounts when asked), access as an export operation; each request completes when its
 * operation has, and its storage has been scrubbed. Every state change is audited, with
 * counts and kinds only; the person is kept as keyed hashes of the identifiers.
 */
export class RequestsService {
  readonly #audit: AuditService;

  constructor(
    private readonly deps: CoreDeps,
    private readonly operations: OperationsService,
  ) {
    this.#audit = new AuditService(deps);
    operations.registerKind(ACCESS_KIND, accessHandler(deps));
  }

  /** Records a request and starts its work; validated before anything is written. Needs `erase` (erasure) or `read` (access). */
  async create(actor: Actor, input: CreateRequestInput): Promise<RequestView> {
    if (typeof input !== 'object' || input === null || !(REQUEST_TYPES as readonly unknown[]).includes(input.type)) throw invalid('type', `type is one of ${REQUEST_TYPES.join(', ')}`);
    requireScope(actor, scopeOf(input.type));
    const person = input.person as { kind: unknown; values: unknown } | undefined;
    if (typeof person !== 'object' || person === null || !(VALUE_SELECTOR_KINDS as readonly unknown[]).includes(person.kind)) {
      throw invalid('person', `the person is named by one of ${VALUE_SELECTOR_KINDS.join(', ')}`);
    }
    const kind = person.kind as ValueSelectorKind;
    if (!Array.isArray(person.values) || person.values.length === 0 || person.values.length > MAX_PERSON_IDENTIFIERS) {
      throw invalid(`person.${kind}`, `person.${kind} holds 1 to ${MAX_PERSON_IDENTIFIERS} values`);
    }
    const prepared = prepareTargets(kind, person.values);
    const bad = prepared.targets.find((t) => t.outcome === 'invalid');
    if (bad) throw invalid(`person.${kind}`, `person.${(bad.detail ?? '').replace(/^values/, kind)}`);
    const scope = input.accounts ?? 'self';
    if (scope !== 'self' && scope !== 'all') throw invalid('accounts', "accounts is 'self' or 'all'");
    if (scope === 'all' && input.type === 'erasure' && kind !== 'emails') throw invalid('accounts', "an erasure across all accounts names the person by emails (ids belong to one account)");
    const now = this.deps.clock.now();
    const receivedAt = input.receivedAt ?? now;
    if (!Number.isSafeInteger(receivedAt) || receivedAt > now + 60_000 || receivedAt < now - 3650 * DAY_MS) throw invalid('received_at', 'received_at is a time, not in the future');
    const reference = checkText('reference', input.reference, MAX_REFERENCE, false);
    const note = checkText('note', input.note, MAX_NOTE, true);
    const values = prepared.targets.flatMap((t) => (t.value === null ? [] : [t.value]));
    const hashes = values.map((v) => targetHash(this.deps.hasher, kind, v));
    const erase = input.type === 'erasure' ? await this.operations.prepareCreate(actor, { action: 'erase', selector: { kind, values }, accounts: scope, ...(reference ? { label: reference } : {}) }) : undefined;
    const accounts = erase?.accounts ?? (await this.operations.accountsFor(actor, scope === 'all'));
    const self = accounts[0];
    if (!self) throw notFound('account');
    const { dueDays } = requestDeadlinesOf(self);
    const dueAt = receivedAt + dueDays * DAY_MS;

    const request = await this.deps.store.transaction(async (tx) => {
      const created = await tx.requests.insert({
        uuid: newUuid(),
        accountId: actor.accountId,
        type: input.type,
        state: 'received',
        scope,
        subjectKind: kind,
        subjectCount: values.length,
        subjectHashes: hashes,
        reference,
        note,
        receivedAt,
        dueAt,
        originalDueAt: dueAt,
        operationId: null,
        requestedByKeyId: actor.keyId,
        via: actor.via,
        operator: actor.operator ?? null,
        createdAt: now,
      });
      await this.audit(tx, actor, created, 'request.created', { received_at: receivedAt, due_at: dueAt });
      const op = erase
        ? await this.operations.insertPrepared(tx, actor, erase, now)
        : await this.operations.insertOne(
            tx,
            {
              accountId: actor.accountId,
              uuid: newUuid(),
              parentId: null,
              kind: ACCESS_KIND,
              action: 'export',
              selectorKind: kind,
              selectorSize: (person.values as unknown[]).length,
              params: { requestId: created.id, accountIds: accounts.map((a) => a.id), targetRows: prepared.targets.length, ...(reference ? { label: reference } : {}), ...(actor.operator ? { operator: actor.operator } : {}) },
              dryRun: false,
              state: 'queued',
              expected: 0,
              processed: 0,
              invalid: 0,
              duplicates: prepared.duplicates,
              requestedByKeyId: actor.keyId,
              via: actor.via,
              now,
            },
            prepared.targets,
          );
      return tx.requests.update(created.id, { operationId: op.id }, now);
    }, { lockAccounts: accounts.map((a) => a.id) });
    this.deps.notifyWork();
    return this.view(request);
  }

  /** A request of the acting account, by id or uuid; the key needs the scope of its type. */
  async get(actor: Actor, ref: number | string): Promise<RequestView> {
    return this.view(await this.find(actor, ref));
  }

  /** Newest first, of the types the key may see (admin: all), filtered; `nextCursor` continues. */
  async list(actor: Actor, query: RequestQuery): Promise<{ items: RequestView[]; nextCursor: string | null }> {
    const limit = checkPageLimit(query.limit ?? 50);
    if (query.state !== undefined && !(REQUEST_STATES as readonly string[]).includes(query.state)) throw invalid('state', `state is one of ${REQUEST_STATES.join(', ')}`);
    if (query.type !== undefined && !(REQUEST_TYPES as readonly string[]).includes(query.type)) throw invalid('type', `type is one of ${REQUEST_TYPES.join(', ')}`);
    if (query.dueBefore !== undefined && !Number.isSafeInteger(query.dueBefore)) throw invalid('due_before', 'due_before is a time');
    const visible = REQUEST_TYPES.filter((t) => hasScope(actor.scopes, scopeOf(t)));
    if (visible.length === 0) throw new AppError('FORBIDDEN', 'this key lacks the "read" or "erase" scope');
    const types = query.type === undefined ? visible : visible.filter((t) => t === query.type);
    if (types.length === 0) requireScope(actor, scopeOf(query.type as RequestType));
    const beforeId = decodeIdCursor(query.cursor);
    const rows = await this.deps.store.requests.list(actor.accountId, {
      types,
      limit: limit + 1,
      ...(query.state !== undefined ? { state: query.state as RequestState } : {}),
      ...(query.dueBefore !== undefined ? { dueBefore: query.dueBefore } : {}),
      ...(query.overdue ? { overdueAt: this.deps.clock.now() } : {}),
      ...(beforeId !== undefined ? { beforeId } : {}),
    });
    const items = await Promise.all(rows.slice(0, limit).map((r) => this.view(r)));
    return { items, nextCursor: rows.length > limit ? encodeIdCursor(items[items.length - 1]?.id ?? 0) : null };
  }

  /**
   * Rejects an open request with a reason (e.g. manifestly unfounded, identity not
   * verified). Its operation, if unfinished, is canceled: what is done stays done.
   */
  async reject(actor: Actor, ref: number | string, reason: unknown): Promise<RequestView> {
    const found = await this.find(actor, ref);
    const text = checkText('reason', reason, MAX_REASON, true);
    if (text === null) throw invalid('reason', `reason is 1 to ${MAX_REASON} characters`);
    if (!OPEN_REQUEST_STATES.includes(found.state)) throw new AppError('CONFLICT', `request ${found.id} is ${found.state}; only an open request can be rejected`);
    if (found.operationId !== null) {
      const op = await this.deps.store.operations.findById(actor.accountId, found.operationId);
      if (op && (op.state === 'queued' || op.state === 'processing')) await this.operations.cancel(actor, op.id);
    }
    const now = this.deps.clock.now();
    const updated = await this.deps.store.transaction(async (tx) => {
      const fresh = await tx.requests.findById(actor.accountId, found.id);
      if (!fresh || !OPEN_REQUEST_STATES.includes(fresh.state)) throw new AppError('CONFLICT', `request ${found.id} is no longer open`);
      const r = await tx.requests.update(fresh.id, { state: 'rejected', rejectedAt: now, rejectionReason: text }, now);
      await this.audit(tx, actor, r, 'request.rejected', { previous_state: fresh.state });
      return r;
    }, { lockAccounts: [actor.accountId] });
    return this.view(updated);
  }

  /**
   * Extends an open request's deadline, once, with a reason: to `dueAt` (default: the
   * latest the account allows, `request_max_days` after receipt), later than the current
   * deadline and no later than that maximum.
   */
  async extend(actor: Actor, ref: number | string, input: { reason: unknown; dueAt?: number }): Promise<RequestView> {
    const found = await this.find(actor, ref);
    const text = checkText('reason', input.reason, MAX_REASON, true);
    if (text === null) throw invalid('reason', `reason is 1 to ${MAX_REASON} characters`);
    if (!OPEN_REQUEST_STATES.includes(found.state)) throw new AppError('CONFLICT', `request ${found.id} is ${found.state}; only an open request can be extended`);
    if (found.extendedAt !== null) throw new AppError('CONFLICT', `request ${found.id} was already extended; a request is extended once`);
    const account = await this.deps.store.accounts.findById(found.accountId);
    if (!account) throw notFound('account');
    const latest = found.receivedAt + requestDeadlinesOf(account).maxDays * DAY_MS;
    const dueAt = input.dueAt ?? latest;
    if (!Number.isSafeInteger(dueAt)) throw invalid('due_at', 'due_at is a time');
    if (dueAt > latest) throw invalid('due_at', `due_at is at most ${new Date(latest).toISOString()} (${requestDeadlinesOf(account).maxDays} days after receipt)`);
    if (dueAt <= found.dueAt) throw invalid('due_at', `due_at is later than the current deadline, ${new Date(found.dueAt).toISOString()}`);
    const now = this.deps.clock.now();
    const updated = await this.deps.store.transaction(async (tx) => {
      const fresh = await tx.requests.findById(actor.accountId, found.id);
      if (!fresh || fresh.extendedAt !== null || !OPEN_REQUEST_STATES.includes(fresh.state)) throw new AppError('CONFLICT', `request ${found.id} can no longer be extended`);
      const r = await tx.requests.update(fresh.id, { dueAt, extendedAt: now, extensionReason: text }, now);
      await this.audit(tx, actor, r, 'request.extended', { previous_due_at: fresh.dueAt, due_at: dueAt });
      return r;
    }, { lockAccounts: [actor.accountId] });
    return this.view(updated);
  }

  /**
   * The export of a completed access request, for the key that made the request or an
   * admin, until it expires. Returns the request; read the records with `exportRecords`.
   */
  async exportOf(actor: Actor, ref: number | string): Promise<PrivacyRequest> {
    const r = await this.find(actor, ref);
    if (r.type !== 'access') throw new AppError('NOT_FOUND', 'an erasure request has no export');
    if (!hasScope(actor.scopes, 'admin') && (actor.keyId === null || actor.keyId !== r.requestedByKeyId)) {
      throw new AppError('FORBIDDEN', "an export is downloaded with the key that made the request, or an admin key");
    }
    if (r.exportDeletedAt !== null || (r.exportExpiresAt !== null && r.exportExpiresAt <= this.deps.clock.now())) {
      throw new AppError('CONFLICT', `the export of request ${r.id} expired and was deleted`);
    }
    if (r.exportReadyAt === null) throw new AppError('CONFLICT', `the export of request ${r.id} is not ready yet (state ${r.state})`);
    return r;
  }

  /** The records of one section of a ready export, read one stored part at a time (bounded memory). */
  async *exportRecords(request: PrivacyRequest, section: ExportSection): AsyncGenerator<ExportRecord> {
    let after = 0;
    for (;;) {
      const part = await this.deps.store.requests.nextPart(request.id, section, after);
      if (!part) return;
      after = part.seq;
      for (const record of JSON.parse(part.body) as ExportRecord[]) yield record;
    }
  }

  /** The accounts an export covers (ids and names), for its header. */
  async exportAccounts(request: PrivacyRequest): Promise<Array<{ id: number; name: string }>> {
    const op = request.operationId === null ? undefined : await this.deps.store.operations.findById(request.accountId, request.operationId);
    const ids = (op?.params.accountIds as number[] | undefined) ?? [request.accountId];
    const accounts = await Promise.all(ids.map((id) => this.deps.store.accounts.findById(id)));
    return accounts.flatMap((a) => (a ? [{ id: a.id, name: a.name }] : []));
  }

  /** The worker began a request's operation: the request is in progress (audited). Call in the worker's transaction. */
  async operationStarted(tx: Repositories, op: Operation): Promise<void> {
    const r = await tx.requests.findByOperation(op.parentId ?? op.id);
    if (!r || r.state !== 'received') return;
    const now = this.deps.clock.now();
    const updated = await tx.requests.update(r.id, { state: 'in_progress' }, now);
    await this.audit(tx, null, updated, 'request.in_progress', {});
  }

  /**
   * Operations ended and their storage was scrubbed: a request whose operation (every part
   * of it) has completed and been scrubbed completes. An erasure forgets its note (it may
   * name the person), and the exports of access requests that named the person by one of the
   * same identifiers are deleted at once; an access request's export becomes downloadable
   * for `EXPORT_TTL_DAYS`.
   */
  async operationsSettled(ops: ReadonlyArray<Pick<Operation, 'id' | 'parentId'>>): Promise<void> {
    const ids = [...new Set(ops.map((op) => op.parentId ?? op.id))];
    for (const id of ids) {
      const r = await this.deps.store.requests.findByOperation(id);
      if (!r || !OPEN_REQUEST_STATES.includes(r.state)) continue;
      // Read first, write only when it is done: the scheduler's pass calls this for every open request.
      const op = await this.deps.store.operations.findById(null, id);
      const parts = op && op.params.accounts === 'all' ? await this.deps.store.operations.children(op.id) : op ? [op] : [];
      if (!op || op.state !== 'completed' || !parts.every((p) => p.state === 'completed' && p.scrubbedAt !== null)) continue;
      await this.deps.store.transaction(async (tx) => {
        const fresh = await tx.requests.findByOperation(id);
        const op = await tx.operations.findById(null, id);
        if (!fresh || !op || !OPEN_REQUEST_STATES.includes(fresh.state)) return;
        const parts = op.params.accounts === 'all' ? await tx.operations.children(op.id) : [op];
        if (!parts.every((p) => p.state === 'completed' && p.scrubbedAt !== null) || op.state !== 'completed') return;
        const now = this.deps.clock.now();
        const patch = fresh.type === 'erasure' ? { note: null } : { exportReadyAt: now, exportExpiresAt: now + EXPORT_TTL_DAYS * DAY_MS };
        const done = await tx.requests.update(fresh.id, { ...patch, state: 'completed', completedAt: now }, now);
        await this.audit(tx, null, done, 'request.completed', { operation_id: op.id, contacts: op.counts.succeeded });
        if (fresh.type === 'erasure') {
          // Exports of the same person (named by one of the same identifiers) go with the person, now.
          const named = new Set(fresh.subjectHashes);
          for (const other of await tx.requests.liveExports(fresh.accountId, 1000)) {
            if (other.exportReadyAt !== null && other.subjectHashes.some((h) => named.has(h))) await tx.requests.update(other.id, { exportExpiresAt: now }, now);
          }
        }
      }, { lockAccounts: [r.accountId] });
      await this.expireExports();
    }
  }

  /**
   * The scheduler's pass: exports past their time are deleted, each recorded as a completed
   * `delete_export` operation whose storage scrub (the worker's) removes their bytes.
   */
  async expireExports(): Promise<number> {
    const now = this.deps.clock.now();
    const due = await this.deps.store.requests.expiredExports(now, 100);
    for (const r of due) {
      await this.deps.store.transaction(async (tx) => {
        const parts = await tx.requests.deleteParts(r.id);
        const updated = await tx.requests.update(r.id, { exportDeletedAt: now }, now);
        const actor: Actor = { accountId: r.accountId, keyAccountId: r.accountId, keyId: null, scopes: [], via: 'scheduler' };
        const op = await recordDoneOperation(this.deps, tx, actor, { kind: ACCESS_KIND, action: 'delete_export', selectorKind: 'request', params: { requestId: r.id } }, now, { needsScrub: true });
        await this.audit(tx, null, updated, 'request.export_deleted', { parts, operation_id: op.id });
      }, { lockAccounts: [r.accountId] });
    }
    if (due.length > 0) this.deps.notifyWork();
    return due.length;
  }

  /**
   * The scheduler's pass: open requests whose operations have settled complete (in case the
   * worker that scrubbed died before it could complete them), and expired exports are deleted.
   */
  async schedule(): Promise<{ expired: number }> {
    const open = await this.deps.store.requests.openOperationIds(1000);
    await this.operationsSettled(open.map((id) => ({ id, parentId: null })));
    return { expired: await this.expireExports() };
  }

  /** Open requests of every account: all, due within `DUE_SOON_DAYS`, overdue (for /metrics). */
  figures(): Promise<RequestFigures> {
    const now = this.deps.clock.now();
    return this.deps.store.requests.figures(now, now + DUE_SOON_DAYS * DAY_MS);
  }

  private async find(actor: Actor, ref: number | string): Promise<PrivacyRequest> {
    const r =
      typeof ref === 'number' || /^[0-9]+$/.test(ref)
        ? isId(Number(ref))
          ? await this.deps.store.requests.findById(actor.accountId, Number(ref))
          : undefined
        : await this.deps.store.requests.findByUuid(actor.accountId, ref.toLowerCase());
    if (!r) throw notFound('request');
    requireScope(actor, scopeOf(r.type));
    return r;
  }

  private async view(r: PrivacyRequest): Promise<RequestView> {
    const now = this.deps.clock.now();
    let operation: Operation | null = null;
    if (r.operationId !== null) {
      const op = await this.deps.store.operations.findById(r.accountId, r.operationId);
      if (op) operation = { ...withRates(op, now), children: op.params.accounts === 'all' ? (await this.deps.store.operations.children(op.id)).map((c) => withRates(c, now)) : [] };
    }
    return { ...r, overdue: OPEN_REQUEST_STATES.includes(r.state) && r.dueAt < now, operation };
  }

  /** A state change in the request's account chain: ids, kinds, counts and times only. */
  private audit(tx: Repositories, actor: Actor | null, r: PrivacyRequest, action: string, data: Record<string, string | number | boolean | null>) {
    return this.#audit.record(tx, {
      accountId: r.accountId,
      actorKeyId: actor?.keyId ?? null,
      via: actor?.via ?? 'worker',
      ...(actor?.operator ? { operator: actor.operator } : {}),
      action,
      subjectType: 'request',
      subjectId: String(r.id),
      data: { request_id: r.id, uuid: r.uuid, type: r.type, state: r.state, scope: r.scope, subject_kind: r.subjectKind, subject_count: r.subjectCount, due_at: r.dueAt, ...data },
    });
  }
}

