import { AppError } from '../core/errors.js';

/**
 * Driver errors become AppError here and nowhere else. A driver's message may quote
 * the values it choked on, so it is kept as the cause (for logs that print no values) and
 * never becomes the message a client sees.
 */
export function translateDriverError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505') {
    return new AppError('ALREADY_EXISTS', 'a record with the same unique value already exists', { cause: error });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') {
    return new AppError('CONFLICT', 'the record refers to, or is referred to by, another record', { cause: error });
  }
  // SQLite's extended codes too (SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_RECOVERY, SQLITE_LOCKED_…):
  // another connection held the database past the busy timeout.
  const busy = typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
  if (busy || code === '40001' || code === '40P01') {
    return new AppError('CONFLICT', 'the database was busy; try again', { cause: error });
  }
  return error;
}

/** Runs a store call and translates what the driver throws. */
export async function withDriverErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateDriverError(error);
  }
}
