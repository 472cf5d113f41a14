import { userInfo } from 'node:os';
import type { Config } from '../config.js';
import type { Actor } from '../core/actor.js';
import type { Account } from '../core/accounts/account.js';
import type { Lethe } from '../main.js';

/** Where a CLI command looked: the data folder and the database, with no password. */
export function whereOf(config: Pick<Config, 'dataDir' | 'databaseUrl'>): string {
  if (/^postgres(ql)?:\/\//i.test(config.databaseUrl)) {
    try {
      const url = new URL(config.databaseUrl);
      return `the PostgreSQL database ${url.host}${url.pathname} (DATABASE_URL / --database-url)`;
    } catch {
      return 'the PostgreSQL database of DATABASE_URL';
    }
  }
  return `the data folder ${config.dataDir} (--data-dir or LETHE_DATA_DIR to use another; DATABASE_URL for PostgreSQL)`;
}

/** The account named NAME or PARENT/NAME, or an error that says where it was looked for. */
export async function findAccount(lethe: Lethe, name: string): Promise<Account> {
  const [first = '', second] = name.split('/');
  let account = await lethe.store.accounts.findByName(null, first);
  if (account && second !== undefined) account = await lethe.store.accounts.findByName(account.id, second);
  if (!account) throw new Error(`no account named "${name}" in ${whereOf(lethe.config)}`);
  return account;
}

const MAX_OPERATOR = 64;

/**
 * The person at the keyboard, recorded with what the CLI does: `--by`, or the OS user.
 * Never an address: the audit holds no personal data of that kind.
 */
export function operatorName(by: string | undefined): string | undefined {
  if (by !== undefined) {
    const name = by.trim();
    if (name.length === 0 || name.length > MAX_OPERATOR) throw new Error(`--by names who is acting, 1 to ${MAX_OPERATOR} characters`);
    if (name.includes('@')) throw new Error('--by takes a name or handle, not an email address (the audit holds no addresses)');
    return name;
  }
  try {
    const user = userInfo().username.trim();
    return user.length > 0 && user.length <= MAX_OPERATOR && !user.includes('@') ? user : undefined;
  } catch {
    return undefined;
  }
}

/** The CLI acts as an admin of the named account (`PARENT/NAME` for a sub-account), as the operator `by`. */
export async function cliActor(lethe: Lethe, name: string, by?: string): Promise<Actor> {
  const account = await findAccount(lethe, name);
  const operator = operatorName(by);
  return { accountId: account.id, keyAccountId: account.id, keyId: null, scopes: ['admin'], via: 'cli', ...(operator ? { operator } : {}) };
}

export const BY_OPTION_HELP = 'who is acting, recorded in the audit (default: the OS user)';
