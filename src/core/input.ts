import { AppError, invalid } from './errors.js';
import type { ErrorDetail } from './errors.js';

/** Input rules shared by every area's use cases. */

/** Largest page of any listing. */
export const MAX_PAGE = 1000;

/** Throws one VALIDATION_FAILED carrying every problem, led by the first. */
export function throwIfProblems(problems: readonly ErrorDetail[]): void {
  const first = problems[0];
  if (first) throw new AppError('VALIDATION_FAILED', first.message, { ...(first.field ? { field: first.field } : {}), details: [...problems] });
}

export function checkPageLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw invalid('limit', `limit is 1 to ${MAX_PAGE}`);
  return limit;
}

/** Ids are positive integers that JSON carries exactly. */
export const isId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

/** A page of `limit` from rows fetched with `limit + 1`, and the id to continue after (null on the last page). */
export function pageOf<T extends { id: number }>(rows: readonly T[], limit: number): { items: T[]; nextAfterId: number | null } {
  const items = rows.slice(0, limit);
  return { items, nextAfterId: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}
