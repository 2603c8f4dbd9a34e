// Sign-in under attack: `node scripts/node24.mjs --no-node-snapshot bench/login.ts`
//
// Starts the real server as its own process on 127.0.0.1 (PGlite in a temporary folder, or
// DATABASE_URL when set) with production password parameters, creates three workspaces and
// measures:
// - login.other_tenant_p95_under_attack.ratio: p95 of workspace B's successful sign-ins while
//   another process sends 100 bad sign-ins per second to workspace A, over the same p95 with
//   no attack (target ≤ 2); three rounds of a quiet window and two attacked ones, pooled. The attacker rotates its source address over 127.0.0.2–254 and
//   guesses a new email each time, so per-account and per-address throttling barely catch it
//   and the hashing queue's fairness is what is measured; a second run attacks from one address.
// - login.unknown_email_cost.ratio: median time of a failed sign-in for an unknown email (and
//   an unknown workspace) over that of a wrong password for a known one.
// Merges its metrics into bench/results.json. BENCH_PROTEAN_ROOT runs another checkout's server
// instead (to measure a baseline); such a run prints its figures and writes nothing.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startNode, waitForHttp, type Child } from './lib/proc.ts';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Quiet and attacked windows alternate, so a drift in the machine's load falls on both sides.
const ROUNDS = 3;
const SAMPLES = 20;
const PACE_MS = 500;
const ATTACK_RATE = 100;
const ATTACK_MAX_IN_FLIGHT = 300;
const TIMING_SAMPLES = 20;

interface Reply {
  status: number;
  ms: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One request from a chosen loopback source address (so throttling sees distinct clients). */
function send(base: string, method: string, path: string, body: unknown, headers: Record<string, string> = {}, from = '127.0.0.1'): Promise<Reply> {
  const url = new URL(path, base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method, localAddress: from, agent: false, timeout: 60_000, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, ms: performance.now() - started, body: text, headers: res.headers }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
};
const round = (n: number) => Math.round(n * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string): void => void process.stdout.write(`[login-bench] ${line}\n`);

interface Workspace {
  slug: string;
  email: string;
  password: string;
}

async function createWorkspace(base: string, operatorToken: string, prefix: string): Promise<Workspace> {
  const slug = `${prefix}-${randomBytes(3).toString('hex')}`;
  const workspace = { slug, email: `admin@${slug}.example.com`, password: `bench-${randomBytes(9).toString('base64url')}` };
  const created = await send(base, 'POST', '/api/v1/tenants', { slug, name: slug, admin: { email: workspace.email, name: 'Bench Admin', password: workspace.password } }, { authorization: `Bearer ${operatorToken}` });
  if (created.status !== 201) throw new Error(`creating ${slug}: ${created.status} ${created.body}`);
  return workspace;
}

/** SAMPLES sequential successful sign-ins (one window), one started every PACE_MS (or when the previous ends). */
async function signInTimes(base: string, w: Workspace): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    const r = await send(base, 'POST', '/api/v1/auth/login', { tenant: w.slug, email: w.email, password: w.password });
    if (r.status !== 200) throw new Error(`sign-in of ${w.slug} answered ${r.status} ${r.body}`);
    times.push(r.ms);
    await sleep(Math.max(0, PACE_MS - (performance.now() - started)));
  }
  return times;
}

/** The attacker, run as its own process: RATE bad sign-ins per second for `seconds`, then a JSON summary. */
async function attack(base: string, slug: string, seconds: number, rotate: boolean): Promise<void> {
  const statuses: Record<string, number> = {};
  const pending = new Set<Promise<void>>();
  const total = ATTACK_RATE * seconds;
  const started = performance.now();
  let skipped = 0;
  let sent = 0;
  const summary = () => JSON.stringify({ sent, skipped, statuses, seconds: round((performance.now() - started) / 1000) });
  // Stopped once the measured window is over: report what was sent until then.
  process.once('SIGTERM', () => {
    process.stdout.write(summary() + '\n');
    process.exit(0);
  });
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ATTACK_RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (pending.size >= ATTACK_MAX_IN_FLIGHT) {
      skipped++;
      continue;
    }
    const from = rotate ? `127.0.0.${2 + (i % 253)}` : '127.0.0.1';
    const p = send(base, 'POST', '/api/v1/auth/login', { tenant: slug, email: `guess${i}@${slug}.example.com`, password: `guess-${i}-password` }, {}, from)
      .then((r) => void (statuses[r.status] = (statuses[r.status] ?? 0) + 1))
      .catch(() => void (statuses['error'] = (statuses['error'] ?? 0) + 1))
      .finally(() => pending.delete(p));
    pending.add(p);
    sent++;
  }
  await Promise.all(pending);
  process.stdout.write(summary() + '\n');
}

