// Vitest global setup (vitest.config.ts): one PGlite data folder, created and migrated once per
// run, that every test server on the embedded engine starts from as a copy. A fresh PGlite runs
// initdb inside WebAssembly and then every migration: ~3.5 s of CPU per server on a two-core
// machine, paid by each test file that starts one. A copy opens in ~0.4 s. The test that starts
// the product as a new user would (start-process.test.ts) still starts from an empty folder.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../server/src/db/migrations.ts';
import { openDatabase } from '../server/src/db/open-database.ts';

const TEMPLATE = 'PROTEAN_TEST_PGLITE_TEMPLATE';
const RUN_DIR = 'PROTEAN_TEST_RUN_DIR';

/**
 * Creates the template unless an earlier project's setup of this run did. It lives in a folder of
 * the run, where servers that outlive their test file (a worker's shared browser-test server) keep
 * their data too; the teardown removes the folder.
 */
export default async function setup(): Promise<(() => void) | undefined> {
  if (process.env[TEMPLATE]) return undefined;
  const runDir = mkdtempSync(join(tmpdir(), 'protean-test-run-'));
  const dir = join(runDir, 'template');
  const db = await openDatabase({ dataDir: dir });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  // Set before the workers are forked, which inherit them, as do the servers they spawn.
  process.env[TEMPLATE] = dir;
  process.env[RUN_DIR] = runDir;
  return () => {
    delete process.env[TEMPLATE];
    delete process.env[RUN_DIR];
    rmSync(runDir, { recursive: true, force: true });
  };
}

/** The folder of this run that its teardown removes; undefined without the global setup. */
export function testRunDir(): string | undefined {
  return process.env[RUN_DIR];
}

/**
 * Fills `dataDir` (an empty folder) with a copy of this run's migrated PGlite data folder; false
 * when the run has none (a test file run without the global setup), and the server then creates
 * the database itself.
 */
export function copyPgliteTemplate(dataDir: string): boolean {
  const template = process.env[TEMPLATE];
  if (!template) return false;
  cpSync(template, dataDir, { recursive: true });
  return true;
}
