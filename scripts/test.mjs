#!/usr/bin/env node
// The one test command (`npm test`, which runs this file under Node 24 via scripts/node24.mjs):
// typecheck, build the studio when it has a Vite config, run every Vitest project, then print
// the plain line `N passed, N failed`. A failed typecheck or studio build counts as 1 failed.
//
// Arguments after `npm test --` go to Vitest (e.g. `npm test -- --project runtime`).
// Tests read DATABASE_URL themselves: set, they use that Postgres server; unset, PGlite.
// With PROTEAN_TEST_POSTGRES_URL set (.ci/run), the one Vitest run covers both: the `server`
// project on PGlite and `server-postgres` on that server (see vitest.config.ts).
// Environment:
//   PROTEAN_TEST_OUTPUT  folder for the JSON report and summary.json (default test-output)
//   PROTEAN_TEST_LABEL   optional prefix for the summary line ("label: 3 passed, 0 failed")
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outputDir = resolve(root, process.env.PROTEAN_TEST_OUTPUT ?? 'test-output');
const reportFile = join(outputDir, 'vitest.json');
const node = process.execPath;

if (Number(process.versions.node.split('.')[0]) !== 24) {
  process.stderr.write(`protean: scripts/test.mjs expects Node 24, got ${process.versions.node}; run it with \`npm test\`\n`);
}

function run(title, command, args, options = {}) {
  process.stdout.write(`\n── ${title}\n`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env, ...options });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = result.status === 0;
  process.stdout.write(`── ${title}: ${ok ? 'ok' : `FAILED (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`} in ${seconds}s\n`);
  return ok;
}

/** `run`, with the output kept and printed whole at the end, so that steps run at once do not interleave. */
function runCaptured(title, command, args) {
  const started = Date.now();
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    let done = false;
    const finish = (ok, why) => {
      if (done) return;
      done = true;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`\n── ${title}\n${Buffer.concat(chunks).toString()}── ${title}: ${ok ? 'ok' : `FAILED (${why})`} in ${seconds}s\n`);
      resolveRun(ok);
    };
    child.on('error', (error) => finish(false, error.message));
    child.on('close', (code, signal) => finish(code === 0, `exit ${code ?? signal}`));
  });
}

function describeServer(url, name) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return `Postgres server ${parsed.toString()}`;
  } catch {
    return `Postgres server (${name} is set but is not a valid URL)`;
  }
}

function describeDatabase() {
  const both = process.env.PROTEAN_TEST_POSTGRES_URL;
  if (both) return `PGlite (project server) and ${describeServer(both, 'PROTEAN_TEST_POSTGRES_URL')} (project server-postgres)`;
  const url = process.env.DATABASE_URL;
  if (!url) return 'PGlite (embedded, DATABASE_URL not set)';
  return describeServer(url, 'DATABASE_URL');
}

function databaseLabel() {
  if (process.env.PROTEAN_TEST_POSTGRES_URL) return 'pglite+postgres';
  return process.env.DATABASE_URL ? 'postgres' : 'pglite';
}

function findViteConfig(dir) {
  return ['vite.config.ts', 'vite.config.mts', 'vite.config.js', 'vite.config.mjs'].map((f) => join(dir, f)).find(existsSync);
}

// Counts from Vitest's JSON report. A file that fails to load has no failed tests, and an
// unhandled error fails the run without failing a test: each still counts as one failure.
function countResults(report) {
  let failed = report.numFailedTests ?? 0;
  for (const file of report.testResults ?? []) {
    const hasFailedTest = (file.assertionResults ?? []).some((t) => t.status === 'failed');
    if (file.status === 'failed' && !hasFailedTest) failed += 1;
  }
  if (report.success === false && failed === 0) failed = 1;
  return { passed: report.numPassedTests ?? 0, failed };
}

process.stdout.write(`protean tests on Node ${process.versions.node}; database: ${describeDatabase()}\n`);
mkdirSync(outputDir, { recursive: true });
rmSync(reportFile, { force: true });

let passed = 0;
let failed = 0;
const steps = {};

// TypeScript 7, the compiler ported to native code: a tenth of the CPU of TypeScript 5's tsc for the
// same checks (the runtime keeps TypeScript 5, whose JavaScript API compiles tenants' scripts).
const tsc = join(root, 'node_modules', 'typescript-native', 'bin', 'tsc');
// The typechecks and the studio build share no output: they run at once, and their outputs are
// printed one after another when all are done.
const checks = [{ title: 'typecheck: tsconfig.json', command: node, args: [tsc, '-p', 'tsconfig.json'] }];
// The studio app without Node's types; then its tests and bench, which run under Node.
for (const config of ['studio/tsconfig.json', 'studio/tsconfig.test.json']) {
  if (existsSync(join(root, config))) checks.push({ title: `typecheck: ${config}`, command: node, args: [tsc, '-p', config] });
}
const hasStudioBuild = Boolean(findViteConfig(join(root, 'studio')));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
if (hasStudioBuild) checks.push({ title: 'studio build', command: npm, args: ['run', 'build', '--workspace', 'studio'] });
const outcomes = await Promise.all(checks.map((check) => runCaptured(check.title, check.command, check.args)));
const typecheckOk = outcomes.filter((_, i) => checks[i].title.startsWith('typecheck')).every(Boolean);
steps.typecheck = typecheckOk ? 'passed' : 'failed';
if (!typecheckOk) failed += 1;
if (hasStudioBuild) {
  const buildOk = outcomes[outcomes.length - 1];
  steps.studioBuild = buildOk ? 'passed' : 'failed';
  if (!buildOk) failed += 1;
} else {
  process.stdout.write('\n── studio build: skipped (studio has no vite config yet)\n');
  steps.studioBuild = 'skipped';
}

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const vitestOk = run('vitest', node, [
  vitest, 'run',
  '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`,
  ...process.argv.slice(2),
]);
if (existsSync(reportFile)) {
  const counts = countResults(JSON.parse(readFileSync(reportFile, 'utf8')));
  passed += counts.passed;
  failed += counts.failed;
  if (!vitestOk && counts.failed === 0) failed += 1;
} else {
  process.stdout.write(`vitest wrote no report to ${reportFile}\n`);
  failed += 1;
}
steps.vitest = vitestOk ? 'passed' : 'failed';

writeFileSync(join(outputDir, 'summary.json'), `${JSON.stringify({ passed, failed, steps, node: process.versions.node, database: databaseLabel() }, null, 2)}\n`);
const label = process.env.PROTEAN_TEST_LABEL ? `${process.env.PROTEAN_TEST_LABEL}: ` : '';
process.stdout.write(`\n${label}${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
