import type { Scope } from './scopes.js';

/**
 * Access tokens: OAuth2 client credentials on top of API keys. A key's public id
 * (`client_id`) and secret (`client_secret`) buy a short-lived bearer token that acts as
 * the key, with the key's scopes (or fewer, when asked). Only the token's hash is stored;
 * revoking the key revokes its tokens.
 */

/** Every token Lethe issues starts with this, so that a surface accepting both keys and tokens tells them apart. */
export const ACCESS_TOKEN_PREFIX = 'lethe_at_';

/**
 * Dashboard sessions are stored as access tokens with their own prefix: an API key is
 * traded once for a session (kept in an HttpOnly cookie, never the key), which acts as the
 * key with its scopes until it expires, is ended, or the key is revoked. The prefix keeps
 * a session from being used as an access token (Bearer) and the other way round.
 */
export const SESSION_PREFIX = 'lethe_session_';

/** A session's lifetime: a working day. */
export const SESSION_TTL_MS = 8 * 60 * 60_000;

/** A token's default lifetime: 20 minutes, as Marketing Cloud's tokens live. */
export const ACCESS_TOKEN_TTL_MS = 20 * 60_000;

/** The longest lifetime a surface may ask for. */
export const ACCESS_TOKEN_MAX_TTL_MS = 24 * 60 * 60_000;

/** A token as stored: its hash, never the token. */
export interface StoredAccessToken {
  /** sha256 (hex) of the whole token. */
  tokenHash: string;
  keyId: string;
  /** The account the token acts for: the key's own, or one of its sub-accounts. */
  accountId: number;
  scopes: Scope[];
  createdAt: number;
  expiresAt: number;
}

/** A newly issued token: shown once to the client that asked. */
export interface IssuedAccessToken {
  /** The bearer token (`lethe_at_<64 hex>`). */
  token: string;
  /** The key it acts as. */
  keyId: string;
  accountId: number;
  scopes: Scope[];
  /** Epoch ms after which it is refused. */
  expiresAt: number;
  /** Whole seconds from issue to expiry (OAuth2's `expires_in`). */
  expiresIn: number;
}

/** Port: stored access tokens (table `access_tokens`). */
export interface AccessTokensRepository {
  insert(token: StoredAccessToken): Promise<void>;
  findByHash(tokenHash: string): Promise<StoredAccessToken | undefined>;
  /** Removes one token (a session that is ended); returns how many (0 or 1). */
  deleteByHash(tokenHash: string): Promise<number>;
  /** Removes every token of a key (when it is revoked); returns how many. */
  deleteByKey(keyId: string): Promise<number>;
  /** Removes tokens that expired at or before `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}
