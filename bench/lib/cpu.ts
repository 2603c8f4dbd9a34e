// CPU time of processes from /proc (Linux): a server process, and a PostgreSQL server with all
// its backends (the postmaster's children), so a bounded load can be charged per operation.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function stat(pid: number): { ppid: number; ms: number; reapedMs: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
    return { ppid: Number(fields[1]), ms: (Number(fields[11]) + Number(fields[12])) * TICK_MS, reapedMs: (Number(fields[13]) + Number(fields[14])) * TICK_MS };
  } catch {
    return undefined;
  }
}

/** User + system CPU of one process, ms. */
export function processCpuMs(pid: number): number {
  return stat(pid)?.ms ?? 0;
}

/**
 * User + system CPU of a PostgreSQL server, ms: the postmaster, every live child, and the
 * children that already exited (the postmaster reaps them, so their time is in its cutime).
 */
export function postgresCpuMs(postmasterPid: number): number {
  return [...postgresCpu(postmasterPid, () => 'child').values()].reduce((a, b) => a + b, 0);
}

/**
 * The same CPU by kind of Postgres process (its title: client backend, autovacuum worker,
 * walwriter, checkpointer…), ms. Children that already exited (autovacuum workers do, after each
 * table) are one kind of their own: the postmaster only keeps their sum.
 */
export function postgresCpuByKindMs(postmasterPid: number): Map<string, number> {
  return postgresCpu(postmasterPid, processKind);
}

function postgresCpu(postmasterPid: number, kindOf: (pid: number) => string): Map<string, number> {
  const kinds = new Map<string, number>();
  const add = (kind: string, ms: number) => kinds.set(kind, (kinds.get(kind) ?? 0) + ms);
  const postmaster = stat(postmasterPid);
  if (postmaster) {
    add('postmaster', postmaster.ms);
    add('exited children', postmaster.reapedMs);
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s?.ppid === postmasterPid) add(kindOf(Number(entry)), s.ms);
  }
  return kinds;
}

/** "postgres: autovacuum worker protean" → autovacuum worker; "postgres: user db 127.0.0.1(5432) idle" → client backend. */
function processKind(pid: number): string {
  try {
    const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim().replace(/^postgres:\s*/, '');
    const known = ['autovacuum launcher', 'autovacuum worker', 'background writer', 'checkpointer', 'walwriter', 'logical replication launcher', 'stats collector'];
    return known.find((k) => title.startsWith(k)) ?? (/\d+\.\d+\.\d+\.\d+|\[local\]/.test(title) ? 'client backend' : title.split(' ')[0] || 'other');
  } catch {
    return 'other';
  }
}

/** Busy and total CPU time of the whole machine so far, ms (/proc/stat): busy ÷ total over a load is how saturated it was. */
export function machineCpuMs(): { busy: number; total: number } {
  const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
  const ticks = cpu!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - ticks[3]! - ticks[4]!) * TICK_MS, total: total * TICK_MS };
}
