import { AccountsService } from './accounts/accounts.service.js';
import { AuditService } from './audit/audit.service.js';
import { ContactsService } from './contacts/contacts.service.js';
import type { CoreDeps } from './context.js';
import { EventsService } from './events/events.service.js';
import { KeysService } from './keys/keys.service.js';
import { ListsService } from './lists/lists.service.js';
import { MembershipsService } from './lists/memberships.service.js';
import { LifecycleService } from './lifecycle/lifecycle.service.js';
import { OperationsService } from './operations/operations.service.js';
import { OperationReportsService } from './reports/operation-reports.service.js';
import { importHandler } from './imports/import.handler.js';
import { IMPORT_KIND } from './imports/import.js';
import { ImportsService } from './imports/imports.service.js';
import { RateLimitsService } from './rate-limits/rate-limits.service.js';
import { RequestsService } from './requests/requests.service.js';
import { ErasedAddressesService } from './reimport/erased-addresses.service.js';
import { WebhooksService } from './webhooks/webhooks.service.js';

/** The domain's use cases, wired to their dependencies. New areas are added here. */
export function createCore(deps: CoreDeps) {
  const operations = new OperationsService(deps);
  const core = {
    deps,
    accounts: new AccountsService(deps),
    keys: new KeysService(deps),
    audit: new AuditService(deps),
    contacts: new ContactsService(deps),
    lists: new ListsService(deps, operations),
    events: new EventsService(deps),
    memberships: new MembershipsService(deps),
    operations,
    lifecycle: new LifecycleService(deps),
    operationReports: new OperationReportsService(deps),
    rateLimits: new RateLimitsService(deps),
    requests: new RequestsService(deps, operations),
    erasedAddresses: new ErasedAddressesService(deps),
    webhooks: new WebhooksService(deps),
  };
  core.operations.registerKind(IMPORT_KIND, importHandler(deps));
  return { ...core, imports: new ImportsService(deps, core.operations, deps.imports) };
}

export type Core = ReturnType<typeof createCore>;
