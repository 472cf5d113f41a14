import type { AuditActor } from '../audit/audit.js';
import { OPERATOR } from '../audit/audit.js';
import { AuditService } from '../audit/audit.service.js';
import type { CoreDeps } from '../context.js';
import { randomHex, safeEqualHex, sha256Hex } from '../crypto.js';
import { AppError, invalid, notFound } from '../errors.js';
import { ACCESS_TOKEN_MAX_TTL_MS, ACCESS_TOKEN_PREFIX, ACCESS_TOKEN_TTL_MS, SESSION_PREFIX, SESSION_TTL_MS } from './access-token.js';
import type { IssuedAccessToken } from './access-token.js';
import type { ApiKey } from './api-key.js';
import { SCOPES, hasScope, isScope } from './scopes.js';
import type { Scope } from './scopes.js';
import { hasControlChars } from '../text.js';

/** A new key: the secret and the full key are shown once and never again. */
export interface CreatedKey {
  apiKey: ApiKey;
  secret: string;
  /** The Bearer token: `lethe_<id>_<secret>`. */
  key: string;
}

const unauthenticated = (): AppError => new AppError('UNAUTHENTICATED', 'the API key is missing, unknown or revoked');

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
    if (name.length === 0 || name.length > 100 || hasControlChars(name)) throw invalid('name', 'a key name is 1 to 100 characters, no control characters');
    if (options.token !== undefined && options.token.length < 16) throw invalid('token', 'a given key must be at least 16 characters');
    const { id, secret } = options.token !== undefined ? splitKey(options.token) : { id: randomHex(12), secret: randomHex(24) };
    const now = this.deps.clock.now();
    const apiKey: ApiKey = { id, accountId, name, scopes, createdAt: now, lastUsedAt: null, revokedAt: null };
    await this.deps.store.transaction(async (tx) => {
      await tx.keys.insert({ ...apiKey, secretHash: sha256Hex(secret) });
      await this.#audit.record(tx, { accountId, actorKeyId: by.keyId, via: by.via, operator: by.operator, action: 'key.created', subjectType: 'api_key', subjectId: id, data: { scopes: scopes.join(',') } });
    }, { lockAccounts: [accountId] });
    return { apiKey, secret, key: options.token ?? `lethe_${id}_${secret}` };
  }

  list(accountId: number): Promise<ApiKey[]> {
    return this.deps.store.keys.listByAccount(accountId);
  }

  /** Revokes a key and, with it, every access token it was issued. */
  async revoke(accountId: number, id: string, by: AuditActor = OPERATOR): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.keys.revoke(accountId, id, this.deps.clock.now()))) throw notFound('API key');
      await tx.accessTokens.deleteByKey(id);
      await this.#audit.record(tx, { accountId, actorKeyId: by.keyId, via: by.via, operator: by.operator, action: 'key.revoked', subjectType: 'api_key', subjectId: id, data: {} });
    }, { lockAccounts: [accountId] });
  }

  /** Checks a full key (Bearer). */
  authenticateToken(token: string): Promise<ApiKey> {
    const { id, secret } = splitKey(token.trim());
    return this.authenticate(id, secret);
  }

  /** Checks a public id and secret (Basic auth, OAuth client credentials). Every failure reads the same. */
  async authenticate(id: string, secret: string): Promise<ApiKey> {
    if (!id || !secret || id.length > 64 || secret.length > 512 || hasControlChars(id)) throw unauthenticated();
    const stored = await this.deps.store.keys.findById(id);
    if (!stored || stored.revokedAt !== null || !safeEqualHex(stored.secretHash, sha256Hex(secret))) throw unauthenticated();
    const { secretHash: _secretHash, ...apiKey } = stored;
    await this.touch(apiKey);
    return apiKey;
  }

  /**
   * OAuth2 client credentials: the key's public id (`client_id`) and secret
   * (`client_secret`) buy a bearer token that acts as the key until it expires (20 minutes
   * by default) or the key is revoked. It carries the key's scopes, or only `scopes` when
   * given (each must be one the key has: `FORBIDDEN` otherwise). Only its hash is stored;
   * tokens already expired are deleted on the way. A wrong id or secret is `UNAUTHENTICATED`.
   * `accountId` (Marketing Cloud's `account_id`, a business unit) makes the token act for
   * that account: the key's own or one of its sub-accounts (`FORBIDDEN` for any other, a
   * parent or sibling included); default the key's own.
   */
  async issueAccessToken(clientId: string, clientSecret: string, options: { ttlMs?: number; scopes?: readonly Scope[]; accountId?: number } = {}): Promise<IssuedAccessToken> {
    const ttlMs = options.ttlMs ?? ACCESS_TOKEN_TTL_MS;
    if (!Number.isInteger(ttlMs) || ttlMs < 1000 || ttlMs > ACCESS_TOKEN_MAX_TTL_MS) throw new AppError('INTERNAL', 'an access token lives 1 second to 24 hours');
    const key = await this.authenticate(clientId, clientSecret);
    const scopes = options.scopes === undefined ? key.scopes : [...new Set(options.scopes)];
    const beyond = scopes.filter((s) => !hasScope(key.scopes, s));
    if (beyond.length > 0) throw new AppError('FORBIDDEN', `this key lacks the scope(s) asked for: ${beyond.join(', ')}`, { field: 'scope' });
    const accountId = options.accountId ?? key.accountId;
    if (accountId !== key.accountId) {
      const target = Number.isSafeInteger(accountId) ? await this.deps.store.accounts.findById(accountId) : undefined;
      if (!target || target.parentId !== key.accountId) throw new AppError('FORBIDDEN', 'the account must be the key\'s own or one of its sub-accounts', { field: 'account_id' });
    }
    const now = this.deps.clock.now();
    const token = `${ACCESS_TOKEN_PREFIX}${randomHex(32)}`;
    const expiresAt = now + ttlMs;
    await this.deps.store.accessTokens.deleteExpired(now);
    await this.deps.store.accessTokens.insert({ tokenHash: sha256Hex(token), keyId: key.id, accountId, scopes, createdAt: now, expiresAt });
    return { token, keyId: key.id, accountId, scopes, expiresAt, expiresIn: Math.floor(ttlMs / 1000) };
  }

  /**
   * Checks an access token (`Authorization: Bearer lethe_at_…`): the key it acts as, with
   * the token's scopes. Unknown, expired and revoked tokens (a revoked key's too) all read
   * `UNAUTHENTICATED`, the same as a bad key. `actingAccountId`: the account the token was
   * issued for (the key's own, or one of its sub-accounts).
   */
  async authenticateAccessToken(token: string): Promise<ApiKey & { actingAccountId: number }> {
    const value = token.trim();
    if (!value.startsWith(ACCESS_TOKEN_PREFIX) || value.length > 128) throw unauthenticated();
    const stored = await this.deps.store.accessTokens.findByHash(sha256Hex(value));
    if (!stored || stored.expiresAt <= this.deps.clock.now()) throw unauthenticated();
    const key = await this.deps.store.keys.findById(stored.keyId);
    if (!key || key.revokedAt !== null) throw unauthenticated();
    const { secretHash: _secretHash, ...apiKey } = key;
    await this.touch(apiKey);
    return { ...apiKey, scopes: stored.scopes, actingAccountId: stored.accountId };
  }

  /**
   * Trades a full API key for a dashboard session (`lethe_session_<64 hex>`): it acts as
   * the key, with its scopes and for its account, until it expires (8 hours), is ended or
   * the key is revoked. Only its hash is stored (beside the access tokens). A wrong key is
   * `UNAUTHENTICATED`.
   */
  async startSession(fullKey: string): Promise<{ token: string; key: ApiKey; expiresAt: number }> {
    const key = await this.authenticateToken(fullKey);
    const now = this.deps.clock.now();
    const token = `${SESSION_PREFIX}${randomHex(32)}`;
    const expiresAt = now + SESSION_TTL_MS;
    await this.deps.store.accessTokens.deleteExpired(now);
    await this.deps.store.accessTokens.insert({ tokenHash: sha256Hex(token), keyId: key.id, accountId: key.accountId, scopes: key.scopes, createdAt: now, expiresAt });
    return { token, key, expiresAt };
  }

  /** Checks a session: its key, with the session's expiry. Unknown, expired, ended and revoked all read `UNAUTHENTICATED`. */
  async authenticateSession(token: string): Promise<ApiKey & { actingAccountId: number; sessionExpiresAt: number }> {
    const value = token.trim();
    if (!value.startsWith(SESSION_PREFIX) || value.length > 128) throw unauthenticated();
    const stored = await this.deps.store.accessTokens.findByHash(sha256Hex(value));
    if (!stored || stored.expiresAt <= this.deps.clock.now()) throw unauthenticated();
    const key = await this.deps.store.keys.findById(stored.keyId);
    if (!key || key.revokedAt !== null) throw unauthenticated();
    const { secretHash: _secretHash, ...apiKey } = key;
    await this.touch(apiKey);
    return { ...apiKey, scopes: stored.scopes, actingAccountId: stored.accountId, sessionExpiresAt: stored.expiresAt };
  }

  /** Ends a session (sign out); an unknown one is already ended. */
  async endSession(token: string): Promise<void> {
    if (!token.startsWith(SESSION_PREFIX) || token.length > 128) return;
    await this.deps.store.accessTokens.deleteByHash(sha256Hex(token));
  }

  /** Whether the key may still act (exists and is not revoked): long requests (progress streams) ask again as they run. */
  async isActive(id: string | null): Promise<boolean> {
    if (id === null) return false;
    const stored = await this.deps.store.keys.findById(id);
    return stored !== undefined && stored.revokedAt === null;
  }

  /** Last-used time to the minute: enough to audit keys, without a write on every request. */
  private async touch(key: ApiKey): Promise<void> {
    const now = this.deps.clock.now();
    if (key.lastUsedAt === null || now - key.lastUsedAt > 60_000) await this.deps.store.keys.touch(key.id, now);
  }
}
