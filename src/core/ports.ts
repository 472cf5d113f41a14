import type { AccountsRepository } from './accounts/account.js';
import type { ContactsRepository } from './contacts/contact.js';
import type { EventsRepository } from './events/event.js';
import type { ApiKeysRepository } from './keys/api-key.js';
import type { ListsRepository } from './lists/list.js';
import type { MetaRepository } from './meta.js';

/**
 * The ports through which core reaches storage. Each area declares its repository
 * beside its domain types; this file gathers them. The store implements them.
 */
export interface Repositories {
  accounts: AccountsRepository;
  keys: ApiKeysRepository;
  meta: MetaRepository;
  contacts: ContactsRepository;
  lists: ListsRepository;
  events: EventsRepository;
}

export interface StoreCapabilities {
  engine: 'sqlite' | 'postgres';
  skipLocked: boolean;
  singleWriter: boolean;
  maxBindParams: number;
}

export interface Store extends Repositories {
  readonly capabilities: StoreCapabilities;
  /** Runs `fn` in one transaction; the repositories it receives are bound to it. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
