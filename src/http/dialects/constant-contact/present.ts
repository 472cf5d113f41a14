import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../../../core/actor.js';
import type { Contact } from '../../../core/contacts/contact.js';
import type { Core } from '../../../core/core.js';
import { AppError, notFound } from '../../../core/errors.js';
import { isUuid } from '../../../core/refs.js';
import { presentContact } from './contacts.wire.js';
import type { Include } from './contacts.wire.js';

/** Contacts as Constant Contact shows them, their list ids turned into list uuids. */
export async function presentContacts(core: Core, actor: Actor, contacts: readonly Contact[], include: ReadonlySet<Include>) {
  const listIds = include.has('list_memberships') ? [...new Set(contacts.flatMap((c) => c.listIds))] : [];
  const lists = listIds.length > 0 ? await core.lists.getMany(actor, listIds) : [];
  const uuids = new Map(lists.map((l) => [l.id, l.uuid]));
  return contacts.map((c) => presentContact(c, include, uuids));
}

/** One contact as Constant Contact shows it. */
export async function presentOne(core: Core, actor: Actor, contact: Contact, include: ReadonlySet<Include>) {
  const [shown] = await presentContacts(core, actor, [contact], include);
  if (!shown) throw new AppError('INTERNAL', 'a contact could not be shown');
  return shown;
}

/**
 * The contact with this id (a Lethe uuid), deleted ones included. Constant Contact knows no
 * erased state: an erased contact, like an unknown id, is 404.
 */
export async function contactOf(core: Core, actor: Actor, id: string): Promise<Contact> {
  if (!isUuid(id)) throw notFound('contact');
  const contact = await core.contacts.getByUuid(actor, id.toLowerCase());
  if (contact.status === 'erased') throw notFound('contact');
  return contact;
}

/** Lethe list ids for list uuids; 404 naming the field when one is no list of the account. */
export async function listIdsOf(core: Core, actor: Actor, uuids: readonly string[], field: string): Promise<number[]> {
  const unique = [...new Set(uuids.map((u) => u.toLowerCase()))];
  if (unique.length === 0) return [];
  const lists = unique.every(isUuid) ? await core.lists.getManyByUuids(actor, unique) : [];
  if (lists.length !== unique.length) throw new AppError('NOT_FOUND', `${field} names a list that does not exist`, { field });
  return lists.map((l) => l.id);
}

/**
 * Constant Contact refuses a body that is not JSON with 415. Lethe's app also reads
 * `text/plain` and CSV (for imports); here those are refused before validation.
 */
export function refuseNonJsonBodies(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    if (request.method !== 'POST' && request.method !== 'PUT' && request.method !== 'PATCH') return;
    const type = String(request.headers['content-type'] ?? '');
    if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json');
  });
}
