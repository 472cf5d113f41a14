import type { Surface } from '../actor.js';

/** What a deletion operation does to the contacts it selects. */
export const OPERATION_ACTIONS = ['soft_delete', 'restore', 'erase', 'purge'] as const;
export type OperationAction = (typeof OPERATION_ACTIONS)[number];

/** Which contacts an operation names. Value lists are raw request values: invalid ones are counted per item, never fatal. */
export type Selector =
  | { kind: 'ids'; values: unknown[] }
  | { kind: 'uuids'; values: unknown[] }
  | { kind: 'external_keys'; values: unknown[] }
  | { kind: 'emails'; values: unknown[] }
  | { kind: 'list'; listId: number }
  /** The members of any of these lists (at most `MAX_SELECTOR_LISTS`). */
  | { kind: 'lists'; listIds: number[] }
  | { kind: 'all' };

/** Most lists a `lists` selector names. */
export const MAX_SELECTOR_LISTS = 100;

export type SelectorKind = Selector['kind'];
/** Selectors whose values are stored as targets, one row per distinct value. */
export const VALUE_SELECTOR_KINDS = ['ids', 'uuids', 'external_keys', 'emails'] as const;
export type ValueSelectorKind = (typeof VALUE_SELECTOR_KINDS)[number];

/** Most values one request may name. */
export const MAX_TARGETS = 1_000_000;

export interface CreateOperationInput {
  action: OperationAction;
  selector: Selector;
  dryRun?: boolean;
  /** 'all': the acting (parent) account and all its sub-accounts; erase by emails only. Default 'self'. */
  accounts?: 'self' | 'all';
  /** restore only: list ids to put restored contacts on. */
  restoreToLists?: number[];
  /** A label for the dialect's job type (e.g. 'sendgrid.delete_contacts'); stored in params, shown back. */
  label?: string;
  /**
   * soft_delete only: which of the account's windows the deleted contacts stay restorable
   * for before they are purged: `restore` (default, `restore_window_days`) or `suppression`
   * (`suppression_window_days`, Marketing Cloud's Contact Delete: phase one suppresses,
   * phase two purges). Read once, when the operation is created.
   */
  window?: 'restore' | 'suppression';
  /** A list selector only: delete the list itself once the operation has completed. */
  deleteListWhenCompleted?: boolean;
}

export const OPERATION_STATES = ['queued', 'processing', 'completed', 'failed', 'canceled'] as const;
export type OperationState = (typeof OPERATION_STATES)[number];
export const TERMINAL_STATES: readonly OperationState[] = ['completed', 'failed', 'canceled'];

export interface OperationCounts {
  expected: number;
  processed: number;
  succeeded: number;
  notFound: number;
  invalid: number;
  failed: number;
  skipped: number;
  duplicates: number;
}

export interface Operation {
  id: number;
  uuid: string;
  accountId: number;
  parentId: number | null;
  /** 'operation' for deletion work, 'import.contacts' for imports. */
  kind: string;
  /** OperationAction, or 'import'. */
  action: string;
  label: string | null;
  selectorKind: string;
  selectorSize: number;
  dryRun: boolean;
  state: OperationState;
  counts: OperationCounts;
  /** Epoch ms. */
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  ratePerSecond: number | null;
  etaSeconds: number | null;
  via: Surface;
  requestedByKeyId: string | null;
  /** The person who asked without a key (CLI `--by` or the OS user); null otherwise. */
  operator?: string | null;
  error: { code: string; message: string } | null;
  /** Per-account parts of a cross-account request ([] otherwise). */
  children: Operation[];
  /** Kind-specific parameters (list id, restore lists, import options): never personal data. */
  params: Record<string, unknown>;
  /** When the storage of touched tables was scrubbed after the operation (erase, purge). */
  scrubbedAt: number | null;
  cancelRequestedAt: number | null;
  chunksTotal: number;
  chunksDone: number;
  attempts: number;
}

/** The deletion kind; imports register their own. */
export const DELETION_KIND = 'operation';

/** What happened to one named target. */
export const TARGET_OUTCOMES = ['pending', 'done', 'not_found', 'invalid', 'failed', 'skipped'] as const;
export type TargetOutcome = (typeof TARGET_OUTCOMES)[number];

export interface OperationTarget {
  seq: number;
  /** The raw value, only while the target is pending; null afterwards. */
  value: string | null;
  /** Keyed hash of the (normalized) value, set when the target is processed: what stays of it. */
  valueHash: string | null;
  contactId: number | null;
  outcome: TargetOutcome;
  /** Why, for invalid, skipped and failed targets (never the value). */
  detail: string | null;
}

export interface OperationListQuery {
  state?: OperationState;
  action?: string;
  kind?: string;
  /** The surface it came through (`native`, `sendgrid`, `cli`, …). */
  via?: string;
  /** created_at >= from (epoch ms). */
  from?: number;
  /** created_at < to (epoch ms). */
  to?: number;
  cursor?: string;
  limit?: number;
}

export interface TargetQuery {
  outcome?: TargetOutcome;
  cursor?: string;
  limit?: number;
}

/** One bounded piece of an operation's work: a range of target seqs or of contact ids, inclusive. */
export interface OperationChunk {
  operationId: number;
  chunkNo: number;
  accountId: number;
  rangeStart: number;
  rangeEnd: number;
}

/** Counts a chunk adds to its operation (all optional, default 0). */
export type CountsDelta = Partial<Omit<OperationCounts, 'expected' | 'duplicates'>>;

