import { createHmac } from 'node:crypto';
import { foldCase } from '@protean/metadata/field-types';
import type { Database } from '../db/database.ts';
import { platformKey } from '../platform/platform-keys.ts';
import { signatureMatches } from './signatures.ts';

export const DEVICE_COOKIE = 'protean_device';
/** How long a browser that signed in to an account stays known to it. */
export const DEVICE_TRUST_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * Browsers that signed in to an account before (OWASP's "device cookies"). Failed sign-ins lock
 * an account against everyone, so whoever knew an email could keep its owner out for good with
 * a guess every lock; a browser that proved the password before, with its signed device cookie,
 * is held only by the lock of its own address. The cookie names the workspace and the account
 * (case-folded, as sign-in finds it) and when it was given, under a platform key.
 */
export class TrustedDevices {
  readonly #key: ReturnType<typeof platformKey>;

  constructor(db: Database) {
    this.#key = platformKey(db, 'device_cookie_hmac_key');
  }

  async issue(tenantId: string, email: string, now = Date.now()): Promise<string> {
    const payload = Buffer.from(JSON.stringify([tenantId, foldCase(email), Math.floor(now / 1000)])).toString('base64url');
    return `${payload}.${await this.#sign(payload)}`;
  }

  async trusts(cookie: string | undefined, tenantId: string, email: string, now = Date.now()): Promise<boolean> {
    if (!cookie || cookie.length > 1024) return false;
    const [payload, signature, extra] = cookie.split('.');
    if (!payload || !signature || extra !== undefined) return false;
    if (!signatureMatches(signature, await this.#sign(payload))) return false;
    try {
      const [forTenant, forEmail, issuedAt] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [unknown, unknown, unknown];
      return forTenant === tenantId && forEmail === foldCase(email) && typeof issuedAt === 'number' && now - issuedAt * 1000 < DEVICE_TRUST_MS;
    } catch {
      return false;
    }
  }

  async #sign(payload: string): Promise<string> {
    return createHmac('sha256', await this.#key()).update(payload).digest('base64url');
  }
}
