import type { Contact } from '../contacts/contact.js';
import type { CoreDeps } from '../context.js';
import type { Actor } from '../actor.js';
import { newUuid } from '../crypto.js';
import { AppError, invalid, notFound } from '../errors.js';
import type { ErrorDetail } from '../errors.js';
import { checkPageLimit, isId, MAX_PAGE, pageOf, throwIfProblems } from '../input.js';
import { requireScope } from '../keys/scopes.js';
import type { Operation } from '../operations/operation.js';
import type { OperationsService } from '../operations/operations.service.js';
import type { List, ListPatch } from './list.js';

export const LIST_LIMITS = { name: 255, externalKey: 255, description: 1000, membersPerRequest: 10_000 } as const;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface AddMembersResult {
  /** Memberships created by this request. */
  added: number;
  /** Contacts that were members already. */
  unchanged: number;
  /** Items that could not be added (unknown or inactive contacts), by index. */
  errors: ErrorDetail[];
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > LIST_LIMITS.name || CONTROL.test(name)) {
    throw invalid('name', `a list name is 1 to ${LIST_LIMITS.name} characters of text, not blank`);
  }
  return name;
}

function checkExternalKey(key: unknown): void {
  if (key !== null && (typeof key !== 'string' || key.trim() === '' || key.length > LIST_LIMITS.externalKey || CONTROL.test(key))) {
    throw invalid('external_key', `an external key is 1 to ${LIST_LIMITS.externalKey} characters of text, or null`);
  }
}

function checkDescription(description: unknown): void {
  if (description !== null && (typeof description !== 'string' || description.length > LIST_LIMITS.description)) {
    throw invalid('description', `a description is at most ${LIST_LIMITS.description} characters, or null`);
  }
}

function checkContactIds(contactIds: readonly number[]): void {
  if (contactIds.length === 0 || contactIds.length > LIST_LIMITS.membersPerRequest) {
    throw invalid('contact_ids', `contact_ids holds 1 to ${LIST_LIMITS.membersPerRequest} ids`);
  }
  throwIfProblems(contactIds.flatMap((id, index) => (isId(id) ? [] : [{ index, field: `contact_ids[${index}]`, message: `contact_ids[${index}] is not a contact id` }])));
}

export class ListsService {
  constructor(
    private readonly deps: CoreDeps,
    /** Where `deleteWithContacts` queues its purge. */
    private readonly operations: Pick<OperationsService, 'create'>,
  ) {}

  async create(actor: Actor, input: { name: string; description?: string | null; externalKey?: string | null }): Promise<List> {
    const name = checkName(input.name);
    const description = input.description ?? null;
    const externalKey = input.externalKey ?? null;
    checkDescription(description);
    checkExternalKey(externalKey);
    if (await this.deps.store.lists.findByName(actor.accountId, name)) throw nameTaken();
    if (externalKey !== null && (await this.deps.store.lists.findByExternalKey(actor.accountId, externalKey))) throw keyTaken();
    return this.deps.store.lists.create(actor.accountId, { uuid: newUuid(), name, externalKey, description }, this.deps.clock.now()).catch(duplicateName);
  }

  /** The account's list with this external key (NOT_FOUND otherwise). */
  async getByExternalKey(actor: Actor, externalKey: string): Promise<List> {
    const list = typeof externalKey === 'string' && externalKey.length > 0 && externalKey.length <= LIST_LIMITS.externalKey ? await this.deps.store.lists.findByExternalKey(actor.accountId, externalKey) : undefined;
    if (!list) throw notFound('list');
    return list;
  }

  async get(actor: Actor, id: number): Promise<List> {
    const list = isId(id) ? await this.deps.store.lists.findById(actor.accountId, id) : undefined;
    if (!list) throw notFound('list');
    return list;
  }

  async getByUuid(actor: Actor, uuid: string): Promise<List> {
    const [list] = await this.deps.store.lists.findByUuids(actor.accountId, [uuid]);
    if (!list) throw notFound('list');
    return list;
  }

  /** The account's lists with these uuids; those that match none are left out. */
  async getManyByUuids(actor: Actor, uuids: readonly string[]): Promise<List[]> {
    return uuids.length === 0 ? [] : this.deps.store.lists.findByUuids(actor.accountId, [...new Set(uuids)]);
  }

  /** The account's lists with these ids; those that match none are left out. */
  async getMany(actor: Actor, ids: readonly number[]): Promise<List[]> {
    return ids.length === 0 ? [] : this.deps.store.lists.findByIds(actor.accountId, [...new Set(ids)]);
  }

  async list(actor: Actor, page: { afterId?: number; limit: number }): Promise<{ lists: List[]; nextAfterId: number | null }> {
    const limit = checkPageLimit(page.limit);
    const { items, nextAfterId } = pageOf(await this.deps.store.lists.list(actor.accountId, { ...page, limit: limit + 1 }), limit);
    return { lists: items, nextAfterId };
  }

