import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../errors.js';

/**
 * Where a webhook may not point: loopback, private, link-local, shared, multicast and
 * reserved ranges, so that a tenant cannot aim Lethe at the internal network. Checked on
 * every address a host name resolves to, when the endpoint is saved and again at each send
 * (on the address actually connected to), unless the operator allows private targets.
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32], ['100::', 64]] as const) BLOCKED.addSubnet(net, prefix, 'ipv6');

/** True when an IP address is one webhooks may not reach. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family !== 6) return true;
  // An IPv4-mapped IPv6 address is its IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return BLOCKED.check(mapped[1], 'ipv4');
  return BLOCKED.check(address, 'ipv6');
}

const refused = (message: string) => new AppError('VALIDATION_FAILED', message, { field: 'url', details: [{ field: 'url', message }] });

/** The URL's shape: http(s), no credentials; its host. Throws VALIDATION_FAILED. */
export function checkWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused('url is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refused('url must be http or https');
  if (url.username !== '' || url.password !== '') throw refused('url must not hold credentials');
  if (raw.length > 2000) throw refused('url is at most 2000 characters');
  return url;
}

/** Every address the URL's host resolves to is public (or private targets are allowed). Throws VALIDATION_FAILED. */
export async function checkWebhookTarget(raw: string, allowPrivate: boolean): Promise<void> {
  const url = checkWebhookUrl(raw);
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw refused('url\'s host does not resolve');
    }
  }
  if (addresses.length === 0 || addresses.some(isPrivateAddress)) throw refused('url points at a private, loopback or link-local address; webhooks go to public addresses only');
}
