// Terminology benchmark (issue 5). Run: node scripts/node24.mjs --no-node-snapshot bench/terms.ts
//
// terms.rename.ms — a tenant with 200 objects and ~2,000 fields (many labels naming terms); time
// from sending PUT /api/v1/metadata/terms/customer until the next request sees the new word
// (GET /records/customer/<unknown id>, whose problem detail names the object through the
// glossary; a GET of the resolved snapshot is reported beside it). Measured on PGlite (one
// process) and on PostgreSQL 15 with two server processes: the rename goes to process A, the
// reads to process B, so the figure includes the NOTIFY hop between processes.
//
// terms.resolve_overhead.ratio — in-process: render the Customer record page's message set
// (object labels, field labels, section titles, buttons, related-list titles, empty states,
// confirmations, counts) into markup with terms resolved, over the same render with the words
// written into the strings. Median of rounds.
//
// Environment (optional): BENCH_RENAMES (9), BENCH_SKIP_PG=1, BENCH_SKIP_PGLITE=1.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTextResolver, resolveSnapshot, standardSnapshot, type MessageParams } from '@protean/metadata';
import { startPostgres } from '../scripts/pg-server.mjs';
import { http } from './lib/http.ts';
import { freePort, startNode, waitForHttp, type Child } from './lib/proc.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RENAMES = Number(process.env['BENCH_RENAMES'] ?? 9);
const OBJECTS = 200;
const FIELDS_PER_OBJECT = 10;
const runDir = join(root, 'bench', '.data', `terms-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(runDir, { recursive: true });

type Metric = { value: number | null; unit: string; floor: number | null };
const results: Record<string, Metric> = {};
const log = (message: string) => process.stderr.write(`[terms ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const children = new Set<Child>();

function record(name: string, value: number, unit: string, floor: number | null = null): void {
  results[name] = { value: round(value), unit, floor: floor === null ? null : round(floor) };
  log(`${name} = ${results[name]!.value} ${unit}`);
}

function startProtean(label: string, env: Record<string, string>, port: number): Child {
  const child = startNode(`protean-${label}`, ['--no-node-snapshot', join(root, 'server/src/main.ts')], { HOST: '127.0.0.1', PORT: String(port), PROTEAN_DEMO: '0', PROTEAN_LOG: '0', ...env }, join(runDir, `protean-${label}.log`), root);
  children.add(child);
  return child;
}

async function createTenant(base: string, operatorToken: string): Promise<Record<string, string>> {
  const slug = `terms-${randomBytes(4).toString('hex')}`;
  const password = `bench-${randomBytes(9).toString('base64url')}`;
  const email = `admin@${slug}.example.com`;
  await http(base, 'POST', '/api/v1/tenants', { headers: { authorization: `Bearer ${operatorToken}` }, body: { slug, name: slug, admin: { email, name: 'Bench Admin', password } } });
  const login = await http(base, 'POST', '/api/v1/auth/login', { body: { tenant: slug, email, password } });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const key = await http(base, 'POST', '/api/v1/api-keys', { headers: { cookie }, body: { name: 'bench' } });
  return { authorization: `Bearer ${String(key.body.key)}` };
}

/** 195 custom objects of 10 fields next to the 5 standard ones: 200 objects, ~2,000 fields; half the labels name a term. */
async function buildLargeModel(base: string, auth: Record<string, string>): Promise<{ objects: number; fields: number }> {
  const custom = OBJECTS - standardSnapshot().objects.length;
  const terms = ['customer', 'deal', 'organization', 'activity', 'task'];
  const drafts = Array.from({ length: custom }, (_, i) => {
    const term = terms[i % terms.length]!;
    const cap = term[0]!.toUpperCase() + term.slice(1);
    return {
      op: 'createObject',
      object: {
        apiName: `bench_${i}`,
        labels: { en: { singular: `Item ${i}`, plural: `Items ${i}` }, 'zh-CN': { singular: `条目${i}`, plural: `条目${i}` } },
        fields: [
          { apiName: 'name', type: 'text', required: true, labels: { en: 'Name', 'zh-CN': '名称' } },
          ...Array.from({ length: FIELDS_PER_OBJECT - 1 }, (_, j) => ({
            apiName: `f_${j}`,
            type: j % 3 === 0 ? 'number' : 'text',
            labels: j % 2 === 0 ? { en: `{${cap}} detail ${j}`, 'zh-CN': `{${term}}详情${j}` } : { en: `Detail ${j}`, 'zh-CN': `详情${j}` },
            ...(j % 4 === 0 ? { helpText: { en: `What the {${term}} said (${j})`, 'zh-CN': `{${term}}的说明（${j}）` } } : {}),
          })),
        ],
      },
    };
  });
  for (let i = 0; i < drafts.length; i += 50) {
    await http(base, 'POST', '/api/v1/metadata/changes', { headers: auth, body: { message: `bench objects ${i}`, operations: drafts.slice(i, i + 50) } });
  }
  const snapshot = (await http(base, 'GET', '/api/v1/metadata/snapshot', { headers: auth })).body as { objects: { fields: unknown[] }[] };
  return { objects: snapshot.objects.length, fields: snapshot.objects.reduce((n, o) => n + o.fields.length, 0) };
}

/** Renames `customer` through `writer` and polls `reader` until a response shows the new word. */
async function measureRenames(writer: string, reader: string, auth: Record<string, string>, label: string): Promise<void> {
  const seen: number[] = [];
  const putOnly: number[] = [];
  const snapshotSeen: number[] = [];
  for (let i = 0; i < RENAMES; i++) {
    const word = `client${i}x`;
    const capital = `Client${i}x`;
    const started = performance.now();
    await http(writer, 'PUT', '/api/v1/metadata/terms/customer', { headers: auth, body: { forms: { en: { singular: word, plural: `${word}s` } } } });
    putOnly.push(performance.now() - started);
    for (;;) {
      const r = await http(reader, 'GET', `/api/v1/records/customer/${randomUUID()}`, { headers: auth, expect: [404] });
      if (String(r.body.detail).includes(word)) break;
      if (performance.now() - started > 10_000) throw new Error(`${label}: rename ${i} not seen after 10 s`);
    }
    seen.push(performance.now() - started);
    const s = await http(reader, 'GET', '/api/v1/metadata/snapshot?resolve=en', { headers: auth });
    if (!JSON.stringify(s.body).includes(`"singular":"${capital}"`)) throw new Error(`${label}: resolved snapshot lacks ${capital}`);
    snapshotSeen.push(performance.now() - started);
  }
  log(`${label}: rename→seen ${seen.map((x) => x.toFixed(1)).join(', ')} ms`);
  const where = label === 'pg' ? 'PostgreSQL 15, rename on process A, read on process B' : 'PGlite, one process';
  record(`terms.rename.${label}.ms`, median(seen), `ms median of ${RENAMES} renames, PUT term → next GET sees the word (${where}, 200 objects)`);
  record(`terms.rename.${label}.put_ms`, median(putOnly), `ms median PUT /metadata/terms/customer alone (${where}); informational`);
  record(`terms.rename.${label}.resolved_snapshot_ms`, median(snapshotSeen), `ms median PUT → GET /metadata/snapshot?resolve=en returned with the word (${where}); informational`);
}

async function benchPglite(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'protean-terms-pglite-'));
  const operatorToken = `op_${randomBytes(18).toString('base64url')}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = startProtean('pglite', { PROTEAN_DATA_DIR: dataDir, PROTEAN_OPERATOR_TOKEN: operatorToken, DATABASE_URL: '' }, port);
  try {
    await waitForHttp(child, `${base}/readyz`, 300_000);
    const auth = await createTenant(base, operatorToken);
    const size = await buildLargeModel(base, auth);
    log(`PGlite tenant: ${size.objects} objects, ${size.fields} fields`);
    await measureRenames(base, base, auth, 'pglite');
  } finally {
    await child.stop();
    children.delete(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function benchPostgres(): Promise<void> {
  const server = await startPostgres();
  const operatorToken = `op_${randomBytes(18).toString('base64url')}`;
  const env = { DATABASE_URL: server.url, PROTEAN_OPERATOR_TOKEN: operatorToken };
  const [portA, portB] = [await freePort(), await freePort()];
  const a = startProtean('pg-a', env, portA);
  const b = startProtean('pg-b', env, portB);
  try {
    const [baseA, baseB] = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
    await waitForHttp(a, `${baseA}/readyz`);
    await waitForHttp(b, `${baseB}/readyz`);
    const auth = await createTenant(baseA, operatorToken);
    const size = await buildLargeModel(baseA, auth);
    log(`PostgreSQL tenant: ${size.objects} objects, ${size.fields} fields; server processes ${a.pid} and ${b.pid}`);
    // Warm process B's model of the tenant, as a live server would have it.
    await http(baseB, 'GET', '/api/v1/metadata/snapshot?resolve=en', { headers: auth });
    await measureRenames(baseA, baseB, auth, 'pg');
  } finally {
    for (const child of [a, b]) {
      await child.stop();
      children.delete(child);
    }
    await server.stop();
  }
}

// ---------------------------------------------------------------- resolve overhead (in-process)
interface Message {
  template: string;
  params?: MessageParams;
}

/** The Customer record page's words: what the studio shows around one record. */
function recordPageMessages(): Message[] {
  const snapshot = standardSnapshot();
  const customer = snapshot.objects.find((o) => o.id === 'customer')!;
  const layout = snapshot.layouts.find((l) => l.objectId === 'customer')!;
  const messages: Message[] = [
    { template: '{Customer}' },
    { template: '{Customer:plural}' },
    { template: 'New {Customer}' },
    { template: 'Edit {Customer}' },
    { template: 'Delete {Customer}' },
    { template: 'Delete this {customer}? It moves to the recycle bin.' },
    { template: 'Back to {customer:plural}' },
    { template: 'Search {customer:plural}' },
    { template: '{Deal:plural}' },
    { template: '{Activity:plural}' },
    { template: '{Task:plural}' },
    { template: 'No {deal:plural} for this {customer} yet' },
    { template: 'No {activity:plural} yet' },
    { template: 'New {Deal}' },
    { template: 'Log {activity:a}' },
    { template: 'New {Task}' },
    { template: '{count} {customer:plural}', params: { count: 1234 } },
    { template: 'Edit {name}', params: { name: 'Lee Wei' } },
    { template: 'Saved {name}', params: { name: 'Lee Wei' } },
    { template: 'Owned by {name}', params: { name: 'Bench Admin' } },
    { template: layout.name },
    ...layout.sections.map((s) => ({ template: s.labels.en })),
  ];
  for (const field of customer.fields) {
    messages.push({ template: field.labels.en });
    if (field.helpText) messages.push({ template: field.helpText.en });
    for (const value of field.values ?? []) messages.push({ template: value.labels.en });
  }
  return messages;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => escapes[c]!);
const formatParams = (template: string, params: MessageParams | undefined) =>
  params ? template.replace(/\{(\w+)\}/g, (whole, name: string) => (params[name] === undefined ? whole : String(params[name]))) : template;

function resolveOverhead(): void {
  const terms = [
    { key: 'customer', standard: true, forms: { en: { singular: 'patient', plural: 'patients' } } },
    { key: 'deal', standard: true, forms: { en: { singular: 'treatment plan', plural: 'treatment plans' } } },
    { key: 'organization', standard: true, forms: { en: { singular: 'clinic', plural: 'clinics' } } },
    { key: 'activity', standard: true, forms: { en: { singular: 'visit', plural: 'visits' } } },
    { key: 'task', standard: true, forms: { en: { singular: 'care task', plural: 'care tasks' } } },
    { key: 'user', standard: true, forms: { en: { singular: 'staff member', plural: 'staff members' } } },
  ];
  const messages = recordPageMessages();
  const resolver = createTextResolver(terms, 'en');
  // The fixed-string page: the same words written into the strings, parameters still filled in.
  // (`{count}` and `{name}` name no term, so resolving leaves them for the parameters.)
  const fixed = messages.map((m) => ({ text: resolver.text(m.template), params: m.params }));
  const renderResolved = () => {
    let html = '';
    for (const m of messages) html += `<span>${escapeHtml(resolver.text(m.template, m.params))}</span>`;
    return html;
  };
  // The same message formatter with an empty glossary: the strings already hold the words, so
  // the ratio isolates what the terms cost, not a difference between formatters.
  const plain = createTextResolver([], 'en');
  const renderFixed = () => {
    let html = '';
    for (const m of fixed) html += `<span>${escapeHtml(plain.text(m.text, m.params))}</span>`;
    return html;
  };
  const renderRegex = () => {
    let html = '';
    for (const m of fixed) html += `<span>${escapeHtml(formatParams(m.text, m.params))}</span>`;
    return html;
  };
  if (renderResolved() !== renderFixed() || renderFixed() !== renderRegex()) throw new Error(`resolved and fixed pages differ:\n${renderResolved()}\n${renderFixed()}`);
  if (/Customer|customer/.test(renderResolved())) throw new Error('the resolved page still says customer');
  const time = (fn: () => string, n: number) => {
    const started = performance.now();
    let sink = 0;
    for (let i = 0; i < n; i++) sink += fn().length;
    if (sink === 0) throw new Error('empty render');
    return (performance.now() - started) / n;
  };
  const N = 20_000;
  for (let i = 0; i < 3; i++) (time(renderResolved, N), time(renderFixed, N));
  const ratios: number[] = [];
  const resolvedTimes: number[] = [];
  const fixedTimes: number[] = [];
  for (let round = 0; round < 15; round++) {
    // Alternate the order so neither side always runs on a warmer cache.
    const [r, f] = round % 2 ? [time(renderResolved, N), time(renderFixed, N)] : (([f2, r2]) => [r2, f2])([time(renderFixed, N), time(renderResolved, N)]);
    ratios.push(r! / f!);
    resolvedTimes.push(r!);
    fixedTimes.push(f!);
  }
  log(`record page: ${messages.length} messages; resolved ${(median(resolvedTimes) * 1000).toFixed(2)} µs, fixed ${(median(fixedTimes) * 1000).toFixed(2)} µs per render`);
  record('terms.resolve_overhead.ratio', median(ratios), `× (render of the Customer record page's ${messages.length} messages with terms resolved ÷ same with fixed strings; median of 15 rounds × ${N} renders)`);
  record('terms.resolve_overhead.render_us', median(resolvedTimes) * 1000, 'µs per record-page render with terms resolved (floor: the fixed-string render); informational', median(fixedTimes) * 1000);
  const regex = median(Array.from({ length: 5 }, () => time(renderRegex, N)));
  log(`for scale: fixed strings through a regex replace formatter ${(regex * 1000).toFixed(2)} µs per render`);
  // resolveSnapshot is memoised per revision; its first build is the cost a new revision pays once.
  const snapshot = standardSnapshot();
  const started = performance.now();
  resolveSnapshot(snapshot, 'zh-CN');
  record('terms.resolve_snapshot.first_ms', performance.now() - started, 'ms to build the resolved standard snapshot once per revision and locale; informational');
}

async function main(): Promise<void> {
  resolveOverhead();
  if (process.env['BENCH_SKIP_PGLITE'] !== '1') await benchPglite();
  if (process.env['BENCH_SKIP_PG'] !== '1') await benchPostgres();
  const worst = ['pglite', 'pg'].map((l) => results[`terms.rename.${l}.ms`]?.value).filter((v): v is number => typeof v === 'number');
  if (worst.length) record('terms.rename.ms', Math.max(...worst), `ms, the slower of PGlite and PostgreSQL (median PUT term → next GET sees the word; 200 objects, ${'~2,000'} fields); target ≤ 100`);

  const file = join(root, 'bench/results.json');
  const existing = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Metric>) : {};
  writeFileSync(file, `${JSON.stringify({ ...existing, ...results }, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

main().catch(async (error: unknown) => {
  for (const child of children) await child.stop();
  console.error(error);
  process.exitCode = 1;
});
