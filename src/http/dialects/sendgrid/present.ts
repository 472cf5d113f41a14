import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../../core/actor.js';
import type { Contact } from '../../../core/contacts/contact.js';
import type { Core } from '../../../core/core.js';
import { publicBaseUrl } from '../../public-url.js';
import { presentContact } from './contacts.wire.js';

/** The base URL of SendGrid's `_metadata.self` links: `LETHE_PUBLIC_URL`, else the request's host. */
export const baseUrlOf = (request: FastifyRequest): string => publicBaseUrl(request);

/** Contacts as SendGrid shows them, their list ids turned into list uuids. */
export async function presentContacts(core: Core, actor: Actor, request: FastifyRequest, contacts: readonly Contact[]) {
  const listIds = [...new Set(contacts.flatMap((c) => c.listIds))];
  const lists = await core.lists.getMany(actor, listIds);
  const uuids = new Map(lists.map((l) => [l.id, l.uuid]));
  const baseUrl = baseUrlOf(request);
  return contacts.map((c) => presentContact(c, uuids, baseUrl));
}

/** SendGrid shows only live contacts: deleted and erased ones are gone as far as it knows. */
export const isLive = (contact: Contact): boolean => contact.status === 'active';

/** Splits comma lists, whether they came as one value or as repeated parameters. */
export function commaList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const parts = typeof value === 'string' ? [value] : value;
  return parts.flatMap((part) => part.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}
