import type { SurfaceApp, SurfaceContext } from '../../surface.js';
import { Type } from 'typebox';
import type { Actor } from '../../../core/actor.js';
import type { Contact, ContactInput, ContactStatus } from '../../../core/contacts/contact.js';
import type { Core } from '../../../core/core.js';
import { isAppError, notFound } from '../../../core/errors.js';
import type { AppError } from '../../../core/errors.js';
import { parseNumericId } from '../../../core/refs.js';
import { MailjetError } from './errors.js';
import { booleanParam, CollectionQuery, contactRef, CONTACT_SORTS, ContactSchema, countEnvelope, Envelope, envelope, presentContact, readCollection } from './wire.js';

/**
 * What a Mailjet client sees: active contacts, and the anonymized records of GDPR-deleted
 * ones until they are purged. Contacts soft-deleted through another API are not shown.
 */
export const VISIBLE: readonly ContactStatus[] = ['active', 'erased'];

const ContactParam = Type.Object({ contact: Type.String({ minLength: 1, maxLength: 254, description: 'The contact\'s ID, or its email' }) });

const Name = Type.String({ maxLength: 511, description: 'Full name' });
const CreateBody = Type.Object(
  { Email: Type.String({ maxLength: 254 }), Name: Type.Optional(Name), IsExcludedFromCampaigns: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const UpdateBody = Type.Object({ Name: Type.Optional(Name), IsExcludedFromCampaigns: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

/** Mailjet's single Name is Lethe's first name (and no last name); an empty Name clears both. */
function inputOf(body: { Name?: string; IsExcludedFromCampaigns?: boolean }): ContactInput {
  const input: ContactInput = {};
  if (body.Name !== undefined) {
    input.firstName = body.Name === '' ? null : body.Name;
    input.lastName = null;
  }
  if (body.IsExcludedFromCampaigns !== undefined) input.excludedFromCampaigns = body.IsExcludedFromCampaigns;
  return input;
}

/** The contact a path names by ID or email, if a Mailjet client may see it. */
export async function findContact(core: Core, actor: Actor, raw: string): Promise<Contact> {
  const ref = contactRef(raw);
  let contact: Contact | undefined;
  if ('id' in ref) {
    contact = await core.contacts.get(actor, ref.id);
  } else {
    const found = await core.contacts.lookupByEmails(actor, [ref.email]).catch((error: unknown) => {
      // Not an address: then it names no contact.
      if (isAppError(error) && error.code === 'VALIDATION_FAILED') return { contacts: [] };
      throw error;
    });
    contact = found.contacts[0];
  }
  if (!contact || !VISIBLE.includes(contact.status)) throw notFound('contact');
  return contact;
}

/** Contacts with their activity figures, as Mailjet shows them. */
export async function presentContacts(core: Core, actor: Actor, contacts: readonly Contact[]) {
  const activity = await core.events.summaries(actor, contacts.map((c) => c.id));
  return contacts.map((c) => presentContact(c, activity.get(c.id)));
}

export async function contactsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  const One = { 200: Envelope(ContactSchema) };

  app.post('/contact', {
    config: { scope: 'write' },
    schema: {
      summary: 'Mailjet: create a contact (201; an email already present answers 400 "MJ18 … already exists")',
      body: CreateBody,
      response: { 201: Envelope(ContactSchema) },
    },
  }, async (request, reply) => {
    const { Email: email, ...rest } = request.body;
    const contact = await core.contacts.create(request.actor, { email, ...inputOf(rest) }).catch((error: unknown) => {
      if (isAppError(error) && error.code === 'ALREADY_EXISTS') {
        throw new MailjetError(400, `MJ18 A Contact resource with value "${email}" for Email already exists.`);
      }
      throw error;
    });
    return reply.status(201).send(envelope(await presentContacts(core, request.actor, [contact])));
  });

  app.get('/contact', {
    config: { scope: 'read' },
    schema: {
      summary: 'Mailjet: list contacts (Limit, Offset, Sort, countOnly; filters ContactsList and IsExcludedFromCampaigns)',
      querystring: CollectionQuery({
        ContactsList: Type.Optional(Type.String({ description: 'Only contacts on this list (its ID)' })),
        IsExcludedFromCampaigns: Type.Optional(Type.String({ description: 'true or false' })),
      }),
      response: One,
    },
  }, async (request) => {
    const q = readCollection(request.query, CONTACT_SORTS, ['contactslist', 'isexcludedfromcampaigns']);
    const listParam = q.filters.get('contactslist');
    const excluded = q.filters.get('isexcludedfromcampaigns');
    if (listParam !== undefined && parseNumericId(listParam) === undefined) throw new MailjetError(400, 'Invalid value for "ContactsList": a list ID is expected');
    const filter = {
      statuses: VISIBLE,
      ...(listParam !== undefined ? { listId: Number(listParam) } : {}),
      ...(excluded !== undefined ? { excludedFromCampaigns: booleanParam('IsExcludedFromCampaigns', excluded) } : {}),
    };
    if (q.countOnly) return countEnvelope(await core.contacts.countMatching(request.actor, filter));
    const contacts = await core.contacts.listByOffset(request.actor, { ...filter, offset: q.offset, limit: q.limit, sort: q.sort });
    return envelope(await presentContacts(core, request.actor, contacts));
  });

  app.get('/contact/:contact', {
    config: { scope: 'read' },
    schema: { summary: 'Mailjet: a contact by ID or email (a GDPR-deleted one reads anonymized until purged)', params: ContactParam, response: One },
  }, async (request) => envelope(await presentContacts(core, request.actor, [await findContact(core, request.actor, request.params.contact)])));

  app.put('/contact/:contact', {
    config: { scope: 'write' },
    schema: {
      summary: 'Mailjet: change a contact\'s Name or IsExcludedFromCampaigns; properties not given stay as they are',
      params: ContactParam,
      body: UpdateBody,
      response: One,
    },
  }, async (request) => {
    const contact = await findContact(core, request.actor, request.params.contact);
    if (contact.status === 'erased') throw new MailjetError(400, 'The contact was deleted (GDPR) and cannot be changed');
    const input = inputOf(request.body);
    const updated = Object.keys(input).length === 0 ? contact : await core.contacts.patch(request.actor, contact.id, input);
    return envelope(await presentContacts(core, request.actor, [updated]));
  });

  app.delete('/contact/:contact', {
    config: { scope: 'read' },
    schema: {
      summary: 'Mailjet: not allowed (401 "Operation not allowed", as Mailjet answers); delete with DELETE /v4/contacts/{ID}',
      params: ContactParam,
    },
  }, async () => {
    throw new MailjetError(401, 'Operation not allowed');
  });
}

/** Core errors a route refines; exported for the lists routes. */
export const isAlreadyExists = (error: unknown): error is AppError => isAppError(error) && error.code === 'ALREADY_EXISTS';
