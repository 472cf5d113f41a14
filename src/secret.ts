import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The server's secret for keyed hashes. It lives outside the database, so that a copy
 * of the database alone cannot reverse a keyed hash by guessing. `LETHE_SECRET` (hex or
 * any string of 32+ characters) wins; otherwise `<dataDir>/secret` is created on first start.
 * Every process on one database must share it; the store keeps a fingerprint to check.
 */
export function loadSecret(dataDir: string, configured: string | undefined): Buffer {
  if (configured !== undefined) return secretOf('LETHE_SECRET', configured);
  const file = join(dataDir, 'secret');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(file, `${secret.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

/** A configured secret: hex (64+ digits) or any string of 32+ characters. */
export function secretOf(name: string, configured: string): Buffer {
  if (configured.length < 32) throw new Error(`${name} must be at least 32 characters`);
  return /^[0-9a-f]{64,}$/i.test(configured) ? Buffer.from(configured, 'hex') : Buffer.from(configured, 'utf8');
}
