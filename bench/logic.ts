// Declarative-logic benchmark (issue 22, ADR 0013). Run: node scripts/node24.mjs --no-node-snapshot bench/logic.ts
//
// On a throwaway PostgreSQL 15 (scripts/pg-server.mjs, 127.0.0.1) with the Protean server built
// in this process (requests through Fastify's inject: the same routes, hooks and pipeline, no socket):
//
//   logic.write_overhead.ratio  creates/s of an object with 10 plain fields over creates/s of the
//                               same object plus 5 stored formulas and 5 validation rules, the same
//                               requests at the same concurrency (8), best of BENCH_ROUNDS rounds
//                               each; at most 1.25 (the floor is the plain object's throughput).
//   logic.rollup_10k.ms         p95 latency of a child create that updates a count, a sum and a max
//                               roll-up on a parent that has 10,000 children; at most 50.
//   logic.eval.ns               mean time of one compiled validation-rule evaluation (in process).
//
// Every load loop is bounded in count and in time. Environment: BENCH_ROUNDS (2), BENCH_CREATES (1500).
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileExpression, standardSnapshot } from '@protean/metadata';
import { startPostgres } from '../scripts/pg-server.mjs';
import { buildApp } from '../server/src/app.ts';
import { migrate } from '../server/src/db/migrations.ts';
import { openDatabase } from '../server/src/db/open-database.ts';
import { createTenant } from '../server/src/tenancy/tenant-service.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
// BENCH_LOGIC_PARTS=rollup measures only the roll-up part (eval and write overhead are skipped).
const PARTS = (process.env['BENCH_LOGIC_PARTS'] ?? 'eval,write,rollup').split(',');
const CREATES = Number(process.env['BENCH_CREATES'] ?? 1500);
const CONCURRENCY = 8;
const ROUND_SECONDS = 20;
const log = (message: string) => process.stderr.write(`[logic ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
type Metric = { value: number | null; unit: string; floor: number | null };
const results: Record<string, Metric> = {};

function evalBenchmark(): number {
  const snapshot = standardSnapshot();
  const r = compileExpression("amount > 10000 && probability < 20 && isBlank(name) == false && stage != 'closed_won'", { snapshot, object: 'deal', context: 'validation' }, { expect: 'bool' });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const deal = snapshot.objects.find((o) => o.apiName === 'deal')!;
  const id = (name: string) => deal.fields.find((f) => f.apiName === name)!.id;
  const input = { record: { [id('amount')]: 25_000, [id('probability')]: 10, [id('name')]: 'Big one' } };
  let held = 0;
  for (let i = 0; i < 100_000; i++) if (r.expression.test(input)) held++;
  const n = 2_000_000;
  const deadline = Date.now() + 20_000;
  let done = 0;
  const t0 = process.hrtime.bigint();
  while (done < n && Date.now() < deadline) {
    for (let i = 0; i < 10_000; i++) if (r.expression.test(input)) held++;
    done += 10_000;
  }
  const ns = Number(process.hrtime.bigint() - t0) / done;
  if (held === 0) throw new Error('the rule never held');
  return ns;
}

const plainFields = [
  { apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true },
  { apiName: 'amount', type: 'currency', labels: { en: 'Amount' } },
  { apiName: 'discount', type: 'percent', labels: { en: 'Discount' } },
  { apiName: 'quantity', type: 'number', labels: { en: 'Quantity' } },
  { apiName: 'reason', type: 'text', labels: { en: 'Reason' } },
  { apiName: 'code', type: 'text', labels: { en: 'Code' } },
  { apiName: 'ordered', type: 'date', labels: { en: 'Ordered' } },
  { apiName: 'express', type: 'boolean', labels: { en: 'Express' } },
  { apiName: 'channel', type: 'picklist', labels: { en: 'Channel' }, values: [{ apiName: 'web', labels: { en: 'Web' } }, { apiName: 'shop', labels: { en: 'Shop' } }] },
  { apiName: 'note', type: 'text', labels: { en: 'Note' } },
];
const formulas = [
  ['net', 'amount * (1 - coalesce(discount, 0) / 100)', 'number'],
  ['unit_price', 'quantity > 0 ? amount / quantity : 0', 'number'],
  ['label', "name + ' (' + coalesce(code, '-') + ')'", 'text'],
  ['big', 'amount > 1000', 'boolean'],
  ['ship_by', 'express ? addDays(ordered, 1) : addDays(ordered, 5)', 'date'],
].map(([apiName, expression, resultType]) => ({ apiName, type: 'formula', labels: { en: apiName }, formula: { expression, resultType, stored: true } }));
const rules = [
  ['discount_reason', 'discount > 20 && isBlank(reason)'],
  ['positive', 'amount < 0'],
  ['quantity', 'quantity > 10000'],
  ['code_shape', "!isBlank(code) && !code.matches('^[A-Z]{2}-[0-9]+$')"],
  ['web_no_express', "channel == 'web' && express && amount < 10"],
].map(([apiName, condition]) => ({ apiName, condition, message: { en: `${apiName} failed` } }));

async function main(): Promise<void> {
  if (PARTS.includes('eval')) {
    const evalNs = evalBenchmark();
    log(`one compiled validation-rule evaluation: ${round(evalNs, 1)} ns`);
    results['logic.eval.ns'] = { value: round(evalNs, 1), unit: 'ns', floor: null };
  }

  const pgServer = await startPostgres();
  const db = await openDatabase({ databaseUrl: pgServer.url, dataDir: undefined, poolSize: 10 });
  let server: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    await migrate(db);
    // The bench measures the write path, not the request-rate limits (ADR 0012), which it would meet within seconds.
    server = await buildApp({ db, operatorToken: `op_${randomUUID()}`, passwordCost: 'test', rateLimits: { perTenant: 100_000_000, perApiKey: 100_000_000, perUser: 100_000_000 } });
    await server.app.ready();
    const app = server.app;
    const tenant = await createTenant(db, { slug: `bench-${randomUUID().slice(0, 8)}`, name: 'Bench', admin: { email: 'admin@bench.test', name: 'Admin', password: 'correct horse battery' } }, server.auth.passwords);
    const { key } = await server.auth.createApiKey(tenant.id, tenant.adminId, 'bench');
    const api = async (method: string, path: string, body?: unknown) => {
      const r = await app.inject({ method: method as 'GET', url: `/api/v1${path}`, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
      if (r.statusCode >= 300) throw new Error(`${method} ${path}: ${r.statusCode} ${r.body.slice(0, 500)}`);
      return r.json() as Record<string, unknown>;
    };
    await api('POST', '/metadata/changes', { operations: [
      { op: 'createObject', object: { apiName: 'plain_order', labels: { en: { singular: 'Plain order', plural: 'Plain orders' } }, fields: plainFields } },
      { op: 'createObject', object: { apiName: 'logic_order', labels: { en: { singular: 'Logic order', plural: 'Logic orders' } }, fields: [...plainFields, ...formulas], validationRules: rules } },
    ] });
    // Sequential requests first, so the rate limiter's leases have grown (they double while used
    // within a second) before 8 writers start at once: on a loaded machine, 8 requests starting
    // together on one-token leases were refused with 429 after 8 lease rounds despite the limits.
    for (let i = 0; i < 40; i++) await api('GET', '/records/plain_order?limit=1');
    if (PARTS.includes('write')) await writeOverhead();
    if (PARTS.includes('rollup')) await rollups();
    async function writeOverhead(): Promise<void> {
    const body = (i: number) => ({ name: `Order ${i}`, amount: 100 + (i % 900), discount: i % 20, quantity: 1 + (i % 9), code: `AB-${i}`, ordered: '2026-03-01', express: i % 2 === 0, channel: i % 2 ? 'web' : 'shop' });

    const createRate = async (object: string): Promise<number> => {
      let next = 0;
      const deadline = Date.now() + ROUND_SECONDS * 1000;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < CREATES && Date.now() < deadline) await api('POST', `/records/${object}`, body(next++));
      }));
      return next / ((performance.now() - t0) / 1000);
    };
    // Warm both paths (the first create of an object marks its logic and compiles its statements).
    await createRate('plain_order');
    await createRate('logic_order');
    let plain = 0;
    let withLogic = 0;
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate which side goes first, so a drift of the machine does not favour one.
      if (i % 2 === 0) {
        plain = Math.max(plain, await createRate('plain_order'));
        withLogic = Math.max(withLogic, await createRate('logic_order'));
      } else {
        withLogic = Math.max(withLogic, await createRate('logic_order'));
        plain = Math.max(plain, await createRate('plain_order'));
      }
      log(`round ${i + 1}: plain ${round(plain, 1)} creates/s, with 5 formulas + 5 rules ${round(withLogic, 1)} creates/s`);
    }
    const check = await api('GET', '/records/logic_order?limit=1');
    const sample = (check['data'] as Record<string, unknown>[])[0]!;
    if (typeof sample['net'] !== 'number' || typeof sample['ship_by'] !== 'string') throw new Error(`formulas not stored: ${JSON.stringify(sample)}`);
    results['logic.write_overhead.ratio'] = { value: round(plain / withLogic, 3), unit: 'ratio', floor: round(plain, 1) };
    }

    async function rollups(): Promise<void> {

    // Roll-ups on a parent with 10,000 children.
    await api('POST', '/metadata/changes', { operations: [
      { op: 'createObject', object: { apiName: 'team', labels: { en: { singular: 'Team', plural: 'Teams' } }, fields: [{ apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true }] } },
      { op: 'createObject', object: { apiName: 'member', labels: { en: { singular: 'Member', plural: 'Members' } }, fields: [
        { apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true },
        { apiName: 'team', type: 'lookup', labels: { en: 'Team' }, lookup: { objectId: 'team', onDelete: 'restrict', relationshipName: 'members' } },
        { apiName: 'points', type: 'number', labels: { en: 'Points' } },
      ] } },
      { op: 'createField', object: 'team', field: { apiName: 'members', type: 'rollup', labels: { en: 'Members' }, rollup: { childObjectId: 'member', lookupFieldId: 'team', function: 'count' } } },
      { op: 'createField', object: 'team', field: { apiName: 'points', type: 'rollup', labels: { en: 'Points' }, rollup: { childObjectId: 'member', lookupFieldId: 'team', function: 'sum', fieldId: 'points' } } },
      { op: 'createField', object: 'team', field: { apiName: 'best', type: 'rollup', labels: { en: 'Best' }, rollup: { childObjectId: 'member', lookupFieldId: 'team', function: 'max', fieldId: 'points' } } },
    ] });
    // The floor: the same child create on a parent with 10,000 children and no roll-ups.
    await api('POST', '/metadata/changes', { operations: [
      { op: 'createObject', object: { apiName: 'plain_team', labels: { en: { singular: 'Plain team', plural: 'Plain teams' } }, fields: [{ apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true }] } },
      { op: 'createObject', object: { apiName: 'plain_member', labels: { en: { singular: 'Plain member', plural: 'Plain members' } }, fields: [
        { apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true },
        { apiName: 'team', type: 'lookup', labels: { en: 'Team' }, lookup: { objectId: 'plain_team', onDelete: 'restrict', relationshipName: 'members' } },
        { apiName: 'points', type: 'number', labels: { en: 'Points' } },
      ] } },
    ] });
    const childLatencies = async (object: string, parent: string): Promise<number[]> => {
      const latencies: number[] = [];
      const deadline = Date.now() + 60_000;
      for (let i = 0; i < 300 && Date.now() < deadline; i++) {
        const t0 = performance.now();
        await api('POST', `/records/${object}`, { name: `late ${i}`, team: parent, points: i % 150 });
        latencies.push(performance.now() - t0);
      }
      return latencies;
    };
    const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)]!;
    const p95Of = (xs: number[]) => quantile(xs, 0.95);
    // The median of the first and of the last 50 creates: whether a hot parent row slows down as it is rewritten.
    const trend = (xs: number[]) => `p50 ${round(quantile(xs, 0.5), 1)} ms (first 50: ${round(quantile(xs.slice(0, 50), 0.5), 1)} ms, last 50: ${round(quantile(xs.slice(-50), 0.5), 1)} ms)`;
    const plainTeam = String((await api('POST', '/records/plain_team', { name: 'Big team' }))['id']);
    for (let b = 0; b < 10; b++) {
      await api('POST', '/records/plain_member/batch?return=minimal', { operations: Array.from({ length: 1000 }, (_, i) => ({ op: 'create', data: { name: `m${b * 1000 + i}`, team: plainTeam, points: (b * 1000 + i) % 100 } })) });
    }
    // Statistics as a table that grew to this size has them (autovacuum's analyze): the migrations
    // analysed an empty table, and with that every index scan looked as cheap as any other, so the
    // lookup check of each create walked all of the tenant's records (33 ms at 30,000).
    await db.system((q) => q.query('analyze record'));
    const floorLatencies = await childLatencies('plain_member', plainTeam);
    const floorP95 = p95Of(floorLatencies);
    log(`  ${trend(floorLatencies)}`);
    log(`child create on a parent of 10,000 children without roll-ups: p95 ${round(floorP95, 1)} ms`);
    // For the record: the same create through a transaction of its own (a unique field forces one) and no roll-ups.
    await api('POST', '/metadata/changes', { operations: [
      { op: 'createObject', object: { apiName: 'tx_member', labels: { en: { singular: 'Tx member', plural: 'Tx members' } }, fields: [
        { apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true, unique: true },
        { apiName: 'team', type: 'lookup', labels: { en: 'Team' }, lookup: { objectId: 'plain_team', onDelete: 'restrict', relationshipName: 'tx_members' } },
        { apiName: 'points', type: 'number', labels: { en: 'Points' } },
      ] } },
    ] });
    const txLatencies = await childLatencies('tx_member', plainTeam);
    log(`child create through a transaction, no roll-ups: p95 ${round(p95Of(txLatencies), 1)} ms, ${trend(txLatencies)}`);
    const team = String((await api('POST', '/records/team', { name: 'Big team' }))['id']);
    for (let b = 0; b < 10; b++) {
      await api('POST', '/records/member/batch?return=minimal', { operations: Array.from({ length: 1000 }, (_, i) => ({ op: 'create', data: { name: `m${b * 1000 + i}`, team, points: (b * 1000 + i) % 100 } })) });
    }
    await db.system((q) => q.query('analyze record'));
    const before = await api('GET', `/records/team/${team}`);
    if (before['members'] !== 10_000) throw new Error(`roll-up count is ${String(before['members'])}, not 10000`);
    const latencies = await childLatencies('member', team);
    const p95 = p95Of(latencies);
    log(`  ${trend(latencies)}`);
    const after = await api('GET', `/records/team/${team}`);
    if (after['members'] !== 10_000 + latencies.length) throw new Error(`roll-up count is ${String(after['members'])} after ${latencies.length} more`);
    log(`child create with 3 roll-ups on a parent of 10,000 children: p95 ${round(p95, 1)} ms over ${latencies.length}`);
    results['logic.rollup_10k.ms'] = { value: round(p95, 1), unit: 'ms', floor: round(floorP95, 1) };
    }
  } finally {
    await server?.app.close();
    await db.close();
    await pgServer.stop();
  }

  const file = join(root, 'bench', 'results.json');
  const current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Metric>;
  writeFileSync(file, `${JSON.stringify({ ...current, ...results }, null, 2)}\n`);
  for (const [name, m] of Object.entries(results)) process.stdout.write(`${name}: ${m.value} ${m.unit}${m.floor === null ? '' : ` (floor ${m.floor})`}\n`);
  const ratio = results['logic.write_overhead.ratio']?.value;
  const rollup = results['logic.rollup_10k.ms']?.value;
  if (ratio != null) process.stdout.write(`write overhead ${ratio <= 1.25 ? 'within' : 'OVER'} 1.25\n`);
  if (rollup != null) process.stdout.write(`roll-up p95 ${rollup <= 50 ? 'within' : 'OVER'} 50 ms\n`);
}

await main();
