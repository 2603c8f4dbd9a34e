import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Database } from '../db/database.ts';

/**
 * A key the platform signs with (list cursors, trusted sign-in devices): the configured secret,
 * else 32 random bytes made once in `platform_secret` and shared by every server process.
 * Loaded once; a failed load is tried again on the next use.
 */
export function platformKey(db: Database, name: string, configured?: string): () => Promise<KeyObject> {
  let key: Promise<KeyObject> | undefined;
  const load = async (): Promise<KeyObject> => {
    if (configured) return createSecretKey(Buffer.from(configured, 'utf8'));
    const value = await db.system(async (q) => {
      await q.query('insert into platform_secret (key, value) values ($1, $2) on conflict (key) do nothing', [name, randomBytes(32).toString('base64url')]);
      return (await q.query<{ value: string }>('select value from platform_secret where key = $1', [name]))[0]?.value;
    });
    if (!value) throw new Error(`The platform key '${name}' could not be read from platform_secret`);
    return createSecretKey(Buffer.from(value, 'base64url'));
  };
  return () => {
    key ??= load().catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    return key;
  };
}