  async update(actor: Actor, id: number, patch: ListPatch): Promise<List> {
    if (!isId(id)) throw notFound('list');
    if (patch.name !== undefined) checkName(patch.name);
    if (patch.description !== undefined) checkDescription(patch.description);
    if (patch.externalKey !== undefined) checkExternalKey(patch.externalKey);
    if (patch.name !== undefined) {
      const holder = await this.deps.store.lists.findByName(actor.accountId, patch.name);
      if (holder && holder.id !== id) throw nameTaken();
    }
    if (patch.externalKey !== undefined && patch.externalKey !== null) {
      const holder = await this.deps.store.lists.findByExternalKey(actor.accountId, patch.externalKey);
      if (holder && holder.id !== id) throw keyTaken();
    }
    const list = await this.deps.store.lists.update(actor.accountId, id, patch, this.deps.clock.now()).catch(duplicateName);
    if (!list) throw notFound('list');
    return list;
  }

  /** Deletes the list and its memberships; its contacts stay. */
  async delete(actor: Actor, id: number): Promise<void> {
    if (!isId(id)) throw notFound('list');
    const deleted = await this.deps.store.transaction((tx) => tx.lists.delete(actor.accountId, id));
    if (!deleted) throw notFound('list');
  }

  /**
   * Deletes the list and, for good, the contacts on it (SendGrid's `delete_contacts`):
   * the members are read now and a purge operation is queued for them, then the list
   * goes. Returns the operation, or null when the list had no live members (no job).
   * Needs the `erase` scope (checked before anything is read).
   */
  async deleteWithContacts(actor: Actor, id: number, options: { label?: string } = {}): Promise<Operation | null> {
    requireScope(actor, 'erase');
    await this.get(actor, id);
    const contactIds: number[] = [];
    let afterId: number | undefined;
    for (;;) {
      const page = await this.deps.store.contacts.list(actor.accountId, { status: 'active', listId: id, limit: MAX_PAGE, ...(afterId !== undefined ? { afterId } : {}) });
      contactIds.push(...page.map((c) => c.id));
      if (page.length < MAX_PAGE) break;
      afterId = page[page.length - 1]?.id;
    }
    const operation = contactIds.length > 0 ? await this.operations.create(actor, { action: 'purge', selector: { kind: 'ids', values: contactIds }, ...(options.label ? { label: options.label } : {}) }) : null;
    await this.delete(actor, id);
    return operation;
  }

  /**
   * Adds active contacts to a list. Unknown, deleted and erased contacts are reported per
   * item and the rest are added; adding a member again changes nothing.
   */
  async addMembers(actor: Actor, listId: number, contactIds: readonly number[]): Promise<AddMembersResult> {
    checkContactIds(contactIds);
    return this.deps.store.transaction(async (tx) => {
      if (!(await tx.lists.findById(actor.accountId, listId, { lock: 'share' }))) throw notFound('list');
      const unique = [...new Set(contactIds)];
      // Share locks: a contact soft-deleted meanwhile must not keep a membership.
      const statuses = await tx.contacts.statusesOf(actor.accountId, unique, { lock: 'share' });
      const errors: ErrorDetail[] = [];
      const reported = new Set<number>();
      contactIds.forEach((id, index) => {
        const status = statuses.get(id);
        if (status === 'active' || reported.has(id)) return;
        reported.add(id);
        errors.push({ index, field: `contact_ids[${index}]`, message: status === undefined ? 'contact not found' : `contact is ${status}` });
      });
      const members = unique.filter((id) => statuses.get(id) === 'active');
      const added = await tx.lists.addMemberships(actor.accountId, members.map((contactId) => ({ contactId, listId })), this.deps.clock.now());
      return { added, unchanged: members.length - added, errors };
    });
  }

  /** Removes memberships only; contacts that were not members are counted, not refused. */
  async removeMembers(actor: Actor, listId: number, contactIds: readonly number[]): Promise<{ removed: number; notMembers: number }> {
    checkContactIds(contactIds);
    return this.deps.store.transaction(async (tx) => {
      if (!(await tx.lists.findById(actor.accountId, listId))) throw notFound('list');
      const unique = [...new Set(contactIds)];
      const removed = await tx.lists.removeMemberships(actor.accountId, listId, unique);
      return { removed, notMembers: unique.length - removed };
    });
  }

  /** A page of the list's members (any status), in id order. */
  async members(actor: Actor, listId: number, page: { afterId?: number; limit: number }): Promise<{ contacts: Contact[]; nextAfterId: number | null }> {
    const limit = checkPageLimit(page.limit);
    await this.get(actor, listId);
    const rows = await this.deps.store.contacts.list(actor.accountId, { status: 'all', listId, ...(page.afterId !== undefined ? { afterId: page.afterId } : {}), limit: limit + 1 });
    const { items, nextAfterId } = pageOf(rows, limit);
    return { contacts: items, nextAfterId };
  }
}

const keyTaken = () => new AppError('ALREADY_EXISTS', 'a list with this external key already exists', { field: 'external_key' });

const nameTaken = () => new AppError('ALREADY_EXISTS', 'a list with this name already exists', { field: 'name' });

function duplicateName(error: unknown): never {
  if (error instanceof AppError && error.code === 'ALREADY_EXISTS') throw nameTaken();
  throw error;
}
