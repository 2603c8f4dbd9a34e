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
  const postmaster = stat(postmasterPid);
  let total = postmaster ? postmaster.ms + postmaster.reapedMs : 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s?.ppid === postmasterPid) total += s.ms;
  }
  return total;
}
