import { AppError, invalid } from '../errors.js';
import { isId } from '../input.js';
import type { Repositories, Store } from '../ports.js';
import { CONTACT_LIMITS } from './contact-input.js';

/** Most lists one write may add contacts to. */
export const MAX_LISTS_PER_WRITE = 100;

export function checkSource(source: string): string {
  if (typeof source !== 'string' || source.length === 0 || source.length > CONTACT_LIMITS.source) {
    throw invalid('source', `a source is 1 to ${CONTACT_LIMITS.source} characters`);
  }
  return source;
}

/** Checks that every list id is a list of the account; returns them without repeats. */
/** Inside a transaction, the lists are share-locked so that none is deleted before the memberships are written. */
export async function checkListIds(store: Repositories | Store, accountId: number, listIds: readonly number[] | undefined): Promise<number[]> {
  if (!listIds || listIds.length === 0) return [];
  if (listIds.length > MAX_LISTS_PER_WRITE) throw invalid('list_ids', `at most ${MAX_LISTS_PER_WRITE} lists at once`);
  if (!listIds.every(isId)) throw invalid('list_ids', 'list ids are positive integers');
  const unique = [...new Set(listIds)];
  const existing = await store.lists.existingIds(accountId, unique, { lock: 'share' });
  const unknown = unique.filter((id) => !existing.has(id));
  if (unknown.length > 0) throw new AppError('NOT_FOUND', `list(s) not found: ${unknown.join(', ')}`, { field: 'list_ids' });
  return unique;
}
