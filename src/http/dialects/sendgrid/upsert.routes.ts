import type { SurfaceApp, SurfaceContext } from '../../surface.js';
import { Type } from 'typebox';
import { AppError } from '../../../core/errors.js';
import type { ErrorDetail } from '../../../core/errors.js';
import { ContactRequest, importRowOf } from './contacts.wire.js';
import type { SendGridContactRequest } from './contacts.wire.js';
import { ErrorRef, JobId } from './schemas.js';

/** SendGrid's caps on one upsert: 30,000 contacts or 6 MB. */
export const UPSERT_MAX_CONTACTS = 30_000;
export const UPSERT_MAX_BYTES = 6 * 1024 * 1024;

const IDENTIFIERS = ['email', 'phone_number_id', 'external_id', 'anonymous_id'] as const;

export async function upsertRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.put('/contacts', {
    // A contact is an object with at most two more (alternate_emails, custom_fields).
    config: { scope: 'write', bodyText: { perItem: ['contacts'] }, json: { containers: UPSERT_MAX_CONTACTS * 3 + 16 } },
    bodyLimit: UPSERT_MAX_BYTES,
    schema: {
      summary: `SendGrid: create or update up to ${UPSERT_MAX_CONTACTS} contacts (6 MB), matched by email, as a job; poll GET /v3/marketing/contacts/imports/{id}`,
      body: Type.Object({
        list_ids: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100, description: 'Uuids of lists every contact joins' })),
        contacts: Type.Array(ContactRequest, { minItems: 1, maxItems: UPSERT_MAX_CONTACTS }),
      }),
      response: { 202: JobId, 413: ErrorRef },
    },
  }, async (request, reply) => {
    const contacts = request.body.contacts as SendGridContactRequest[];
    // SendGrid refuses the request when a contact has no identifier at all.
    const missing: ErrorDetail[] = contacts.flatMap((contact, index) =>
      IDENTIFIERS.some((name) => typeof contact[name] === 'string' && contact[name] !== '')
        ? []
        : [{ field: `contacts[${index}]`, message: `contacts[${index}] needs one of ${IDENTIFIERS.join(', ')}` }],
    );
    if (missing.length > 0) throw new AppError('VALIDATION_FAILED', missing[0]?.message ?? 'invalid contacts', { details: missing });

    const uuids = request.body.list_ids ?? [];
    const lists = await core.lists.getManyByUuids(request.actor, uuids);
    const unknown = uuids.filter((uuid) => !lists.some((l) => l.uuid === uuid));
    if (unknown.length > 0) throw new AppError('VALIDATION_FAILED', 'list_ids names lists that do not exist', { details: unknown.map(() => ({ field: 'list_ids', message: 'list_ids names a list that does not exist' })) });

    // Matched by email; by external_id only when no contact of the request has an email.
    // A contact without the key the request is matched by is refused now, not as a failed row
    // of the job (its values would wait in the job until then).
    const matchBy = contacts.some((c) => c.email !== undefined) ? 'email' : 'externalKey';
    const key = matchBy === 'email' ? 'email' : 'external_id';
    const unmatched: ErrorDetail[] = contacts.flatMap((contact, index) =>
      typeof contact[key] === 'string' && contact[key] !== '' ? [] : [{ field: `contacts[${index}]`, message: `contacts[${index}] needs ${key}: this request matches contacts by ${key}` }],
    );
    if (unmatched.length > 0) throw new AppError('VALIDATION_FAILED', unmatched[0]?.message ?? 'invalid contacts', { details: unmatched });
    const operation = await core.imports.create(
      request.actor,
      { format: 'json', rows: contacts.map(importRowOf) },
      { matchBy, listIds: lists.map((l) => l.id), label: 'sendgrid.upsert', source: 'sendgrid' },
    );
    return reply.status(202).send({ job_id: operation.uuid });
  });
}
