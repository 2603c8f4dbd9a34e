import { randomBytes, scrypt, timingSafeEqual, hash } from 'node:crypto';

/**
 * How expensive a password hash is. `owasp` is the OWASP Password Storage Cheat Sheet's scrypt
 * minimum (N=2^17, r=8, p=1: 128 MiB and about 0.3 s per hash); `test` is for test servers
 * only and is chosen by configuration (PROTEAN_PASSWORD_COST=test), never by default.
 */
export type PasswordCost = 'owasp' | 'test';

export interface ScryptParams {
  n: number;
  r: number;
  p: number;
}

export const PASSWORD_PARAMS: Record<PasswordCost, ScryptParams> = {
  owasp: { n: 1 << 17, r: 8, p: 1 },
  test: { n: 1 << 12, r: 8, p: 1 },
};

const KEY_LENGTH = 32;
// Stored hashes are ours, but a corrupt row must not make a login allocate without bound.
const MAX_N = 1 << 20;

export interface StoredHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

function derive(password: string, salt: Buffer, { n, r, p }: ScryptParams): Promise<Buffer> {
  // scrypt needs 128·N·r·p bytes; leave headroom so Node's own bookkeeping fits too.
  const maxmem = 128 * n * r * p + 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: n, r, p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParams): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return ['scrypt', params.n, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** `scrypt$N$r$p$salt$key`, or undefined when the text is not a hash we can check. */
export function parseHash(stored: string): StoredHash | undefined {
  const [scheme, n, r, p, salt, key, ...rest] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key || rest.length) return undefined;
  const params = { n: Number(n), r: Number(r), p: Number(p) };
  const valid = Number.isInteger(params.n) && params.n > 1 && params.n <= MAX_N && (params.n & (params.n - 1)) === 0 && params.r >= 1 && params.r <= 32 && params.p >= 1 && params.p <= 16;
  return valid ? { params, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') } : undefined;
}

export async function verifyPassword(password: string, stored: StoredHash): Promise<boolean> {
  const actual = await derive(password, stored.salt, stored.params);
  return actual.length === stored.key.length && timingSafeEqual(actual, stored.key);
}

/** True when a stored hash is cheaper than the current parameters, so the next login rehashes it. */
export const weakerThan = (stored: ScryptParams, target: ScryptParams): boolean => stored.n * stored.r * stored.p < target.n * target.r * target.p || stored.n < target.n;

/**
 * Session tokens and API keys carry 256 random bits, so a fast hash is enough to store them.
 * One-shot `hash`: every request hashes its credential to find it in the cache, and a Hash
 * object per call cost ~4 % of a get's server time.
 */
export const hashToken = (token: string) => hash('sha256', token, 'base64url');
export const newToken = () => randomBytes(32).toString('base64url');

export const PASSWORD_MIN_LENGTH = 10;
