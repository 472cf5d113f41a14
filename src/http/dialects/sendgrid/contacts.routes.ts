import type { SurfaceApp, SurfaceContext } from '../../surface.js';
import { Type } from 'typebox';
import { normalizeEmail } from '../../../core/crypto.js';
import { isValidEmail } from '../../../core/email.js';
import { AppError, invalid, notFound } from '../../../core/errors.js';
import { ContactDetails } from './contacts.wire.js';
import { IMPORT_KIND } from '../../../core/imports/import.js';
import { isUuid } from '../../../core/refs.js';
import { ContactJob, presentContactJob } from './jobs.wire.js';
import { baseUrlOf, commaList, isLive, presentContacts } from './present.js';
import { JobId, UuidParam } from './schemas.js';

/** SendGrid's caps: contacts per batch read, addresses per email search. */
const MAX_BATCH_IDS = 100;
const MAX_SEARCH_EMAILS = 100;

const CommaList = Type.Optional(Type.Array(Type.String(), { description: 'A comma-separated list (commas may be sent unencoded)' }));

export async function contactsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.get('/contacts/count', {
    config: { scope: 'read' },
    schema: {
      summary: 'SendGrid: how many contacts the account has',
      response: { 200: Type.Object({ contact_count: Type.Integer(), billable_count: Type.Integer() }) },
    },
  }, async (request) => {
    const count = await core.contacts.count(request.actor, { status: 'active' });
    return { contact_count: count, billable_count: count };
  });

  app.get('/contacts/imports/:id', {
    config: { scope: 'read' },
    schema: {
      summary: 'SendGrid: the status of an upsert or delete job (pending, completed, errored, failed) and its counts',
      params: UuidParam,
      response: { 200: ContactJob },
    },
  }, async (request) => {
    if (!isUuid(request.params.id)) throw notFound('job');
    const operation = await core.operations.get(request.actor, request.params.id);
    if (operation.kind === IMPORT_KIND) {
      const { created, updated } = await core.imports.get(request.actor, operation.id);
      return presentContactJob(operation, { created, updated }, baseUrlOf(request));
    }
    if (operation.action !== 'purge') throw notFound('job');
    return presentContactJob(operation);
  });

  app.get('/contacts/:id', {
    config: { scope: 'read' },
    schema: { summary: 'SendGrid: a contact by its id (404 once deleted)', params: UuidParam, response: { 200: ContactDetails } },
  }, async (request) => {
    const [contact] = await core.contacts.getManyByUuids(request.actor, [request.params.id]);
    if (!contact || !isLive(contact)) throw notFound('contact');
    const [shown] = await presentContacts(core, request.actor, request, [contact]);
    return shown;
  });

  app.post('/contacts/batch', {
    config: { scope: 'read' },
    schema: {
      summary: `SendGrid: up to ${MAX_BATCH_IDS} contacts by id (ids that match none are left out)`,
      body: Type.Object({ ids: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: MAX_BATCH_IDS }) }),
      response: { 200: Type.Object({ result: Type.Array(ContactDetails) }) },
    },
  }, async (request) => {
    const contacts = (await core.contacts.getManyByUuids(request.actor, request.body.ids)).filter(isLive);
    return { result: await presentContacts(core, request.actor, request, contacts) };
  });

  app.post('/contacts/search/emails', {
    config: { scope: 'read' },
    schema: {
      summary: `SendGrid: contacts by email, up to ${MAX_SEARCH_EMAILS} addresses; 404 when none matches`,
      body: Type.Object({ emails: Type.Array(Type.String({ maxLength: 254 }), { minItems: 1, maxItems: MAX_SEARCH_EMAILS }) }),
      response: {
        200: Type.Object({
          result: Type.Record(Type.String(), Type.Object({ contact: Type.Optional(ContactDetails), error: Type.Optional(Type.String()) })),
        }),
      },
    },
  }, async (request) => {
    const { emails } = request.body;
    const bad = emails.filter((email) => !isValidEmail(email));
    if (bad.length > 0) {
      // SendGrid names each bad address in its answer (the caller sent them; nothing is logged).
      throw new AppError('VALIDATION_FAILED', 'invalid email addresses', { details: bad.map((email) => ({ field: 'emails', message: `email ${email} is not valid` })) });
    }
    const { contacts } = await core.contacts.lookupByEmails(request.actor, emails);
    const live = contacts.filter(isLive);
    if (live.length === 0) throw notFound('contacts');
    const shown = await presentContacts(core, request.actor, request, live);
    const byEmail = new Map(live.map((c, i) => [normalizeEmail(c.email ?? ''), shown[i]]));
    const result: Record<string, { contact?: (typeof shown)[number]; error?: string }> = {};
    for (const email of emails) {
      const contact = byEmail.get(normalizeEmail(email));
      result[email] = contact ? { contact } : { error: 'contact not found' };
    }
    return { result };
  });

  app.delete('/contacts', {
    config: { scope: 'erase' },
    schema: {
      summary: 'SendGrid: delete contacts for good (`ids=a,b,c`, or `delete_all_contacts=true`; exactly one) as a job; afterwards they are 404',
      querystring: Type.Object({
        ids: CommaList,
        'ids[]': CommaList,
        delete_all_contacts: Type.Optional(Type.String({ description: 'Must be "true" to delete all contacts' })),
      }),
      response: { 202: JobId },
    },
  }, async (request, reply) => {
    const ids = [...commaList(request.query.ids), ...commaList(request.query['ids[]'])];
    const givenIds = request.query.ids !== undefined || request.query['ids[]'] !== undefined;
    const all = request.query.delete_all_contacts;
    if (givenIds === (all !== undefined)) throw invalid('ids', "either 'ids' OR 'delete_all_contacts' should be supplied as query param");
    if (all !== undefined && all !== 'true') throw invalid('delete_all_contacts', "delete_all_contacts must be 'true' to delete all contacts");
    if (givenIds && ids.length === 0) throw invalid('ids', 'ids must name at least one contact');
    // Contact ids are UUIDs: any other value is refused before a job is queued (the value is not echoed).
    if (ids.some((id) => !isUuid(id))) throw invalid('ids', 'ids are contact ids (UUIDs), comma-separated');
    const operation = await core.operations.create(request.actor, {
      action: 'purge',
      selector: all !== undefined ? { kind: 'all' } : { kind: 'uuids', values: ids },
      label: all !== undefined ? 'sendgrid.delete_all_contacts' : 'sendgrid.delete_contacts',
    });
    return reply.status(202).send({ job_id: operation.uuid });
  });
}
