import type { Scope } from './keys/scopes.js';

/** The API surface a request came through; recorded on operations and in the audit. */
export const SURFACES = ['native', 'sendgrid', 'mailjet', 'marketing-cloud', 'constant-contact', 'cli', 'scheduler'] as const;
export type Surface = (typeof SURFACES)[number];

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