/** Starts the attacker process, measures B meanwhile, and returns B's times and the attacker's summary. */
async function underAttack(base: string, a: Workspace, b: Workspace, rotate: boolean): Promise<{ times: number[]; attacker: string }> {
  const seconds = Math.ceil((SAMPLES * PACE_MS) / 1000) + 30; // a bound; stopped when the window ends
  const child = spawn(process.execPath, ['--no-node-snapshot', fileURLToPath(import.meta.url), 'attack', base, a.slug, String(seconds), rotate ? 'rotate' : 'one'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let attacker = '';
  child.stdout.on('data', (chunk: Buffer) => (attacker += chunk.toString()));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  try {
    await sleep(3000); // let the attack reach its rate and fill the queue first
    const times = await signInTimes(base, b);
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    return { times, attacker: attacker.trim() };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** Failed sign-ins: wrong password for a known email vs unknown email vs unknown workspace, each from its own address. */
async function failureCosts(base: string, w: Workspace): Promise<{ known: number[]; unknownEmail: number[]; unknownWorkspace: number[] }> {
  const known: number[] = [];
  const unknownEmail: number[] = [];
  const unknownWorkspace: number[] = [];
  for (let i = 0; i < TIMING_SAMPLES; i++) {
    const from = `127.0.1.${1 + i}`;
    const wrong = await send(base, 'POST', '/api/v1/auth/login', { tenant: w.slug, email: w.email, password: `wrong-${i}-password` }, {}, from);
    if (wrong.status !== 401) throw new Error(`wrong password answered ${wrong.status} ${wrong.body}`);
    known.push(wrong.ms);
    // A success clears the account's count, so the known email never reaches its lockout.
    const right = await send(base, 'POST', '/api/v1/auth/login', { tenant: w.slug, email: w.email, password: w.password }, {}, from);
    if (right.status !== 200) throw new Error(`sign-in answered ${right.status} ${right.body}`);
    const nobody = await send(base, 'POST', '/api/v1/auth/login', { tenant: w.slug, email: `nobody${i}@${w.slug}.example.com`, password: `wrong-${i}-password` }, {}, from);
    if (nobody.status !== 401) throw new Error(`unknown email answered ${nobody.status} ${nobody.body}`);
    unknownEmail.push(nobody.ms);
    const nowhere = await send(base, 'POST', '/api/v1/auth/login', { tenant: `nowhere-${i}`, email: `someone${i}@nowhere.example.com`, password: `wrong-${i}-password` }, {}, from);
    if (nowhere.status !== 401) throw new Error(`unknown workspace answered ${nowhere.status} ${nowhere.body}`);
    unknownWorkspace.push(nowhere.ms);
  }
  return { known, unknownEmail, unknownWorkspace };
}

async function main(): Promise<void> {
  const root = process.env['BENCH_PROTEAN_ROOT'] ? resolve(process.env['BENCH_PROTEAN_ROOT']) : here;
  const baseline = root !== here;
  const runDir = join(here, 'test-output', 'bench-login', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(runDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'protean-login-bench-'));
  const operatorToken = `op_${randomBytes(18).toString('base64url')}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const storage = process.env['DATABASE_URL'] ? 'PostgreSQL' : 'PGlite';
  // Production password parameters: PROTEAN_PASSWORD_COST is cleared, never inherited.
  const env = { HOST: '127.0.0.1', PORT: String(port), PROTEAN_DEMO: '0', PROTEAN_LOG: '0', PROTEAN_DATA_DIR: dataDir, PROTEAN_OPERATOR_TOKEN: operatorToken, PROTEAN_PASSWORD_COST: '', DATABASE_URL: process.env['DATABASE_URL'] ?? '' };
  const server: Child = startNode('protean', ['--no-node-snapshot', join(root, 'server/src/main.ts')], env, join(runDir, 'protean.log'), root);
  try {
    await waitForHttp(server, `${base}/readyz`, 300_000);
    const [a, b, c] = [await createWorkspace(base, operatorToken, 'attacked'), await createWorkspace(base, operatorToken, 'bystander'), await createWorkspace(base, operatorToken, 'timing')];
    log(`server ${server.pid} on ${base} (${storage}${baseline ? `, baseline from ${root}` : ''})`);

    const costs = await failureCosts(base, c);
    const med = (xs: number[]) => round(quantile(xs, 0.5));
    log(`failed sign-in ms median (min–max): known email ${med(costs.known)} (${round(Math.min(...costs.known))}–${round(Math.max(...costs.known))}), unknown email ${med(costs.unknownEmail)} (${round(Math.min(...costs.unknownEmail))}–${round(Math.max(...costs.unknownEmail))}), unknown workspace ${med(costs.unknownWorkspace)} (${round(Math.min(...costs.unknownWorkspace))}–${round(Math.max(...costs.unknownWorkspace))})`);

    const quiet: number[] = [];
    const rotating = { times: [] as number[] };
    const single = { times: [] as number[] };
    const window = (label: string, times: number[], extra = '') => log(`${label}: B p50 ${round(quantile(times, 0.5))} ms, p95 ${round(quantile(times, 0.95))} ms${extra}`);
    for (let round_ = 1; round_ <= ROUNDS; round_++) {
      const q = await signInTimes(base, b);
      window(`round ${round_}, no attack`, q);
      const r = await underAttack(base, a, b, true);
      window(`round ${round_}, attack from 253 addresses`, r.times, `; attacker ${r.attacker}`);
      const o = await underAttack(base, a, b, false);
      window(`round ${round_}, attack from one address`, o.times, `; attacker ${o.attacker}`);
      quiet.push(...q);
      rotating.times.push(...r.times);
      single.times.push(...o.times);
    }
    window('all rounds, no attack', quiet);
    window('all rounds, attack from 253 addresses', rotating.times);
    window('all rounds, attack from one address', single.times);

    const p95 = round(quantile(quiet, 0.95));
    const results = {
      'login.other_tenant_p95_under_attack.ratio': {
        value: round(quantile(rotating.times, 0.95) / p95),
        unit: `ratio: p95 of workspace B's sign-ins (${ROUNDS} windows of ${SAMPLES}, one per ${PACE_MS} ms) while another process sends ${ATTACK_RATE} bad sign-ins/s to workspace A from 253 loopback addresses, over the same in quiet windows alternating with them (${p95} ms); ${storage}, scrypt N=2^17 (target ≤ 2)`,
        floor: null,
      },
      'login.other_tenant_p95_under_attack.one_address.ratio': {
        value: round(quantile(single.times, 0.95) / p95),
        unit: `ratio: as above, the attack from one address (throttled); informational`,
        floor: null,
      },
      'login.unknown_email_cost.ratio': {
        value: round(quantile(costs.unknownEmail, 0.5) / quantile(costs.known, 0.5)),
        unit: `ratio: median failed sign-in for an unknown email (${med(costs.unknownEmail)} ms) over a wrong password for a known one (${med(costs.known)} ms), ${TIMING_SAMPLES} each; an unknown workspace ${med(costs.unknownWorkspace)} ms`,
        floor: null,
      },
    };
    writeFileSync(join(runDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    for (const [name, metric] of Object.entries(results)) log(`${name} = ${metric.value}`);
    if (baseline) {
      log('baseline run: bench/results.json left as it is');
      return;
    }
    const file = join(here, 'bench/results.json');
    const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    writeFileSync(file, JSON.stringify({ ...previous, ...results }, null, 2) + '\n');
    log('merged into bench/results.json');
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'attack') await attack(args[0]!, args[1]!, Number(args[2]), args[3] === 'rotate');
else await main();
