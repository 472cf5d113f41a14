/**
 * Per-account request limits in fixed windows, counted in the database so that every
 * server process sharing it sees the same count.
 */
export interface RateLimitPolicy {
  /** A stable name for what is counted, e.g. `sendgrid.erasejob`. */
  bucket: string;
  /** Requests accepted per window. */
  limit: number;
  /** Window length in milliseconds (windows start at multiples of it since the epoch). */
  windowMs: number;
  /**
   * Whom the count is for: the acting account (default), or each key of it on its own
   * (Constant Contact limits per API key). A request without a key counts for the account.
   */
  per?: 'account' | 'key';
}

/** Where an account stands in the current window, after (or without) the request at hand. */
export interface RateLimitState {
  limit: number;
  /** Requests still accepted in this window. */
  remaining: number;
  /** Epoch ms at which the window ends and the count starts again. */
  resetAt: number;
  /** Whether the request at hand is within the limit. */
  allowed: boolean;
}

/** Port: window counters (table `rate_limits`). */
export interface RateLimitsRepository {
  /**
   * Adds one request to the account's bucket in the window starting at `windowStart`,
   * atomically (one upsert-increment, safe across processes), and returns the window's
   * count including it. Opening a new window removes the bucket's older ones.
   */
  hit(accountId: number, bucket: string, windowStart: number): Promise<number>;
  /** The window's count so far (0 when none). */
  count(accountId: number, bucket: string, windowStart: number): Promise<number>;
}
