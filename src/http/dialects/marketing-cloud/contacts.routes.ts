import type { SurfaceApp, SurfaceContext } from '../../surface.js';
import type { Contact } from '../../../core/contacts/contact.js';
import { AppError, invalid } from '../../../core/errors.js';
import { field } from './case.js';
import { envelope, mcDate } from './wire.js';

const AnyBody = { type: 'object' } as const;

const EMAIL_SET = 'email addresses';
const EMAIL_ATTRIBUTE = 'email address';
const MAX_SEARCH = 1000;

/**
 * What a Marketing Cloud contact body carries that Lethe keeps: `contactKey` (Lethe's
 * external key) and the Email Addresses attribute set's `Email Address`. The other
 * attribute sets (MobileConnect, MobilePush, LINE) have no Lethe field and are refused.
 */
function contactBody(body: unknown): { contactKey: string; email: string | undefined } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'the body is a JSON object with contactKey and attributeSets');
  const contactKey = field(body, 'contactKey');
  if (typeof contactKey !== 'string' || contactKey.length === 0 || contactKey.length > 255) throw invalid('contactKey', 'contactKey is 1 to 255 characters');
  const sets = field(body, 'attributeSets') ?? [];
  if (!Array.isArray(sets)) throw invalid('attributeSets', 'attributeSets is an array');
  let email: string | undefined;
  sets.forEach((set, i) => {
    const name = field(set, 'name');
    if (typeof name !== 'string' || name.toLowerCase() !== EMAIL_SET) throw invalid(`attributeSets[${i}].name`, `attributeSets[${i}]: Lethe keeps the "Email Addresses" attribute set only`);
    const items = field(set, 'items');
    if (!Array.isArray(items)) throw invalid(`attributeSets[${i}].items`, `attributeSets[${i}].items is an array`);
    for (const item of items) {
      const values = field(item, 'values');
      if (!Array.isArray(values)) throw invalid(`attributeSets[${i}].items.values`, 'each item has values: [{name, value}]');
      for (const value of values) {
        const attribute = field(value, 'name');
        if (typeof attribute === 'string' && attribute.toLowerCase() === EMAIL_ATTRIBUTE) {
          const address = field(value, 'value');
          if (typeof address !== 'string') throw invalid('Email Address', 'Email Address is a string');
          email = address;
        }
      }
    }
  });
  return { contactKey, email };
}

/** Marketing Cloud's answer to a create or update (its misspelling `rowsAffetcted` included). */
const written = (contact: Contact, isNew: boolean, now: number) => ({
  operationStatus: 'OK',
  rowsAffetcted: 1,
  contactKey: contact.externalKey,
  contactId: contact.id,
  contactTypeID: 0,
  isNewContactKey: isNew,
  hasErrors: false,
  ...envelope(now),
});

/**
 * The set-up routes users call before deleting: create and update a contact by its
 * contact key with its email address, and find contact keys by email address.
 */
export async function contactsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.post('/v1/contacts', {
    config: { scope: 'write' },
    schema: { summary: 'Marketing Cloud create contact: contactKey (Lethe\'s external_key) and the Email Addresses attribute set', body: AnyBody },
  }, async (request) => {
    const { contactKey, email } = contactBody(request.body);
    const contact = await core.contacts.create(request.actor, { externalKey: contactKey, ...(email !== undefined ? { email } : {}) });
    return written(contact, true, core.deps.clock.now());
  });

  app.patch('/v1/contacts', {
    config: { scope: 'write' },
    schema: { summary: 'Marketing Cloud update contact: the contact with this contactKey gets the email address given', body: AnyBody },
  }, async (request) => {
    const { contactKey, email } = contactBody(request.body);
    const existing = await core.contacts.getByExternalKey(request.actor, contactKey);
    const contact = email === undefined ? existing : await core.contacts.patch(request.actor, existing.id, { email });
    return written(contact, false, core.deps.clock.now());
  });

  app.post('/v1/addresses/email/search', {
    config: { scope: 'read' },
    schema: { summary: 'Marketing Cloud contact keys by email address: {"channelAddressList": [...], "maximumCount": 1}; 404 when none matches', body: AnyBody },
  }, async (request) => {
    const addresses = field(request.body, 'channelAddressList');
    if (!Array.isArray(addresses) || addresses.length === 0 || addresses.length > MAX_SEARCH) throw invalid('channelAddressList', `channelAddressList holds 1 to ${MAX_SEARCH} email addresses`);
    const maximum = field(request.body, 'maximumCount') ?? 1;
    if (typeof maximum !== 'number' || !Number.isInteger(maximum) || maximum < 1) throw invalid('maximumCount', 'maximumCount is a positive integer');
    if (addresses.some((a) => typeof a !== 'string')) throw invalid('channelAddressList', 'channelAddressList holds email addresses');
    const { contacts } = await core.contacts.lookupByEmails(request.actor, addresses as string[]);
    const live = contacts.filter((c) => c.status !== 'erased' && c.email !== null);
    if (live.length === 0) throw new AppError('NOT_FOUND', 'no contact has these addresses');
    const byAddress = new Map<string, Contact[]>();
    for (const c of live) {
      const norm = (c.email ?? '').trim().toLowerCase();
      byAddress.set(norm, [...(byAddress.get(norm) ?? []), c]);
    }
    const entities = (addresses as string[]).map((address) => ({
      channelAddress: address,
      contactKeyDetails: (byAddress.get(address.trim().toLowerCase()) ?? []).slice(0, maximum).map((c) => ({ contactKey: c.externalKey, contactId: c.id, createDate: mcDate(c.createdAt) })),
    }));
    return { channelAddressResponseEntities: entities, ...envelope(core.deps.clock.now()) };
  });
}
