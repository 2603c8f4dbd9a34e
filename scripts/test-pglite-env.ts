// Vitest setup file of the `server` project when one run covers both databases
// (PROTEAN_TEST_POSTGRES_URL set, see vitest.config.ts): without DATABASE_URL the project's
// tests open PGlite, while `server-postgres` runs the same tests against the server.
delete process.env['DATABASE_URL'];
