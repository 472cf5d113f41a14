/** Analytics of operations: counts per time bucket and state (Marketing Cloud's summary is a view of this). */

export const STATS_INTERVALS = { hour: 3_600_000, day: 86_400_000 } as const;
export type StatsInterval = keyof typeof STATS_INTERVALS;

/** Most buckets one query may span (about six weeks of hours, or 2.7 years of days). */
export const MAX_STATS_BUCKETS = 1000;

export interface OperationStatsQuery {
  accountId: number;
  /** Operations created at or after this time (epoch ms). */
  from: number;
  /** Operations created before this time (epoch ms). */
  to: number;
  /** Bucket width in ms; buckets start at multiples of it since the epoch (UTC hours or days). */
  bucketMs: number;
  kind?: string;
  action?: string;
}

/** One bucket and operation state: how many operations, and the contacts they named and affected. */
export interface OperationStatsRow {
  bucketStart: number;
  state: string;
  operations: number;
  /** Targets the operations set out to process (duplicates removed). */
  contacts: number;
  processed: number;
  succeeded: number;
  notFound: number;
  invalid: number;
  failed: number;
}

/** Port: the store's aggregate over an account's operations. */
export interface OperationStatsRepository {
  /**
   * Rows per (bucket, state) with any operation, by creation time. An operation counts in
   * its own account; a cross-account request's part in the requesting account itself is not
   * counted again beside the request.
   */
  bucketsByState(query: OperationStatsQuery): Promise<OperationStatsRow[]>;
  /** Server-wide figures (every account) for `/metrics`: counts and times, never values. */
  serverFigures(): Promise<ServerFigures>;
}

/** What the deletion engine is doing and owes, across every account. */
export interface ServerFigures {
  /** Operations (imports included) by state. */
  operationsByState: Record<string, number>;
  /** Contacts by lifecycle status. */
  contactsByStatus: Record<string, number>;
  /** Contacts erased by erase operations so far (single-contact erases included). */
  contactsErased: number;
  /** Creation time of the oldest operation still queued or processing (epoch ms), or null. */
  oldestPendingCreatedAt: number | null;
  /** Finished operations whose storage scrub is still owed. */
  scrubBacklog: number;
}
