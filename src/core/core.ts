import { AccountsService } from './accounts/accounts.service.js';
import { AuditService } from './audit/audit.service.js';
import type { CoreDeps } from './context.js';
import { KeysService } from './keys/keys.service.js';

/** The domain's use cases, wired to their dependencies. New areas are added here. */
export function createCore(deps: CoreDeps) {
  return {
    deps,
    accounts: new AccountsService(deps),
    keys: new KeysService(deps),
    audit: new AuditService(deps),
  };
}

export type Core = ReturnType<typeof createCore>;
