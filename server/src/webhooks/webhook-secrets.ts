import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Database } from '../db/database.ts';

/** The platform key's name in `platform_secret`, which the application role cannot read (ADR 0005). */
const KEY_NAME = 'webhook_secret_key';
/** Stored secrets begin with this; anything else is a secret stored before encryption, sealed at start. */
const SEALED = 'enc1:';

/**
 * Webhook signing secrets at rest (ADR 0016). The sender needs the secret itself to sign, so it is
 * encrypted, not hashed: AES-256-GCM under a random platform key kept in `platform_secret` (made
 * by whichever process needs it first, as the list cursor key is), with the tenant and webhook ids
 * as associated data, so a sealed secret copied to another webhook's row does not open. A copy of
 * the tenant tables (or a read through the application role) holds no usable secret.
 */
export class WebhookSecrets {
  readonly #db: Database;
  #key: Promise<Buffer> | undefined;

  constructor(db: Database) {
    this.#db = db;
  }

  async seal(tenantId: string, webhookId: string, secret: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.#keyOnce(), iv);
    cipher.setAAD(Buffer.from(`${tenantId}/${webhookId}`));
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `${SEALED}${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${sealed.toString('base64url')}`;
  }

  async open(tenantId: string, webhookId: string, stored: string): Promise<string> {
    // Registered before secrets were sealed, and not yet sealed by `sealStored`.
    if (!stored.startsWith(SEALED)) return stored;
    const [iv, tag, sealed] = stored.slice(SEALED.length).split('.');
    const decipher = createDecipheriv('aes-256-gcm', await this.#keyOnce(), Buffer.from(iv ?? '', 'base64url'));
    decipher.setAAD(Buffer.from(`${tenantId}/${webhookId}`));
    decipher.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed ?? '', 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Seals the secrets stored in clear before this version; the number sealed. */
  async sealStored(): Promise<number> {
    const clear = await this.#db.system((q) => q.query<{ tenant_id: string; id: string; secret: string }>(`select tenant_id, id, secret from webhook where secret not like '${SEALED}%'`));
    for (const row of clear) {
      const sealed = await this.seal(row.tenant_id, row.id, row.secret);
      // Only if still the clear one: a rotation meanwhile has sealed its own.
      await this.#db.system((q) => q.query('update webhook set secret = $4 where tenant_id = $1 and id = $2 and secret = $3', [row.tenant_id, row.id, row.secret, sealed]));
    }
    return clear.length;
  }

  #keyOnce(): Promise<Buffer> {
    this.#key ??= this.#loadKey().catch((error: unknown) => {
      this.#key = undefined;
      throw error;
    });
    return this.#key;
  }

  async #loadKey(): Promise<Buffer> {
    const value = await this.#db.system(async (q) => {
      await q.query('insert into platform_secret (key, value) values ($1, $2) on conflict (key) do nothing', [KEY_NAME, randomBytes(32).toString('base64url')]);
      return (await q.query<{ value: string }>('select value from platform_secret where key = $1', [KEY_NAME]))[0]?.value;
    });
    if (!value) throw new Error('The webhook secret key could not be read from platform_secret');
    return Buffer.from(value, 'base64url');
  }
}
