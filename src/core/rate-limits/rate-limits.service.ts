import type { CoreDeps } from '../context.js';
import { AppError } from '../errors.js';
import type { RateLimitPolicy, RateLimitState } from './rate-limit.js';

export class RateLimitsService {
  constructor(private readonly deps: CoreDeps) {}

  /**
   * Counts one request against the account's policy and says whether it is within the
   * limit. Requests over the limit are counted too (they were made), so that every
   * process agrees the window is spent; the first `limit` requests of a window pass.
   */
  async hit(accountId: number, policy: RateLimitPolicy, keyId: string | null = null): Promise<RateLimitState> {
    checkPolicy(policy);
    const windowStart = this.windowStart(policy);
    const bucket = policy.per === 'key' && keyId !== null ? `${policy.bucket}:key:${keyId}` : policy.bucket;
    const count = await this.deps.store.rateLimits.hit(accountId, bucket, windowStart);
    return stateOf(policy, windowStart, count, count <= policy.limit);
  }

  /** Where the account stands without counting a request (for answers that are not counted). */
  async peek(accountId: number, policy: RateLimitPolicy): Promise<RateLimitState> {
    checkPolicy(policy);
    const windowStart = this.windowStart(policy);
    const count = await this.deps.store.rateLimits.count(accountId, policy.bucket, windowStart);
    return stateOf(policy, windowStart, count, count < policy.limit);
  }

  /** The state of a window nobody has counted in yet (e.g. for a request without an account). */
  fresh(policy: RateLimitPolicy): RateLimitState {
    checkPolicy(policy);
    return stateOf(policy, this.windowStart(policy), 0, true);
  }

  private windowStart(policy: RateLimitPolicy): number {
    const now = this.deps.clock.now();
    return now - (now % policy.windowMs);
  }
}

/** The refusal for a request over its limit. */
export const rateLimited = (): AppError => new AppError('RATE_LIMITED', 'too many requests');

function checkPolicy(policy: RateLimitPolicy): void {
  if (!Number.isInteger(policy.limit) || policy.limit < 1 || !Number.isInteger(policy.windowMs) || policy.windowMs < 1) {
    throw new AppError('INTERNAL', 'a rate limit policy needs a positive integer limit and window');
  }
}

const stateOf = (policy: RateLimitPolicy, windowStart: number, count: number, allowed: boolean): RateLimitState => ({
  limit: policy.limit,
  remaining: Math.max(0, policy.limit - count),
  resetAt: windowStart + policy.windowMs,
  allowed,
});
