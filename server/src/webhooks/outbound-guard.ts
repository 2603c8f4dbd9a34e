import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPublicAddress } from '@protean/runtime';

/**
 * Which outbound targets the operator allows besides public addresses: `PROTEAN_WEBHOOK_ALLOW_HOSTS`
 * lists hosts or IP addresses (`127.0.0.1,hooks.internal`), `*` allows every private target.
 */
export interface OutboundPolicy {
  allowHosts: ReadonlySet<string>;
  allowAllPrivate: boolean;
}

export function outboundPolicyFrom(env: NodeJS.ProcessEnv = process.env): OutboundPolicy {
  const listed = (env['PROTEAN_WEBHOOK_ALLOW_HOSTS'] ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  return { allowHosts: new Set(listed.filter((h) => h !== '*')), allowAllPrivate: listed.includes('*') };
}

// One list of the addresses no integration may reach (loopback, private, link-local with cloud
// metadata at 169.254.169.254, NAT64 and 6to4 forms of them, reserved and multicast): the runtime's.
const isPrivate = (address: string): boolean => !isPublicAddress(address, isIP(address) === 6 ? 6 : 4);

export class OutboundRefused extends Error {}

/**
 * Resolves `url`'s host and returns the address to connect to, refusing any address that is
 * private or loopback unless the operator allowed the host. The caller connects to exactly this
 * address (a second lookup could answer differently: DNS rebinding).
 */
export async function checkTarget(url: URL, policy: OutboundPolicy): Promise<{ address: string; family: 4 | 6 }> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundRefused('the URL must be http or https');
  if (url.username || url.password) throw new OutboundRefused('the URL must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) as 4 | 6 }] : await lookup(host, { all: true, verbatim: true }).catch(() => []);
  if (addresses.length === 0) throw new OutboundRefused(`the host '${host}' does not resolve`);
  const allowed = policy.allowAllPrivate || policy.allowHosts.has(host);
  for (const a of addresses) {
    if (!allowed && isPrivate(a.address) && !policy.allowHosts.has(a.address)) throw new OutboundRefused(`'${host}' is a private or loopback address (${a.address}); the operator has not allowed it`);
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
