import type { Surface } from '../actor.js';
import type { ValueSelectorKind } from '../operations/operation.js';

/**
 * Privacy requests: a person's request to be forgotten (erasure, GDPR Art. 17) or to learn
 * what is held on them (access, Art. 15), with the deadline the law gives to answer
 * (Art. 12(3): one month, extendable once, with a reason, by two more).
 */
export const REQUEST_TYPES = ['erasure', 'access'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

/** `received` → `in_progress` → `completed`, or `rejected` (with a reason) before it completes. */
export const REQUEST_STATES = ['received', 'in_progress', 'completed', 'rejected'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];
export const OPEN_REQUEST_STATES: readonly RequestState[] = ['received', 'in_progress'];

/** The export sections, in the order the JSON document and the zip list them. */
export const EXPORT_SECTIONS = ['contacts', 'lists', 'events', 'audit', 'operations'] as const;
export type ExportSection = (typeof EXPORT_SECTIONS)[number];

/** The kind of operation that gathers an access request's export (and deletes it when it expires). */
export const ACCESS_KIND = 'request.access';

export interface PrivacyRequest {
  id: number;
  uuid: string;
  accountId: number;
  type: RequestType;
  state: RequestState;
  /** `self`: the account; `all`: the account and its sub-accounts. */
  scope: 'self' | 'all';
  /** How the person was named, how many identifiers, and their keyed hashes (never the identifiers). */
  subjectKind: ValueSelectorKind;
  subjectCount: number;
  subjectHashes: string[];
  reference: string | null;
  note: string | null;
  receivedAt: number;
  dueAt: number;
  originalDueAt: number;
  extendedAt: number | null;
  extensionReason: string | null;
  rejectedAt: number | null;
  rejectionReason: string | null;
  completedAt: number | null;
  operationId: number | null;
  exportReadyAt: number | null;
  exportExpiresAt: number | null;
  exportDeletedAt: number | null;
  requestedByKeyId: string | null;
  via: Surface;
  operator: string | null;
  createdAt: number;
  updatedAt: number;
}

export type NewPrivacyRequest = Omit<PrivacyRequest, 'id' | 'extendedAt' | 'extensionReason' | 'rejectedAt' | 'rejectionReason' | 'completedAt' | 'exportReadyAt' | 'exportExpiresAt' | 'exportDeletedAt' | 'updatedAt'>;

export type RequestPatch = Partial<
  Pick<PrivacyRequest, 'state' | 'dueAt' | 'extendedAt' | 'extensionReason' | 'rejectedAt' | 'rejectionReason' | 'completedAt' | 'operationId' | 'exportReadyAt' | 'exportExpiresAt' | 'exportDeletedAt' | 'note'>
>;

export interface RequestListQuery {
  state?: RequestState;
  /** Only these types (the key's scopes decide which it may see). */
  types: readonly RequestType[];
  dueBefore?: number;
  /** Open and due before this time. */
  overdueAt?: number;
  beforeId?: number;
  limit: number;
}

/** Open requests across every account, for the metrics. */
export interface RequestFigures {
  open: number;
  dueSoon: number;
  overdue: number;
}

/** One stored part of an export: a section's records, as a JSON array. */
export interface ExportPart {
  seq: number;
  accountId: number;
  section: ExportSection;
  body: string;
}

/** Port: stored privacy requests and their exports. Reads for callers are scoped by account. */
export interface PrivacyRequestsRepository {
  insert(request: NewPrivacyRequest): Promise<PrivacyRequest>;
  findById(accountId: number, id: number): Promise<PrivacyRequest | undefined>;
  findByUuid(accountId: number, uuid: string): Promise<PrivacyRequest | undefined>;
  /** The request an operation runs (any account: the worker's side). */
  findByOperation(operationId: number): Promise<PrivacyRequest | undefined>;
  /** Newest first. */
  list(accountId: number, query: RequestListQuery): Promise<PrivacyRequest[]>;
  update(id: number, patch: RequestPatch, now: number): Promise<PrivacyRequest>;
  /** Open requests of every account: all, due before `soonAt`, due before `now`. */
  figures(now: number, soonAt: number): Promise<RequestFigures>;
  /** The operations of open requests (any account), at most `limit`. */
  openOperationIds(limit: number): Promise<number[]>;
  /** The account's access requests whose export exists (ready or being written, not yet deleted). */
  liveExports(accountId: number, limit: number): Promise<PrivacyRequest[]>;
  /** Requests whose export is ready and has expired (not yet deleted). */
  expiredExports(now: number, limit: number): Promise<PrivacyRequest[]>;
  addPart(requestId: number, part: ExportPart): Promise<void>;
  /** The next part of a section after `afterSeq`, in seq order. */
  nextPart(requestId: number, section: ExportSection, afterSeq: number): Promise<ExportPart | undefined>;
  /** Removes every part of the request's export; how many there were. */
  deleteParts(requestId: number): Promise<number>;
}
