import type { Scope } from './scopes.js';

export interface ApiKey {
  /** Public id: Mailjet's "API key", the username of Basic auth, the client_id of OAuth. */
  id: string;
  accountId: number;
  name: string;
  scopes: Scope[];
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface StoredApiKey extends ApiKey {
  secretHash: string;
}

/** Port: stored API keys. Secrets are never stored, only their hashes. */
export interface ApiKeysRepository {
  insert(key: StoredApiKey): Promise<void>;
  findById(id: string): Promise<StoredApiKey | undefined>;
  listByAccount(accountId: number): Promise<ApiKey[]>;
  revoke(accountId: number, id: string, now: number): Promise<boolean>;
  touch(id: string, now: number): Promise<void>;
}
