#!/usr/bin/env node
// Runs a script with Node 24 LTS. When the current node is already 24 it replaces itself with
// the script (execve); otherwise it fetches the official Node 24 binary from the npm registry once into
// .protean/node24 and reuses it on every later run.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const WANTED_MAJOR = 24;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function node24Binary() {
  if (Number(process.versions.node.split('.')[0]) === WANTED_MAJOR) return process.execPath;
  const platformPackage = `node-${process.platform}-${process.arch}`;
  const prefix = join(root, '.protean', 'node24');
  const exe = process.platform === 'win32' ? 'bin/node.exe' : 'bin/node';
  const binary = join(prefix, 'node_modules', platformPackage, exe);
  if (!existsSync(binary)) {
    mkdirSync(prefix, { recursive: true });
    process.stderr.write(`protean: node ${process.versions.node} found, fetching ${platformPackage}@${WANTED_MAJOR} from the npm registry\n`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    execFileSync(npm, ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', prefix, `${platformPackage}@${WANTED_MAJOR}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (!existsSync(binary)) throw new Error(`Node ${WANTED_MAJOR} binary missing after install: ${binary}`);
  }
  return binary;
}

const binary = node24Binary();
// Node's compile cache, in the project's own folder: the server, its CLI and the many processes a
// test run starts load the same few hundred modules, and a process that finds them compiled starts
// with a quarter less CPU. Node checks each entry against its source.
const env = {
  NODE_COMPILE_CACHE: join(root, '.protean', 'compile-cache'),
  ...process.env,
  PATH: `${dirname(binary)}${process.platform === 'win32' ? ';' : ':'}${process.env.PATH ?? ''}`,
};
// Already Node 24 (with execve): become the script, so no wrapper process stays behind.
if (binary === process.execPath && typeof process.execve === 'function') process.execve(binary, [binary, ...process.argv.slice(2)], env);

// Another Node (the system's, running npm): one child, which is the script itself.
const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  else process.exit(code ?? 1);
});
