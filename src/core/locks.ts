/**
 * Row locks a read may ask for inside a transaction, so that another writer (an erasure,
 * a soft delete) cannot change the rows between this read and the writes that follow.
 * The store takes them where the engine has several writers; a single-writer engine's
 * write transaction already excludes every other writer.
 * - `update`: the rows are about to be written (FOR UPDATE);
 * - `share`: the rows must stay as read, others may read-lock them too (FOR SHARE).
 */
export interface LockOptions {
  lock?: 'update' | 'share';
}
