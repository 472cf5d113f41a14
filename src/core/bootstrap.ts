import type { Core } from './core.js';
import { DEFAULT_ACCOUNT_NAME } from './accounts/account.js';
import type { CreatedKey } from './keys/keys.service.js';

export { DEFAULT_ACCOUNT_NAME };

export interface FirstStart {
  accountId: number;
  /** Present only when this start created the admin key: it is shown once. */
  createdKey?: CreatedKey;
}

/**
 * On the first start: a default account and an admin key. With `adminKey` given, that
 * value becomes the admin key (as Meilisearch's master key does), so automation knows it.
 */
export async function ensureFirstStart(core: Core, adminKey: string | undefined): Promise<FirstStart> {
  const { store } = core.deps;
  const existing = await store.accounts.findByName(null, DEFAULT_ACCOUNT_NAME);
  if (existing && (await store.meta.get('first_start_done')) === '1') return { accountId: existing.id };
  const account = existing ?? (await core.accounts.createTopLevel(DEFAULT_ACCOUNT_NAME));
  const createdKey = await core.keys.create(account.id, { name: 'admin', scopes: ['admin'], ...(adminKey ? { token: adminKey } : {}) });
  await store.meta.setIfAbsent('first_start_done', '1');
  return { accountId: account.id, createdKey };
}

/**
 * The default account, created if it is missing, for CLI commands other than `serve`:
 * they leave the first start (the admin key, shown once or taken from LETHE_ADMIN_KEY) to
 * `serve`, so that running one of them first does not swallow it.
 */
export async function ensureDefaultAccount(core: Core): Promise<number> {
  const existing = await core.deps.store.accounts.findByName(null, DEFAULT_ACCOUNT_NAME);
  return (existing ?? (await core.accounts.createTopLevel(DEFAULT_ACCOUNT_NAME))).id;
}
