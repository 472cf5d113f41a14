import type { AuditActor } from '../audit/audit.js';
import { OPERATOR } from '../audit/audit.js';
import { AuditService } from '../audit/audit.service.js';
import type { CoreDeps } from '../context.js';
import { randomHex, safeEqualHex, sha256Hex } from '../crypto.js';
import { AppError, invalid, notFound } from '../errors.js';
import type { ApiKey } from './api-key.js';
import { SCOPES, isScope } from './scopes.js';
import type { Scope } from './scopes.js';

/** A new key: the secret and the full key are shown once and never again. */
export interface CreatedKey {
  apiKey: ApiKey;
  secret: string;
  /** The Bearer token: `lethe_<id>_<secret>`. */
  key: string;
}

const KEY_FORMAT = /^lethe_([0-9a-f]{24})_([0-9a-f]{48})$/;

/**
 * Splits a full key into its public id and secret. A key in Lethe's own format carries
 * both; any other value (an operator's `LETHE_ADMIN_KEY`) is its own secret, under an id
 * derived from it.
 */
export function splitKey(token: string): { id: string; secret: string } {
  const match = KEY_FORMAT.exec(token);
  if (match) return { id: match[1] as string, secret: match[2] as string };
  return { id: `x${sha256Hex(`lethe-key-id:${token}`).slice(0, 23)}`, secret: token };
}

export function parseScopes(raw: readonly string[] | undefined): Scope[] {
  if (!raw || raw.length === 0) return ['read', 'write', 'delete', 'erase'];
  const unknown = raw.filter((s) => !isScope(s));
  if (unknown.length > 0) throw invalid('scopes', `unknown scope(s): ${unknown.join(', ')}; known: ${SCOPES.join(', ')}`);
  return [...new Set(raw as Scope[])];
}

export class KeysService {
  readonly #audit: AuditService;
  constructor(private readonly deps: CoreDeps) {
    this.#audit = new AuditService(deps);
  }

  /**
   * Creates a key for an account. `token` (optional) makes a given value the key, as
   * `LETHE_ADMIN_KEY` does. Audited (`key.created`) with its scopes, never its name or secret.
   */
  async create(accountId: number, options: { name?: string; scopes?: readonly string[]; token?: string } = {}, by: AuditActor = OPERATOR): Promise<CreatedKey> {
    const scopes = parseScopes(options.scopes);
    const name = (options.name ?? 'key').trim();
    if (name.length === 0 || name.length > 100) throw invalid('name', 'a key name is 1 to 100 characters');
    if (options.token !== undefined && options.token.length < 16) throw invalid('token', 'a given key must be at least 16 characters');
    const { id, secret } = options.token !== undefined ? splitKey(options.token) : { id: randomHex(12), secret: randomHex(24) };
    const now = this.deps.clock.now();
    const apiKey: ApiKey = { id, accountId, name, scopes, createdAt: now, lastUsedAt: null, revokedAt: null };
    await this.deps.store.transaction(async (tx) => {
      await tx.keys.insert({ ...apiKey, secretHash: sha256Hex(secret) });
      await this.#audit.record(tx, { accountId, actorKeyId: by.keyId, via: by.via, action: 'key.created', subjectType: 'api_key', subjectId: id, data: { scopes: scopes.join(',') } });
    });
    return { apiKey, secret, key: options.token ?? `lethe_${id}_${secret}` };
  }

  list(accountId: number): Promise<ApiKey[]> {
    return this.deps.store.keys.listByAccount(accountId);
  }

  async revoke(accountId: number, id: string, by: AuditActor = OPERATOR): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.keys.revoke(accountId, id, this.deps.clock.now()))) throw notFound('API key');
      await this.#audit.record(tx, { accountId, actorKeyId: by.keyId, via: by.via, action: 'key.revoked', subjectType: 'api_key', subjectId: id, data: {} });
    });
  }

  /** Checks a full key (Bearer). */
  authenticateToken(token: string): Promise<ApiKey> {
    const { id, secret } = splitKey(token.trim());
    return this.authenticate(id, secret);
  }

  /** Checks a public id and secret (Basic auth, OAuth client credentials). Every failure reads the same. */
  async authenticate(id: string, secret: string): Promise<ApiKey> {
    const failed = new AppError('UNAUTHENTICATED', 'the API key is missing, unknown or revoked');
    if (!id || !secret || id.length > 64 || secret.length > 512) throw failed;
    const stored = await this.deps.store.keys.findById(id);
    if (!stored || stored.revokedAt !== null || !safeEqualHex(stored.secretHash, sha256Hex(secret))) throw failed;
    const now = this.deps.clock.now();
    // Last-used time to the minute: enough to audit keys, without a write on every request.
    if (stored.lastUsedAt === null || now - stored.lastUsedAt > 60_000) await this.deps.store.keys.touch(id, now);
    const { secretHash: _secretHash, ...apiKey } = stored;
    return apiKey;
  }
}
