import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Addresses a tenant's HTTP step may not reach unless the operator allows it: loopback, private, link-local, metadata. */
const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

export class OutboundBlocked extends Error {}

function isBlocked(address: string): boolean {
  const family = isIP(address);
  if (family === 6 && address.toLowerCase().startsWith('::ffff:')) return isBlocked(address.slice(7));
  return family === 4 ? blocked.check(address, 'ipv4') : family === 6 ? blocked.check(address, 'ipv6') : true;
}

/**
 * Checks a URL before a request leaves: http(s) only, and every address its host resolves to is
 * public unless `allowPrivate`. Answers the address to connect to, so the request goes where the
 * check looked (a second lookup could answer differently).
 */
export async function checkOutbound(url: string, allowPrivate: boolean): Promise<{ url: URL; address: string }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OutboundBlocked(`'${url}' is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new OutboundBlocked(`only http and https may be called, not ${parsed.protocol}`);
  if (parsed.username || parsed.password) throw new OutboundBlocked('credentials in the URL are not allowed; send them in a header');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (!addresses.length) throw new OutboundBlocked(`the host '${host}' does not resolve`);
  if (!allowPrivate) {
    const bad = addresses.find(isBlocked);
    if (bad) throw new OutboundBlocked(`the host '${host}' resolves to ${bad}, a private or loopback address, which workflows may not call`);
  }
  return { url: parsed, address: addresses[0]! };
}
