// The load generator, run as its own process so it never shares an event loop with a server.
// Usage: node bench/lib/load.ts <spec.json>   → prints one JSON line with the figures.
// Requests cycle round-robin through `paths` (and `bodies`), one shared counter for all
// connections, so 10 connections spread over the whole id / filter set.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string; // http://127.0.0.1:port
  method: 'GET' | 'POST';
  paths: string[];
  bodies?: string[];
  headers?: Record<string, string>;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  duration: number;
  /** Total requests (batch insert): the run ends when they are all answered. */
  amount?: number;
  timeoutSec?: number;
  /** Count timed-out requests as missing rather than failing the run (list under RLS, see README). */
  allowTimeouts?: boolean;
}

export interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  rps: number;
  p50: number;
  /** ms; -1 when the percentile falls on a timed-out request. */
  p95: number;
  p99: number;
  max: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec;
  let next = 0;
  const latencies: number[] = [];
  let ok = 0;
  const started = process.hrtime.bigint();
  // The run's time ends with its last answer. autocannon reports 'done' on its next one-second
  // sample tick, so timing to 'done' rounded a bounded run (amount) up to whole seconds: the
  // textbook's 299 batches read 59.5k or 74.4k records/s from run to run (5 or 4 seconds).
  let lastAnswer = started;
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.duration }),
    timeout: spec.timeoutSec ?? 30,
    requests: [
      {
        method: spec.method,
        headers: { ...(spec.headers ?? {}), ...(spec.bodies ? { 'content-type': 'application/json' } : {}) },
        setupRequest: (request: Record<string, unknown>) => {
          const i = next++;
          request['path'] = spec.paths[i % spec.paths.length];
          if (spec.bodies) request['body'] = spec.bodies[i % spec.bodies.length];
          return request;
        },
      },
    ],
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    lastAnswer = process.hrtime.bigint();
    if (statusCode >= 200 && statusCode < 300) {
      ok++;
      latencies.push(responseTime);
    }
  });
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    instance.on('done', resolve);
    instance.on('error', reject);
  });
  const seconds = Number(lastAnswer - started) / 1e9;
  latencies.sort((a, b) => a - b);
  // A timed-out request is slower than any answered one: it counts at the top of the percentiles.
  for (let i = 0; i < result.timeouts; i++) latencies.push(Number.POSITIVE_INFINITY);
  const out: LoadResult = {
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
    rps: ok / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
  };
  for (const key of ['p50', 'p95', 'p99', 'max'] as const) if (!Number.isFinite(out[key])) out[key] = -1; // -1: beyond the timeout
  process.stdout.write(JSON.stringify(out) + '\n');
}

await main();
