import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { OutboundRefused } from '../sandbox/script-sandbox.ts';
import type { HttpHost, OutboundRequest, OutboundResponse } from '../sandbox/host-api.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface OutboundPolicy {
  /**
   * Host names the script or plugin declared: `api.example.com`, or `*.example.com` for its
   * subdomains; `'any'` for a caller that names no hosts (a workflow's HTTP step), which the
   * address checks alone then bound.
   */
  allowedHosts: readonly string[] | 'any';
  maxResponseBytes?: number;
  /** For the whole exchange, redirects included. */
  timeoutMs?: number;
  maxRedirects?: number;
  /** Name resolution (default: the system resolver, every address). */
  resolve?: (host: string) => Promise<ResolvedAddress[]>;
  /** Which resolved addresses may be connected to (default: public unicast only). */
  allowAddress?: (address: string, family: 4 | 6) => boolean;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);
const DROPPED_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'keep-alive', 'te', 'trailer']);

const nonPublic = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) nonPublic.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  // ::/96 holds the unspecified and loopback addresses and the deprecated IPv4-compatible form (::7f00:1 is 127.0.0.1).
  ['::', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) nonPublic.addSubnet(net, prefix, 'ipv6');

/** Public unicast only: loopback, private, link-local (cloud metadata), shared, reserved and multicast ranges are refused. */
export function isPublicAddress(address: string, family: 4 | 6): boolean {
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return isPublicAddress(mapped[1]!, 4);
    if (/^::ffff:/i.test(address)) return false;
  }
  return !nonPublic.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export function hostDeclared(host: string, allowed: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.startsWith('*.') ? name.endsWith(p.slice(1)) && name.length > p.length - 1 : name === p;
  });
}

async function systemResolve(host: string): Promise<ResolvedAddress[]> {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

/**
 * ctx.http for one script or plugin: requests go only to declared hosts, and only to an address
 * checked after resolution: the connection is pinned to that address, so a name that resolves
 * differently a moment later (DNS rebinding) cannot move it. Every redirect is checked again;
 * the response is cut off past its size limit and the exchange past its time limit.
 */
export function createOutboundHttp(policy: OutboundPolicy): HttpHost {
  const maxBytes = policy.maxResponseBytes ?? 1024 * 1024;
  const timeoutMs = policy.timeoutMs ?? 5_000;
  const maxRedirects = policy.maxRedirects ?? 3;
  const resolve = policy.resolve ?? systemResolve;
  const allowAddress = policy.allowAddress ?? isPublicAddress;

  async function target(url: URL): Promise<ResolvedAddress> {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundRefused(`only http and https URLs may be fetched, not ${url.protocol}`);
    if (url.username || url.password) throw new OutboundRefused('URLs with credentials are refused; send them in a header');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (policy.allowedHosts !== 'any' && !hostDeclared(host, policy.allowedHosts)) throw new OutboundRefused(`host '${host}' is not among the declared outbound hosts`);
    const family = isIP(host);
    const addresses = family ? [{ address: host, family: family as 4 | 6 }] : await resolve(host).catch(() => {
      throw new OutboundRefused(`host '${host}' could not be resolved`);
    });
    if (addresses.length === 0) throw new OutboundRefused(`host '${host}' has no address`);
    const refused = addresses.find((a) => !allowAddress(a.address, a.family));
    // One private address among public ones is enough to refuse: which one a client picks is not ours to predict.
    if (refused) throw new OutboundRefused(`host '${host}' resolves to ${refused.address}, a private, loopback or link-local address`);
    return addresses[0]!;
  }

  return {
    async fetch(rawUrl: string, request: OutboundRequest): Promise<OutboundResponse> {
      const deadline = Date.now() + timeoutMs;
      let url: URL;
      try {
        url = new URL(rawUrl);
      } catch {
        throw new OutboundRefused(`'${rawUrl.slice(0, 100)}' is not a URL`);
      }
      let method = (request.method ?? 'GET').toUpperCase();
      if (!METHODS.has(method)) throw new OutboundRefused(`method ${method} is not allowed`);
      let body = request.body === undefined || request.body === null ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers ?? {}).slice(0, 50)) {
        if (typeof value === 'string' && !DROPPED_HEADERS.has(name.toLowerCase())) headers[name] = value;
      }
      if (body !== undefined && typeof request.body !== 'string' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      for (let redirects = 0; ; redirects++) {
        const address = await target(url);
        const response = await exchange(url, address, method, headers, body, maxBytes, deadline - Date.now());
        const location = response.headers['location'];
        if ([301, 302, 303, 307, 308].includes(response.status) && location) {
          if (redirects >= maxRedirects) throw new OutboundRefused(`more than ${maxRedirects} redirects`);
          url = new URL(location, url);
          if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
            method = 'GET';
            body = undefined;
          }
          continue;
        }
        const type = response.headers['content-type'] ?? '';
        let json: unknown;
        if (/json/i.test(type)) {
          try {
            json = JSON.parse(response.body);
          } catch {
            json = undefined;
          }
        }
        return json === undefined ? response : { ...response, json };
      }
    },
  };
}

function exchange(url: URL, address: ResolvedAddress, method: string, headers: Record<string, string>, body: string | undefined, maxBytes: number, timeLeft: number): Promise<OutboundResponse> {
  if (timeLeft <= 0) return Promise.reject(new OutboundRefused('the outbound request ran out of time'));
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        // The connection goes to the address that was checked, never to a fresh resolution.
        lookup: (_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
          if (options.all) callback(null, [{ address: address.address, family: address.family }]);
          else callback(null, address.address, address.family);
        },
        agent: false,
        timeout: timeLeft,
        ...(url.protocol === 'https:' ? { servername: isIP(url.hostname) ? undefined : url.hostname } : {}),
      } as http.RequestOptions,
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            request.destroy();
            reject(new OutboundRefused(`the response is larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          const out: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ status: response.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', reject);
      },
    );
    const timer = setTimeout(() => request.destroy(new OutboundRefused('the outbound request ran out of time')), timeLeft);
    request.on('close', () => clearTimeout(timer));
    request.on('timeout', () => request.destroy(new OutboundRefused('the outbound request ran out of time')));
    request.on('error', (error) => reject(error instanceof OutboundRefused ? error : new OutboundRefused(`the outbound request failed: ${error.message}`)));
    if (body !== undefined) request.write(body);
    request.end();
  });
}
