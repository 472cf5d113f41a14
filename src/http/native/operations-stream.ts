import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Operation } from '../../core/operations/operation.js';
import { isFinal, presentOperation } from './operations.wire.js';

/** How often a stream reads the operation again. */
export const STREAM_POLL_MS = 250;
/** How often a stream asks again whether its key may still read (a revoked key ends it). */
export const STREAM_KEY_RECHECK_MS = 2000;
/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/**
 * Answers Server-Sent Events of an operation's progress: `progress` whenever what GET
 * shows changes, then `done` once it is final, and the stream ends. It reads the operation
 * every STREAM_POLL_MS, so every server process can serve it whichever process does the
 * work; it stops reading when the client goes away. Every STREAM_KEY_RECHECK_MS it asks
 * `keyActive` again: once the key is revoked, one `error` event (UNAUTHENTICATED) and the
 * stream ends, so that it never outlives its key.
 */
export function streamProgress(request: FastifyRequest, reply: FastifyReply, first: Operation, load: () => Promise<Operation>, keyActive: () => Promise<boolean>): FastifyReply {
  const gone = new AbortController();
  request.raw.once('close', () => gone.abort());
  reply.raw.once('close', () => gone.abort());

  async function* events(): AsyncGenerator<string> {
    yield 'retry: 2000\n\n';
    let operation = first;
    let last = '';
    let lastWrite = Date.now();
    let lastKeyCheck = Date.now();
    for (;;) {
      const data = JSON.stringify(presentOperation(operation));
      const final = isFinal(operation.state);
      if (data !== last || final) {
        yield `event: ${final ? 'done' : 'progress'}\nid: ${operation.counts.processed}\ndata: ${data}\n\n`;
        last = data;
        lastWrite = Date.now();
      } else if (Date.now() - lastWrite >= KEEPALIVE_MS) {
        yield ': keep-alive\n\n';
        lastWrite = Date.now();
      }
      if (final) return;
      try {
        await sleep(STREAM_POLL_MS, undefined, { signal: gone.signal });
      } catch {
        return;
      }
      if (Date.now() - lastKeyCheck >= STREAM_KEY_RECHECK_MS) {
        lastKeyCheck = Date.now();
        if (!(await keyActive())) {
          yield `event: error\ndata: ${JSON.stringify({ code: 'UNAUTHENTICATED', detail: 'the API key was revoked' })}\n\n`;
          return;
        }
      }
      operation = await load();
    }
  }

  return reply
    .status(200)
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache, no-transform')
    .header('x-accel-buffering', 'no')
    .send(Readable.from(events(), { objectMode: false }));
}
