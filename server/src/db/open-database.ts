import type { Database } from './database.ts';
import { PgliteDatabase } from './pglite-database.ts';
import { PostgresDatabase } from './postgres-database.ts';

/**
 * `databaseUrl` (the owner's login) selects a Postgres server, `applicationUrl` optionally the
 * application role's own login; otherwise PGlite keeps its data in `dataDir` (memory when undefined).
 */
export async function openDatabase(options: { databaseUrl?: string | undefined; applicationUrl?: string | undefined; dataDir?: string | undefined; poolSize?: number }): Promise<Database> {
  if (options.databaseUrl) return new PostgresDatabase({ systemUrl: options.databaseUrl, applicationUrl: options.applicationUrl, poolSize: options.poolSize });
  return PgliteDatabase.open(options.dataDir);
}
