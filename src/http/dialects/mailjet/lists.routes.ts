import type { SurfaceApp, SurfaceContext } from '../../surface.js';
import { Type } from 'typebox';
import type { Actor } from '../../../core/actor.js';
import type { Core } from '../../../core/core.js';
import { isAppError } from '../../../core/errors.js';
import type { List } from '../../../core/lists/list.js';
import { LIST_LIMITS } from '../../../core/lists/lists.service.js';
import { MAX_MEMBERSHIP_CHANGES } from '../../../core/lists/memberships.service.js';
import type { MembershipAction } from '../../../core/lists/memberships.service.js';
import { parseNumericId } from '../../../core/refs.js';
import { findContact, isAlreadyExists } from './contacts.routes.js';
import { MailjetError } from './errors.js';
import { CollectionQuery, ContactListSchema, countEnvelope, Envelope, envelope, LIST_SORTS, ListSchema, presentList, presentMembership, readCollection } from './wire.js';

/** Mailjet's managecontactslists actions, in Lethe's words. */
const ACTIONS: Record<string, MembershipAction> = { addforce: 'subscribe', addnoforce: 'add', remove: 'remove', unsub: 'unsubscribe' };

const ContactParam = Type.Object({ contact: Type.String({ minLength: 1, maxLength: 254, description: 'The contact\'s ID, or its email' }) });
const ListChange = Type.Object({ ListID: Type.Integer(), Action: Type.String({ enum: Object.keys(ACTIONS) }) });

async function presentLists(core: Core, actor: Actor, lists: readonly List[]) {
  const counts = await core.memberships.subscriberCounts(actor, lists.map((l) => l.id));
  return lists.map((l) => presentList(l, counts.get(l.id) ?? 0));
}

export async function listsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.post('/contactslist', {
    config: { scope: 'write' },
    schema: {
      summary: 'Mailjet: create a contact list (Name unique; a taken Name answers 400 "MJ18 … already exists")',
      body: Type.Object({ Name: Type.String({ minLength: 1, maxLength: LIST_LIMITS.name }) }, { additionalProperties: false }),
      response: { 201: Envelope(ListSchema) },
    },
  }, async (request, reply) => {
    const name = request.body.Name;
    const list = await core.lists.create(request.actor, { name }).catch((error: unknown) => {
      if (isAlreadyExists(error)) throw new MailjetError(400, `MJ18 A ContactsList resource with value "${name}" for Name already exists.`);
      throw error;
    });
    return reply.status(201).send(envelope(await presentLists(core, request.actor, [list])));
  });

  app.get('/contactslist', {
    config: { scope: 'read' },
    schema: { summary: 'Mailjet: list contact lists (Limit, Offset, Sort by ID, Name or CreatedAt, countOnly)', querystring: CollectionQuery({}), response: { 200: Envelope(ListSchema) } },
  }, async (request) => {
    const q = readCollection(request.query, LIST_SORTS, []);
    if (q.countOnly) return countEnvelope(await core.memberships.countLists(request.actor));
    const lists = await core.memberships.listsByOffset(request.actor, { offset: q.offset, limit: q.limit, sort: q.sort });
    return envelope(await presentLists(core, request.actor, lists));
  });

  app.get('/contactslist/:id', {
    config: { scope: 'read' },
    schema: { summary: 'Mailjet: a contact list by ID', params: Type.Object({ id: Type.String({ maxLength: 20 }) }), response: { 200: Envelope(ListSchema) } },
  }, async (request) => {
    const id = parseNumericId(request.params.id) ?? 0;
    return envelope(await presentLists(core, request.actor, [await core.lists.get(request.actor, id)]));
  });

  app.post('/contact/:contact/managecontactslists', {
    config: { scope: 'write' },
    schema: {
      summary: 'Mailjet: add a contact to lists, remove it, or unsubscribe it (actions addforce, addnoforce, remove, unsub); all or nothing',
      params: ContactParam,
      body: Type.Object({ ContactsLists: Type.Array(Type.Object({}, { additionalProperties: true }), { minItems: 1, maxItems: MAX_MEMBERSHIP_CHANGES }) }, { additionalProperties: false }),
      response: { 201: Envelope(Type.Object({ ContactsLists: Type.Array(ListChange) })) },
    },
  }, async (request, reply) => {
    const contact = await findContact(core, request.actor, request.params.contact);
    const items = request.body.ContactsLists as Array<Record<string, unknown>>;
    const changes = items.map((item) => ({ listId: item.ListID, action: typeof item.Action === 'string' ? ACTIONS[item.Action.toLowerCase()] : undefined }));
    await core.memberships.change(request.actor, contact.id, changes).catch((error: unknown) => {
      if (!isAppError(error) || error.code !== 'VALIDATION_FAILED' || !error.details.some((d) => d.index !== undefined)) throw error;
      // Mailjet names the failing items in ErrorMessage.
      const failing = new Map<number, string[]>();
      for (const detail of error.details) {
        if (detail.index === undefined) continue;
        const text = detail.field === 'action' ? 'action missing or not valid' : 'listID missing or not valid';
        failing.set(detail.index, [...(failing.get(detail.index) ?? []), text]);
      }
      const ContactsLists = [...failing].map(([index, errors]) => ({ ListID: items[index]?.ListID ?? null, Action: items[index]?.Action ?? null, Error: errors.join('; ') }));
      throw new MailjetError(400, { ContactsLists });
    });
    const echoed = items.map((item) => ({ ListID: item.ListID as number, Action: String(item.Action) }));
    return reply.status(201).send(envelope([{ ContactsLists: echoed }]));
  });

  app.get('/contact/:contact/getcontactslists', {
    config: { scope: 'read' },
    schema: { summary: 'Mailjet: the lists a contact is on, with its subscription state on each', params: ContactParam, response: { 200: Envelope(ContactListSchema) } },
  }, async (request) => {
    const contact = await findContact(core, request.actor, request.params.contact);
    return envelope((await core.memberships.ofContact(request.actor, contact.id)).map(presentMembership));
  });
}
