// One Vitest run covers every workspace. `npm test` (scripts/test.mjs) runs it under Node 24.
//
//   metadata, runtime, plugins, server: unit tests beside the code (<pkg>/src/**/*.test.ts)
//                                       and integration tests in <pkg>/test/**/*.test.ts
//   studio:                             pure-logic unit tests beside the code (studio/src/**/*.test.ts)
//   studio-browser:                     studio/test/**/*.browser.test.ts, driving Debian's Chromium
//                                       with playwright-core against the built studio
//
//   server-postgres:                    the server's tests against a PostgreSQL server, only when
//                                       PROTEAN_TEST_POSTGRES_URL is set (.ci/run sets it); `server`
//                                       then keeps the tests of the embedded engine (see below)
//
// Every project runs in forked child processes started with --no-node-snapshot, which
// isolated-vm needs. Integration tests reach a real database (DATABASE_URL, else PGlite),
// hence timeouts well above Vitest's defaults. With PROTEAN_TEST_POSTGRES_URL set, one run
// covers both databases: `server` on PGlite (DATABASE_URL removed) and `server-postgres` on
// that server. Only the server's tests open a database.
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const nodePackages = ['metadata', 'runtime', 'plugins', 'server'] as const;
const postgresUrl = process.env['PROTEAN_TEST_POSTGRES_URL'];

/**
 * With a PostgreSQL server at hand, the server's tests run once, on it (`server-postgres`), and
 * on PGlite (`server`) only those whose outcome depends on the embedded engine rather than on
 * the SQL both run (ADR 0022): its adapter (one connection, transactions queued in-process, its
 * own commit notices), its upkeep, the pg_trgm build it ships, row-level security, plans and
 * backfills on its single connection. Its errors carry the SQLSTATE codes the PostgreSQL server's
 * do, which the problem handler maps alike. The studio's browser tests run the product's own server
 * on PGlite as well, end to end: every record and metadata change they make. Without a server
 * (`npm test` on a developer's machine) every server test runs on PGlite.
 */
const EMBEDDED_DATABASE_TESTS = [
  'server/test/embedded-maintenance.test.ts',
  'server/test/tenancy.test.ts',
  'server/test/search.test.ts',
  'server/test/outbox.test.ts',
  'server/test/slot-backfill.test.ts',
  'server/test/list-read-path.test.ts',
  'server/test/write-integrity.test.ts',
  'server/test/kept-pages.test.ts',
];

/**
 * Files that spend minutes waiting on the wall clock (a session's idle time running out), not on
 * a core. They start first, beside the files that need the cores, instead of running alone at the
 * end of the run, where the default order (project by project, larger files first) put them.
 */
const WAITS_ON_CLOCK = ['studio/test/session-timeout.browser.test.ts'];

/**
 * Then the browser files, the longest of the run, one after another, then the server's files, the
 * heaviest, and the small unit-test projects last. Vitest keeps a worker for the next file only when
 * that file is of the same project (the project's `isolate: false`): files of one project in a row
 * keep their worker, its evaluated modules and, for browser files, its server. Browser files run
 * beside one another when the clock waiter holds a worker: they wait on rendering more than they
 * use the cores.
 */
const PROJECTS_IN_ORDER = ['studio-browser', 'server-postgres', 'server', 'runtime', 'metadata', 'plugins', 'studio'];

class ClockWaitersFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const waits = (spec: TestSpecification) => WAITS_ON_CLOCK.some((path) => spec.moduleId.endsWith(path));
    const rank = (spec: TestSpecification) => (waits(spec) ? -1 : PROJECTS_IN_ORDER.indexOf(spec.project.name));
    // A stable sort: within a project, the base order (larger files first) stays.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

/**
 * Projects whose test files run one after another in a reused worker instead of one fresh worker
 * each: their files import the same module graph (the server's ~300 modules), which a fresh
 * worker evaluated again for every file: 136 of the 360 s of CPU the server's tests took. Their
 * files share no module state (each test builds its own tenants, harness and servers) and a
 * worker serves only files of its own project. Browser files share their worker's server as well
 * (studio/test/harness.ts). The runtime's tests stay isolated: they measure the process (its
 * memory, its sandbox children) and start from a clean one.
 */
const SHARES_WORKERS = new Set(['metadata', 'server', 'server-postgres', 'studio', 'studio-browser']);
const workers = (name: string) => (SHARES_WORKERS.has(name) ? { isolate: false } : {});

// `env` can only set variables; a setup file removes DATABASE_URL in the project's workers.
const databaseEnv = (name: string) =>
  name === 'server' && postgresUrl ? { include: EMBEDDED_DATABASE_TESTS, setupFiles: ['scripts/test-pglite-env.ts'] } : {};

export default defineConfig({
  test: {
    pool: 'forks',
    // Most test time is spent waiting on a database, a server or a browser, not on a core: on a
    // 2-core machine the default (one worker) ran the files one after another.
    maxWorkers: 5,
    execArgv: ['--no-node-snapshot'],
    // One migrated PGlite data folder per run, copied by each test server on the embedded engine.
    globalSetup: ['scripts/test-pglite-template.ts'],
    environment: 'node',
    sequence: { sequencer: ClockWaitersFirst },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // A project with no test files yet (the studio ones, today) is not an error.
    passWithNoTests: true,
    projects: [
      ...nodePackages.map((name) => ({
        extends: true,
        test: {
          name,
          include: [`${name}/src/**/*.test.ts`, `${name}/test/**/*.test.ts`],
          exclude: ['**/node_modules/**', '**/*.browser.test.ts'],
          ...databaseEnv(name),
          ...workers(name),
        },
      })),
      ...(postgresUrl
        ? [{
            extends: true,
            test: {
              name: 'server-postgres',
              ...workers('server-postgres'),
              include: ['server/src/**/*.test.ts', 'server/test/**/*.test.ts'],
              exclude: ['**/node_modules/**', '**/*.browser.test.ts'],
              // Test files share the database: only the webhook tests' own servers send webhooks, with
              // their fast retry timing, or a sender of another file would claim their deliveries.
              env: { DATABASE_URL: postgresUrl, PROTEAN_WEBHOOK_DELIVER: '0' },
            },
          }]
        : []),
      {
        extends: true,
        test: {
          name: 'studio',
          ...workers('studio'),
          include: ['studio/src/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.browser.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'studio-browser',
          ...workers('studio-browser'),
          include: ['studio/test/**/*.browser.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // A page waited on (`expect.poll`) loads and renders over a real server: Vitest's one second
          // was shorter than a page takes on a loaded machine.
          expect: { poll: { timeout: 15_000 } },
        },
      },
    ],
  },
});
