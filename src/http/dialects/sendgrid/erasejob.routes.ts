import type { SurfaceApp, SurfaceContext } from '../../surface.js';
import { Type } from 'typebox';
import { isValidEmail } from '../../../core/email.js';
import { AppError, notFound } from '../../../core/errors.js';
import { isUuid } from '../../../core/refs.js';
import { EraseJob, presentEraseJob } from './jobs.wire.js';
import { ErrorRef, JobId } from './schemas.js';

/** SendGrid's erase job takes 1 to 5,000 addresses and at most 256 KB, whichever comes first. */
export const ERASEJOB_MAX_ADDRESSES = 5000;
export const ERASEJOB_MAX_BYTES = 256 * 1024;

export async function eraseJobRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.post('/erasejob', {
    config: { scope: 'erase', limit: 'erasejob' },
    bodyLimit: ERASEJOB_MAX_BYTES,
    schema: {
      summary: `SendGrid: erase the personal data and message history of the contacts with these addresses (1 to ${ERASEJOB_MAX_ADDRESSES}, at most 256 KB), in the calling account only (or the on-behalf-of sub-account); rate-limited per account`,
      body: Type.Object({
        email_addresses: Type.Array(Type.String(), { minItems: 1, maxItems: ERASEJOB_MAX_ADDRESSES }),
      }),
      response: { 202: JobId, 413: ErrorRef },
    },
  }, async (request, reply) => {
    const addresses = [...new Set(request.body.email_addresses.map((a) => a.trim()))];
    const bad = addresses.filter((address) => !isValidEmail(address));
    if (bad.length > 0) {
      // SendGrid names each bad address in its answer; the caller sent them, nothing is logged or queued.
      throw new AppError('VALIDATION_FAILED', 'invalid email addresses', {
        details: bad.map((address) => ({ field: 'email_addresses', message: `Email_address ${address} is not valid` })),
      });
    }
    // The engine deduplicates addresses as Lethe compares them (case-insensitively).
    const operation = await core.operations.create(request.actor, { action: 'erase', selector: { kind: 'emails', values: addresses }, label: 'sendgrid.erasejob' });
    return reply.status(202).send({ job_id: operation.uuid });
  });

  app.get('/erasejob/:job_id', {
    config: { scope: 'read' },
    schema: {
      summary: 'Lethe extension to SendGrid (SendGrid documents no status endpoint): the status and counts of an erase job; needs recipients.erasejob.read',
      params: Type.Object({ job_id: Type.String({ minLength: 1, maxLength: 64 }) }),
      response: { 200: EraseJob },
    },
  }, async (request) => {
    if (!isUuid(request.params.job_id)) throw notFound('erase job');
    const operation = await core.operations.get(request.actor, request.params.job_id);
    if (operation.action !== 'erase') throw notFound('erase job');
    return presentEraseJob(operation);
  });
}
