#!/usr/bin/env node
// A throwaway PostgreSQL 15 server for tests and benchmarks: initdb in a fresh temp folder,
// listening on 127.0.0.1 only (no Unix socket), on a free port, fsync off, one database
// and one password-protected role. Postgres refuses to run as root, so as root it runs as a
// dedicated system user (created when missing); otherwise as the current user.
//
// Library:  const pg = await startPostgres(); ...pg.url...; await pg.stop();
// CLI:      eval "$(node scripts/pg-server.mjs start)"   # sets DATABASE_URL, PG_PID, PG_DIR
//           eval "$(node scripts/pg-server.mjs restart "$PG_PID" "$PG_DIR")"   # sets the new PG_PID
//           node scripts/pg-server.mjs stop "$PG_PID" "$PG_DIR"
// Plain .mjs with no dependencies, so it runs on any Node the machine has (v20 included).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, openSync, closeSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PG_MAJOR = 15;
const DEFAULT_OS_USER = 'protean-pg';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function log(message) {
  process.stderr.write(`pg-server: ${message}\n`);
}

function tryExec(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The character classes the database uses: a UTF-8 locale's. Sorting stays bytewise (`C`), but
 * under an ASCII-only LC_CTYPE Postgres' lower() leaves "É" alone and pg_trgm reads every
 * non-ASCII letter as a space, so search finds no part of a Chinese name (the server refuses
 * such a database). glibc has C.UTF-8 built in since 2.35; before that, any UTF-8 locale will do.
 */
function unicodeCtype() {
  const available = (tryExec('locale', ['-a']) ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const utf8 = (name) => /\.utf-?8$/i.test(name);
  const pick = available.find((l) => /^c\.utf-?8$/i.test(l)) ?? available.find((l) => /^en_US\.utf-?8$/i.test(l)) ?? available.find(utf8);
  // `locale -a` missing or silent (some minimal images): glibc's built-in name.
  return pick ?? 'C.UTF-8';
}

function majorOf(binary) {
  const match = /(\d+)(?:\.\d+)?/.exec(tryExec(binary, ['--version']) ?? '');
  return match ? Number(match[1]) : undefined;
}

function candidateBinDirs() {
  const dirs = [];
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir) dirs.push(dir);
  const fromPgConfig = tryExec('pg_config', ['--bindir']);
  if (fromPgConfig) dirs.push(fromPgConfig);
  dirs.push(`/usr/lib/postgresql/${PG_MAJOR}/bin`);
  return dirs;
}

/** The folder holding initdb and postgres of major version 15, or undefined. */
export function findPostgresBinDir() {
  for (const dir of candidateBinDirs()) {
    const initdb = join(dir, 'initdb');
    const postgres = join(dir, 'postgres');
    // Symlinks such as /usr/local/bin/initdb lead to the real folder, which also holds createdb.
    if (existsSync(initdb) && existsSync(postgres) && majorOf(postgres) === PG_MAJOR && majorOf(initdb) === PG_MAJOR) return dirname(realpathSync(initdb));
  }
  return undefined;
}

function installPostgres() {
  if (!isRoot) throw new Error(`PostgreSQL ${PG_MAJOR} not found and not running as root: install postgresql-${PG_MAJOR} (apt-get install -y postgresql-${PG_MAJOR})`);
  log(`PostgreSQL ${PG_MAJOR} not found, installing postgresql-${PG_MAJOR} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', `postgresql-${PG_MAJOR}`], { stdio: ['ignore', 2, 2], env });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update'], { stdio: ['ignore', 2, 2], env });
    install();
  }
}

function ensureOsUser(name) {
  if (!isRoot) return { uid: process.getuid?.(), gid: process.getgid?.() };
  if (tryExec('id', ['-u', name]) === undefined) {
    log(`creating system user ${name}`);
    execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name], { stdio: ['ignore', 2, 2] });
  }
  return { uid: Number(tryExec('id', ['-u', name])), gid: Number(tryExec('id', ['-g', name])) };
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** True while the process exists and is not a zombie (an orphan nobody reaped still answers kill 0). */
function isRunning(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Guards against killing a recycled PID: the process must be a postgres serving our folder. */
function isOurPostgres(pid, dir) {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((arg) => arg.endsWith('postgres')) && cmdline.some((arg) => arg.startsWith(dir));
  } catch {
    return !existsSync('/proc/self'); // no /proc: trust the PID we were given
  }
}

async function waitUntilReady(dir, pid, logFile) {
  // postmaster.pid's 8th line is the server status; "ready" once it accepts connections.
  const pidFile = join(dir, 'data', 'postmaster.pid');
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) throw new Error(`postgres exited during startup:\n${readLog(logFile)}`);
    if (existsSync(pidFile) && readFileSync(pidFile, 'utf8').split('\n')[7]?.trim() === 'ready') return;
    await sleep(50);
  }
  throw new Error(`postgres not ready after ${READY_TIMEOUT_MS} ms:\n${readLog(logFile)}`);
}

function readLog(logFile) {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

// Fast shutdown, then immediate, then SIGKILL.
async function killPostgres(pid, dir) {
  if (pid && isRunning(pid) && isOurPostgres(pid, dir)) {
    const steps = [['SIGINT', STOP_TIMEOUT_MS], ['SIGQUIT', 5000], ['SIGKILL', 5000]];
    for (const [signal, waitMs] of steps) {
      try {
        process.kill(pid, signal);
      } catch {
        break;
      }
      const deadline = Date.now() + waitMs;
      while (isRunning(pid) && Date.now() < deadline) await sleep(50);
      if (!isRunning(pid)) break;
    }
    if (isRunning(pid)) log(`postgres ${pid} did not stop`);
  }
}

/** Stops the server by PID and removes its folder (only a folder this module created). */
export async function stopPostgres(pid, dir) {
  await killPostgres(pid, dir);
  if (dir && basename(dir).startsWith('protean-pg-')) rmSync(dir, { recursive: true, force: true });
}

/** Stops the server by PID but keeps its folder, so `resumePostgres` can start it again (a restart). */
export async function haltPostgres(pid, dir) {
  await killPostgres(pid, dir);
}

/**
 * Starts the server of a folder again, as it was started (postgres records its command line in
 * postmaster.opts): same port, same settings, same OS user. Resolves to the new PID.
 */
export async function resumePostgres(dir) {
  const opts = readFileSync(join(dir, 'data', 'postmaster.opts'), 'utf8').trim();
  const [binary, ...args] = [...opts.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
  const { uid, gid } = statSync(dir);
  const logFile = join(dir, 'postgres-resumed.log');
  const logFd = openSync(logFile, 'a', 0o644);
  if (isRoot) chownSync(logFile, uid, gid);
  const child = spawn(binary, args, { ...(isRoot ? { uid, gid } : {}), cwd: dir, detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  child.unref();
  await waitUntilReady(dir, child.pid, logFile);
  return child.pid;
}

/**
 * Starts a throwaway PostgreSQL 15 server. Resolves to { url, port, pid, dir, stop }.
 * Options: osUser (as root; default protean-pg), database and role names (default protean),
 * settings: extra server settings as 'name=value' (e.g. shared_preload_libraries=pg_stat_statements).
 */
export async function startPostgres({ osUser = DEFAULT_OS_USER, database = 'protean', role = 'protean', settings = [] } = {}) {
  let binDir = findPostgresBinDir();
  if (!binDir) {
    installPostgres();
    binDir = findPostgresBinDir();
    if (!binDir) throw new Error(`PostgreSQL ${PG_MAJOR} binaries still not found after installing postgresql-${PG_MAJOR}`);
  }
  const { uid, gid } = ensureOsUser(osUser);
  const asUser = isRoot ? { uid, gid } : {};

  const dir = mkdtempSync(join(tmpdir(), 'protean-pg-'));
  if (isRoot) chownSync(dir, uid, gid);
  const password = randomBytes(18).toString('base64url');
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (isRoot) chownSync(passwordFile, uid, gid);

  try {
    execFileSync(join(binDir, 'initdb'), [
      '--pgdata', join(dir, 'data'), '--username', role, '--pwfile', passwordFile,
      '--auth', 'scram-sha-256', '--encoding', 'UTF8', '--locale', 'C', '--lc-ctype', unicodeCtype(), '--no-sync',
    ], { ...asUser, cwd: dir, stdio: ['ignore', 'ignore', 2] });
    rmSync(passwordFile, { force: true });

    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      const logFile = join(dir, `postgres-${port}.log`);
      const logFd = openSync(logFile, 'a', 0o644);
      if (isRoot) chownSync(logFile, uid, gid);
      const child = spawn(join(binDir, 'postgres'), [
        '-D', join(dir, 'data'),
        '-c', 'listen_addresses=127.0.0.1', '-c', `port=${port}`, '-c', "unix_socket_directories=",
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
        '-c', 'max_connections=200',
        ...settings.flatMap((setting) => ['-c', setting]),
      ], { ...asUser, cwd: dir, detached: true, stdio: ['ignore', logFd, logFd] });
      closeSync(logFd);
      child.unref();
      const pid = child.pid;
      try {
        await waitUntilReady(dir, pid, logFile);
      } catch (error) {
        await killPostgres(pid, dir);
        // The free port can be taken between our probe and postgres' bind: retry on a new one.
        if (attempt < 3 && /could not (bind|create listen)/i.test(String(error))) continue;
        throw error;
      }
      const url = `postgres://${role}:${password}@127.0.0.1:${port}/${database}`;
      const createdb = existsSync(join(binDir, 'createdb')) ? join(binDir, 'createdb') : 'createdb';
      execFileSync(createdb, ['--host', '127.0.0.1', '--port', String(port), '--username', role, database], {
        stdio: ['ignore', 'ignore', 2], env: { ...process.env, PGPASSWORD: password },
      });
      return { url, port, pid, dir, stop: () => stopPostgres(pid, dir) };
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

const shellQuote = (value) => `'${String(value).replaceAll("'", `'\\''`)}'`;

async function main([command, ...args]) {
  if (command === 'start') {
    const pg = await startPostgres();
    process.stdout.write(`export DATABASE_URL=${shellQuote(pg.url)}\nexport PG_PID=${pg.pid}\nexport PG_DIR=${shellQuote(pg.dir)}\n`);
    log(`PostgreSQL ${PG_MAJOR} on 127.0.0.1:${pg.port}, pid ${pg.pid}, folder ${pg.dir}`);
  } else if (command === 'restart') {
    const [pid, dir] = args;
    if (!pid || !dir) throw new Error('usage: pg-server.mjs restart <pid> <dir>');
    await haltPostgres(Number(pid), dir);
    const restarted = await resumePostgres(dir);
    process.stdout.write(`export PG_PID=${restarted}\n`);
    log(`restarted ${dir} as pid ${restarted}`);
  } else if (command === 'stop') {
    const [pid, dir] = args;
    if (!pid || !dir) throw new Error('usage: pg-server.mjs stop <pid> <dir>');
    await stopPostgres(Number(pid), dir);
    log(`stopped pid ${pid}, removed ${dir}`);
  } else {
    process.stderr.write('usage: node scripts/pg-server.mjs start | restart <pid> <dir> | stop <pid> <dir>\n');
    process.exit(2);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
