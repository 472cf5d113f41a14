import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** Path and query, already encoded as they go on the wire. */
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

export interface RawAnswer {
  /** The status code, or 0 when the server closed the connection without answering. */
  status: number;
  /** The first 64 KB of the answer (status line, headers, body). */
  head: string;
  /** Why no answer came (a reset, a timeout), when status is 0. */
  error?: string;
}

/**
 * One HTTP/1.1 request over a socket of its own, sent byte for byte as given: unlike fetch
 * or node:http, nothing refuses a NUL in a header or a body that does not match its
 * content type before it leaves, so the server sees what an attacker's client would send.
 */
export function rawRequest(port: number, request: RawRequest, timeoutMs = 120_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const body = request.payload === undefined ? undefined : Buffer.isBuffer(request.payload) ? request.payload : Buffer.from(request.payload, 'utf8');
    const lines = [`${request.method} ${request.url} HTTP/1.1`, `host: 127.0.0.1:${port}`, 'connection: close'];
    for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value.replace(/[\r\n]/g, ' ')}`);
    if (body !== undefined) lines.push(`content-length: ${body.length}`);
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let kept = 0;
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const head = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, ...(status === 0 && error ? { error } : {}) });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      if (kept < 65_536) {
        chunks.push(chunk);
        kept += chunk.length;
      }
    });
    socket.on('end', () => finish());
    // A server that refuses a body early (413) may close while it is still being sent: its answer came first.
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
    socket.on('close', () => finish('closed'));
    socket.on('connect', () => {
      socket.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
      if (body !== undefined) socket.write(body);
    });
  });
}

/** The body of a raw answer (after the blank line), decoded as UTF-8; chunked encoding left as sent. */
export const bodyOf = (answer: RawAnswer): string => Buffer.from(answer.head.slice(answer.head.indexOf('\r\n\r\n') + 4), 'latin1').toString('utf8');
