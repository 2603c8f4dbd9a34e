import { queryOne, type Database } from '../db/database.ts';

/** Small platform-wide settings (not tenant data): the operator token and the demo workspace's credentials. */
export async function readSetting<T>(db: Database, key: string): Promise<T | undefined> {
  const row = await db.system((q) => queryOne<{ value: T }>(q, 'select value from platform_setting where key = $1', [key]));
  return row?.value;
}

export async function writeSetting(db: Database, key: string, value: unknown): Promise<void> {
  await db.system((q) =>
    q.query('insert into platform_setting (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value, updated_at = now()', [key, JSON.stringify(value)]),
  );
}
