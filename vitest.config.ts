// One Vitest run covers every workspace. `npm test` (scripts/test.mjs) runs it under Node 24.
//
//   metadata, runtime, plugins, server: unit tests beside the code (<pkg>/src/**/*.test.ts)
//                                       and integration tests in <pkg>/test/**/*.test.ts
//   studio:                             pure-logic unit tests beside the code (studio/src/**/*.test.ts)
//   studio-browser:                     studio/test/**/*.browser.test.ts, driving Debian's Chromium
//                                       with playwright-core against the built studio
//
// Every project runs in forked child processes started with --no-node-snapshot, which
// isolated-vm needs. Integration tests reach a real database (DATABASE_URL, else PGlite),
// hence timeouts well above Vitest's defaults.
import { defineConfig } from 'vitest/config';

const nodePackages = ['metadata', 'runtime', 'plugins', 'server'] as const;

export default defineConfig({
  test: {
    pool: 'forks',
    execArgv: ['--no-node-snapshot'],
    environment: 'node',
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
        },
      })),
      {
        extends: true,
        test: {
          name: 'studio',
          include: ['studio/src/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.browser.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'studio-browser',
          include: ['studio/test/**/*.browser.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
