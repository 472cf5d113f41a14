import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** `LETHE_PUBLIC_URL` (config `publicUrl`), when set: the base of links in responses. */
    publicUrl: string | undefined;
  }
}

/**
 * The base URL of links Lethe puts in responses (SendGrid's `_metadata.self`, `errors_url`):
 * the configured public URL, so that a forged `Host` header cannot point them elsewhere;
 * when none is configured, the request's protocol and host, as before.
 */
export function publicBaseUrl(request: FastifyRequest): string {
  return request.server.publicUrl ?? `${request.protocol}://${request.host}`;
}
