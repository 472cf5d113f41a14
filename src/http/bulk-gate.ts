import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../core/errors.js';

/** Seconds a client refused by the gate is told to wait (`Retry-After`). */
export const BULK_RETRY_AFTER_SECONDS = 5;

/**
 * How many large bodies the whole server reads and works on at once. A body over the
 * server-wide limit (1 MB) on one of the bulk routes (a million-address operation, an
 * import, Marketing Cloud's delete) holds hundreds of megabytes while it is parsed and
 * stored; without a bound, a few at once (any key with `read` may send a dry run) take the
 * process, and its embedded worker, down. One permit per such request, taken once its key
 * and scope have been checked and before its body is read, given back when its answer has
 * gone (or its client has gone).
 */
export class BulkGate {
  #inFlight = 0;
  constructor(readonly max: number) {}

  get inFlight(): number {
    return this.#inFlight;
  }

  tryEnter(): boolean {
    if (this.#inFlight >= this.max) return false;
    this.#inFlight++;
    return true;
  }

  leave(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
  }
}

/**
 * The onRequest hook that takes a permit for a large body (after the surface's guard: a
 * request without the key or scope never takes one). Refused with RATE_LIMITED (429 in the
 * surface's shape) and `Retry-After` while the permits are taken. A body larger than its
 * route's limit is refused unread anyway, and a small one never waits.
 */
export function bulkGateHook(gate: BulkGate, config: Readonly<Config>) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const limit = request.routeOptions.bodyLimit ?? config.bodyLimit;
    if (limit <= config.bodyLimit) return;
    const declared = request.headers['content-length'];
    const length = declared === undefined ? undefined : Number(declared);
    // Chunked (no length): the size is known only once read, so it counts as large.
    const large = length === undefined ? request.headers['transfer-encoding'] !== undefined : length > config.bodyLimit && length <= limit;
    if (!large) return;
    if (!gate.tryEnter()) {
      reply.header('retry-after', String(BULK_RETRY_AFTER_SECONDS));
      throw new AppError('RATE_LIMITED', `the server is working on ${gate.max === 1 ? 'another large request' : `${gate.max} other large requests`}; retry in ${BULK_RETRY_AFTER_SECONDS} seconds`);
    }
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      gate.leave();
    };
    // The answer sent (or given up); a client gone mid-body closes only its socket.
    reply.raw.once('close', leave);
    request.raw.socket?.once('close', leave);
  };
}
