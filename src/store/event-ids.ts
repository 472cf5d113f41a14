import { randomInt } from 'node:crypto';

/** Ids per millisecond before the counter borrows from the next millisecond. */
const PER_MS = 2048;

/**
 * Ids of events, made by the store because the table has no sequence. The events table
 * is keyed (contact_id, id) and SQLite stores it WITHOUT ROWID, in key order: a contact's
 * events sit together, so erasing or purging them rewrites one contiguous range instead of
 * pages scattered over the table. An auto-increment would need a rowid table (or, on
 * PostgreSQL, a sequence that orders nothing by contact).
 *
 * An id is `milliseconds × 2048 + counter`: increasing within a process, unique within it,
 * and below 2^53 until the year 2109, so JSON carries it exactly. The counter starts at a
 * random value per process, so two processes writing events of the same contact in the
 * same millisecond rarely pick the same id; the repository retries that rare collision.
 */
export class EventIdGenerator {
  #last = 0;
  readonly #start: number;
  readonly #now: () => number;

  constructor(now: () => number = Date.now, start: number = randomInt(0, PER_MS)) {
    this.#now = now;
    this.#start = start;
  }

  next(): number {
    this.#last = Math.max(this.#last + 1, this.#now() * PER_MS + this.#start);
    return this.#last;
  }
}

/** The process's generator: every repository instance (one per transaction) shares it. */
export const eventIds = new EventIdGenerator();
