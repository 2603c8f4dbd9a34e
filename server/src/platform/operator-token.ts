import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { queryOne, type Database } from '../db/database.ts';

/**
 * The operator token is stored only as its SHA-256, in `platform_secret`, which the
 * application role cannot read (migration 11). A generated token is shown once, when made.
 */
const KEY = 'operator_token_sha256';

export const hashOperatorToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
export const newOperatorToken = () => `op_${randomBytes(24).toString('base64url')}`;

export async function storedOperatorTokenHash(db: Database): Promise<string | undefined> {
  const row = await db.system((q) => queryOne<{ value: string }>(q, 'select value from platform_secret where key = $1', [KEY]));
  return row?.value;
}

/** Stores a new token's hash in place of the old one and returns the token, for printing once. */
export async function rotateOperatorToken(db: Database): Promise<string> {
  const token = newOperatorToken();
  await db.system((q) =>
    q.query('insert into platform_secret (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value, created_at = now()', [KEY, hashOperatorToken(token)]),
  );
  return token;
}

/** Compares digests of equal length, so no given text (multibyte, any length) can make it throw. */
export function operatorTokenMatches(given: string, expectedHash: string | undefined): boolean {
  if (!expectedHash || !given) return false;
  const expected = Buffer.from(expectedHash, 'hex');
  const actual = Buffer.from(hashOperatorToken(given), 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}
