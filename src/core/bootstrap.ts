import type { Core } from './core.js';
import type { CreatedKey } from './keys/keys.service.js';

export const DEFAULT_ACCOUNT_NAME = 'default';

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