/** A new operation as the repository stores it. */
export interface NewOperation {
  accountId: number;
  uuid: string;
  parentId: number | null;
  kind: string;
  action: string;
  selectorKind: string;
  selectorSize: number;
  params: Record<string, unknown>;
  dryRun: boolean;
  state: OperationState;
  expected: number;
  processed: number;
  invalid: number;
  duplicates: number;
  requestedByKeyId: string | null;
  via: Surface;
  now: number;
}

/** A target row as create writes it. */
export interface NewTarget {
  seq: number;
  value: string | null;
  valueHash: string | null;
  outcome: TargetOutcome;
  detail: string | null;
}

/** Bound values one target row takes in a multi-row insert: callers size runs with it. */
export const TARGET_BIND_PARAMS_PER_ROW = 7;

/** Port: stored operations, their chunks and targets. Reads for callers are scoped by account. */
export interface OperationsRepository {
  insert(operation: NewOperation): Promise<Operation>;
  /** Multi-row inserts, sized under the bind limit. */
  insertTargets(operationId: number, accountId: number, targets: readonly NewTarget[]): Promise<void>;
  /** By id, in the account; `accountId` null only for the worker, which serves every account. */
  findById(accountId: number | null, id: number): Promise<Operation | undefined>;
  findByUuid(accountId: number, uuid: string): Promise<Operation | undefined>;
  children(parentId: number): Promise<Operation[]>;
  /** Newest first. `beforeId` pages; `excludeChildren` drops parts of cross-account requests. */
  list(accountId: number, query: { state?: string; action?: string; kind?: string; via?: string; from?: number; to?: number; beforeId?: number; limit: number; excludeChildren: boolean }): Promise<Operation[]>;
  targets(accountId: number, operationId: number, query: { outcome?: string; afterSeq?: number; limit: number }): Promise<OperationTarget[]>;
  /** Pending targets of a seq range, locked for this chunk. */
  pendingTargets(operationId: number, start: number, end: number): Promise<Array<{ seq: number; value: string | null; valueHash: string | null }>>;
  /** Records outcomes and forgets the raw values: value NULL, only the keyed hash stays. */
  settleTargets(operationId: number, targets: ReadonlyArray<{ seq: number; valueHash: string }>, outcome: string, detail: string | null): Promise<void>;
  /** Forgets the raw values of targets never processed (canceled or failed operations). */
  forgetPendingValues(operationId: number): Promise<void>;
  requestCancel(id: number, now: number): Promise<void>;

  // The worker's side.
  /** A queued operation due to run, locked (SKIP LOCKED where several workers run). */
  claimQueued(now: number): Promise<Operation | undefined>;
  /** Writes the plan: chunks, expected count, state processing, the lease. */
  savePlan(id: number, chunks: ReadonlyArray<{ rangeStart: number; rangeEnd: number }>, expected: number | undefined, now: number, lease: Lease): Promise<void>;
  /** A pending chunk of a running, uncanceled operation, locked (SKIP LOCKED where several workers run). */
  claimChunk(now: number): Promise<OperationChunk | undefined>;
  /** Marks the chunk done and adds its counts, renewing the lease: the progress commits with the work. */
  completeChunk(chunk: OperationChunk, delta: CountsDelta, now: number, lease: Lease): Promise<Operation>;
  addCounts(id: number, delta: CountsDelta & { expected?: number }, now: number): Promise<void>;
  /**
   * `scrubLease`: the worker that scrubs right after reserves the scrub still owed; others
   * take it up once the lease lapses (the worker died, or stopped renewing). Without one,
   * the scrub is anyone's at once.
   */
  finish(id: number, state: OperationState, now: number, options: { error?: { code: string; message: string }; scrubbed: boolean; scrubLease?: Lease }): Promise<void>;
  cancelPendingChunks(id: number): Promise<void>;
  /** Running or queued operations whose cancel was requested. */
  claimCancelRequested(now: number): Promise<Operation | undefined>;
  unfinishedChildren(parentId: number): Promise<number>;
  /** A failed operation queued again from its plan: its chunks dropped (the plan makes them anew), attempts and error cleared. */
  requeue(id: number, now: number): Promise<void>;
  /** After a failed attempt: count it and wait before the next. */
  retryLater(id: number, runAfter: number, error: { code: string; message: string }): Promise<number>;
  /**
   * Up to `limit` ended operations whose scrub is due and unreserved (or whose reserving
   * worker let its lease lapse), oldest first, reserved to `lease` (one scrub serves them all).
   */
  claimScrubs(now: number, lease: Lease, limit: number): Promise<Operation[]>;
  /** The scrubbing worker's heartbeat: its reservation of these scrubs lasts until `lease.expiresAt`. */
  renewScrubLease(ids: readonly number[], lease: Lease): Promise<void>;
  markScrubbed(id: number, now: number): Promise<void>;
  /** The scrub could not run (readers held the database): anyone's again from `runAfter`. */
  postponeScrub(id: number, runAfter: number): Promise<void>;
  /** When the earliest scrub still owed may be taken up (now or later), or undefined when none is owed. */
  nextScrubOwedAt(): Promise<number | undefined>;
  /** How many of the account's operations are queued or processing. */
  countUnfinished(accountId: number): Promise<number>;
  /** The account's operations with a target whose keyed hash is one of these (what named a person), oldest first, at most `limit`. */
  findByTargetHashes(accountId: number, valueHashes: readonly string[], limit: number): Promise<Operation[]>;
  /** Whether the account has a scheduler purge not yet ended. */
  hasActiveSchedulerPurge(accountId: number): Promise<boolean>;
}

export interface Lease {
  owner: string;
  expiresAt: number;
}
