import type { Scope } from './keys/scopes.js';

/**
 * What a request came through, recorded on operations and in the audit: an HTTP surface's
 * declared name (`native`, `sendgrid`, `mailjet`, …: http/surfaces.ts lists them), or
 * `cli` or `scheduler`. A new surface needs no change here.
 */
export type Surface = string;

/** Who is asking: the key, the account it belongs to, and the account it acts for. */
export interface Actor {
  /** The account the request acts on (the key's own, or a sub-account through on-behalf-of). */
  accountId: number;
  /** The account the key belongs to. */
  keyAccountId: number;
  keyId: string | null;
  scopes: readonly Scope[];
  via: Surface;
  /**
   * The person at the keyboard, for actions without a key (the CLI: `--by`, or the OS user).
   * Recorded as `by` in the audit and as `requested_by.operator` on operations; never an address.
   */
  operator?: string;
}
