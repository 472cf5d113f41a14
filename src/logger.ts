import pino from 'pino';
import type { Logger, LoggerOptions } from 'pino';

export type { Logger };

/**
 * Structured logs with no personal data. Request lines carry the route pattern, never
 * the raw URL (Mailjet paths hold email addresses); errors carry their type, code and
 * stack frames, never a driver's message (which may quote the values it choked on).
 */
export function createLogger(level: LoggerOptions['level'] = 'info', destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'lethe' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: safeError, error: safeError },
  };
  return destination ? pino(options, destination) : pino(options);
}

interface SafeError {
  type: string;
  code?: string;
  stack?: string;
  cause?: SafeError;
}

/** No message is logged: even Lethe's own may quote an input (a rejected address). Type, code and frames locate the fault. */
export function safeError(error: unknown, depth = 0): SafeError {
  if (!(error instanceof Error)) return { type: typeof error };
  const code = (error as { code?: unknown }).code;
  const frames = (error.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at ')).join('\n');
  return {
    type: error.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
    stack: frames,
    ...(error.cause !== undefined && depth < 3 ? { cause: safeError(error.cause, depth + 1) } : {}),
  };
}
