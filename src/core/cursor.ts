import { invalid } from './errors.js';

/**
 * Page cursors, opaque to clients: every listing of every surface encodes and reads them
 * here. A keyset cursor is the base64url of the page's last position (one or more numbers).
 */

export function encodeCursor(position: readonly number[]): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export interface CursorField {
  /** The parameter named in the 400 (default `cursor`). */
  field?: string;
  message?: string;
}

/** The keyset position in a cursor this API gave, of `length` numbers; 400 for anything else. */
export function decodeCursor(cursor: string | undefined, length: number, named: CursorField = {}): number[] | undefined {
  if (cursor === undefined) return undefined;
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    position = undefined;
  }
  if (!Array.isArray(position) || position.length !== length || !position.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw invalid(named.field ?? 'cursor', named.message ?? 'cursor is not one this API gave; pass next_cursor as it came');
  }
  return position as number[];
}

/**
 * The operations listings' cursors are the page's last id (or seq) in plain digits, as
 * they have been since the first release: kept so that a client's saved cursor still works.
 */
export const encodeIdCursor = (id: number): string => String(id);

export function decodeIdCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!/^[1-9][0-9]{0,15}$/.test(cursor)) throw invalid('cursor', 'cursor is not one this API gave');
  return Number(cursor);
}
