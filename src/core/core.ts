import { AccountsService } from './accounts/accounts.service.js';
import { AuditService } from './audit/audit.service.js';
import { ContactsService } from './contacts/contacts.service.js';
import type { CoreDeps } from './context.js';
import { EventsService } from './events/events.service.js';
import { KeysService } from './keys/keys.service.js';
import { ListsService } from './lists/lists.service.js';
import { LifecycleService } from './lifecycle/lifecycle.service.js';
import { OperationsService } from './operations/operations.service.js';

/** The domain's use cases, wired to their dependencies. New areas are added here. */
export function createCore(deps: CoreDeps) {
  return {
    deps,
    accounts: new AccountsService(deps),
    keys: new KeysService(deps),
    audit: new AuditService(deps),
    contacts: new ContactsService(deps),
    lists: new ListsService(deps),
    events: new EventsService(deps),
    operations: new OperationsService(deps),
    lifecycle: new LifecycleService(deps),
  };
}

export type Core = ReturnType<typeof createCore>;
