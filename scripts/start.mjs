#!/usr/bin/env node
// `npm start` (run under Node 24 by scripts/node24.mjs): builds the studio when its build is
// missing or older than its sources, then becomes the server (execve) with this same Node binary.
// The server reads DATABASE_URL, PORT, HOST and PROTEAN_DATA_DIR itself.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const studio = join(root, 'studio');
const builtIndex = join(studio, 'dist', 'index.html');
const serverEntry = join(root, 'server', 'src', 'main.ts');

// What the studio bundle is made from: its own files plus the browser-safe metadata code it imports.
const studioInputs = [
  join(studio, 'src'), join(studio, 'public'), join(studio, 'index.html'), join(studio, 'package.json'),
  join(studio, 'tsconfig.json'), join(studio, 'vite.config.ts'), join(studio, 'vite.config.js'),
  join(studio, 'vite.config.mjs'), join(studio, 'vite.config.mts'), join(root, 'metadata', 'src'),
];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function hasViteConfig() {
  return ['vite.config.ts', 'vite.config.mts', 'vite.config.js', 'vite.config.mjs'].some((f) => existsSync(join(studio, f)));
}

if (hasViteConfig()) {
  const builtAt = existsSync(builtIndex) ? statSync(builtIndex).mtimeMs : 0;
  if (builtAt === 0 || studioInputs.some((p) => newestMtime(p) > builtAt)) {
    process.stdout.write(builtAt === 0 ? 'protean: building the studio\n' : 'protean: studio sources changed, rebuilding the studio\n');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const build = spawnSync(npm, ['run', 'build', '--workspace', 'studio'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) {
      process.stderr.write('protean: studio build failed\n');
      process.exit(build.status ?? 1);
    }
  }
} else {
  process.stdout.write('protean: studio has no vite config yet, skipping its build\n');
}

if (!existsSync(serverEntry)) {
  process.stderr.write(`protean: server entry point ${serverEntry} does not exist yet\n`);
  process.exit(1);
}

const args = ['--no-node-snapshot', serverEntry, ...process.argv.slice(2)];
// This process becomes the server (same pid, no wrapper left holding memory); spawn only where execve is missing.
if (typeof process.execve === 'function') {
  process.chdir(root);
  process.execve(process.execPath, [process.execPath, ...args], process.env);
}
const server = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => {
  if (!signal) process.exit(code ?? 1);
  // Die of the same signal so callers see it; our own forwarding handler must not catch it.
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
});
