import type { Database } from './database.ts';
import { PgliteDatabase } from './pglite-database.ts';
import { PostgresDatabase } from './postgres-database.ts';

/** `DATABASE_URL` selects a Postgres server; otherwise PGlite keeps its data in `dataDir` (memory when undefined). */
export async function openDatabase(options: { databaseUrl?: string | undefined; dataDir?: string | undefined; poolSize?: number }): Promise<Database> {
  if (options.databaseUrl) return new PostgresDatabase(options.databaseUrl, options.poolSize);
  return PgliteDatabase.open(options.dataDir);
}
