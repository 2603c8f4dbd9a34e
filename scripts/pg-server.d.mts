// Types for scripts/pg-server.mjs, so TypeScript benchmarks and tests can import it.
export interface PostgresServer {
  /** postgres://protean:<password>@127.0.0.1:<port>/protean */
  url: string;
  port: number;
  pid: number;
  /** The temp folder holding the cluster; removed by stop(). */
  dir: string;
  /** Stops the server by PID and removes its folder. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** OS user the server runs as when started by root (default protean-pg). */
  osUser?: string;
  /** Database created for the caller (default protean). */
  database?: string;
  /** Superuser role in the URL (default protean). */
  role?: string;
  /** Extra server settings, each 'name=value' (e.g. 'shared_preload_libraries=pg_stat_statements'). */
  settings?: string[];
}

export function startPostgres(options?: StartPostgresOptions): Promise<PostgresServer>;
export function stopPostgres(pid: number, dir: string): Promise<void>;
/** Stops the server by PID and keeps its folder: the first half of a restart. */
export function haltPostgres(pid: number, dir: string): Promise<void>;
/** Starts the server of `dir` again with the same port and settings; resolves to its new PID. */
export function resumePostgres(dir: string): Promise<number>;
export function findPostgresBinDir(): string | undefined;
