// Studio benchmarks against the real server in Debian's Chromium:
//   studio.bundle_gzip_kb  gzipped JavaScript loaded for the first CRM page (a list view)
//   studio.list_render.ms  click in the navigation → 50 rows painted, 100,000 records of the object
//   studio.list_render_cold.ms  full page load of the list URL → 50 rows painted (same data)
// Run: node scripts/node24.mjs --no-node-snapshot studio/bench/studio-bench.ts [--records N]
// Prints the figures and writes studio/bench/results.json in the bench/ results format.
import { gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, repoRoot, signIn, startWorkspace } from '../test/harness.ts';

const recordsArg = process.argv.indexOf('--records');
const RECORDS = recordsArg > 0 ? Number(process.argv[recordsArg + 1]) : 100_000;
const RUNS = 7;

const ws = await startWorkspace();
const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await signIn(page, ws);

  // Seed through the public batch API, 1,000 records per call.
  const stages = ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost'];
  const seedStart = Date.now();
  for (let done = 0; done < RECORDS; done += 1000) {
    const operations = Array.from({ length: Math.min(1000, RECORDS - done) }, (_, i) => {
      const n = done + i;
      return { op: 'create', data: { name: `Deal ${n}`, stage: stages[n % stages.length], amount: (n % 997) * 100, close_date: `2027-${String((n % 12) + 1).padStart(2, '0')}-15` } };
    });
    const res = await page.request.post(`${ws.baseUrl}/api/v1/records/deal/batch`, { data: { operations } });
    if (!res.ok()) throw new Error(`seeding failed: ${res.status()} ${await res.text()}`);
  }
  process.stdout.write(`seeded ${RECORDS} deals in ${((Date.now() - seedStart) / 1000).toFixed(1)} s\n`);

  // The API calls behind the list, timed alone so a slow page can be told from a slow query.
  const apiTimes: Record<string, number> = {};
  for (const [label, qs] of [
    ['list', 'sort=-created_at&limit=50'],
    ['list+count', 'sort=-created_at&limit=50&count=true'],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const res = await page.request.get(`${ws.baseUrl}/api/v1/records/deal?${qs}`);
      await res.body();
      times.push(performance.now() - t0);
    }
    apiTimes[label] = Math.round(times.sort((a, b) => a - b)[2]!);
  }
  process.stdout.write(`API medians (ms): ${JSON.stringify(apiTimes)}\n`);

  // First CRM page: a new context with the session cookie and an empty cache; every script it loads counts.
  const cold = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await cold.addCookies(await context.cookies());
  const coldPage = await cold.newPage();
  const scripts = new Map<string, number>();
  coldPage.on('response', async (r) => {
    if (r.request().resourceType() !== 'script') return;
    const body = await r.body().catch(() => null);
    if (body) scripts.set(r.url(), gzipSync(body, { level: 9 }).length);
  });
  await coldPage.goto(`${ws.baseUrl}/o/deal`, { waitUntil: 'networkidle' });
  await coldPage.locator('table.grid tbody tr').nth(49).waitFor();
  await cold.close();
  const bundleKb = [...scripts.values()].reduce((a, b) => a + b, 0) / 1024;

  // In-app navigation: from another object's list, click the navigation link, wait for 50 painted rows.
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto(`${ws.baseUrl}/o/customer`);
    await page.locator('h1').waitFor();
    await page.waitForLoadState('networkidle');
    warm.push(
      await page.evaluate(async () => {
        const link = document.querySelector<HTMLAnchorElement>('nav a[href="/o/deal"]')!;
        const t0 = performance.now();
        link.click();
        await new Promise<void>((resolve) => {
          const check = () => {
            if (location.pathname === '/o/deal' && document.querySelectorAll('table.grid tbody tr').length >= 50) requestAnimationFrame(() => resolve());
            else requestAnimationFrame(check);
          };
          check();
        });
        return performance.now() - t0;
      }),
    );
  }
  const apiEntries = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => e.name.includes('/api/'))
      .slice(-6)
      .map((e) => `${e.name.replace(location.origin, '')} start ${Math.round(e.startTime)} took ${Math.round(e.duration)}`),
  );
  process.stdout.write(`last API calls of the warm navigation:\n  ${apiEntries.join('\n  ')}\n`);
  // Cold: full document load of the list URL until 50 rows are painted (navigationStart based).
  const coldTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto(`${ws.baseUrl}/o/deal`, { waitUntil: 'commit' });
    coldTimes.push(
      await page.evaluate(async () => {
        await new Promise<void>((resolve) => {
          const check = () => {
            if (document.querySelectorAll('table.grid tbody tr').length >= 50) requestAnimationFrame(() => resolve());
            else requestAnimationFrame(check);
          };
          check();
        });
        return performance.now();
      }),
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const results = {
    'studio.bundle_gzip_kb': { value: Math.round(bundleKb * 10) / 10, unit: 'kB', floor: null },
    'studio.list_render.ms': { value: Math.round(median(warm)), unit: 'ms', floor: null },
    'studio.list_render_cold.ms': { value: Math.round(median(coldTimes)), unit: 'ms', floor: null },
  };
  process.stdout.write(`scripts loaded for the first CRM page: ${scripts.size}\n`);
  for (const [k, v] of Object.entries(results)) process.stdout.write(`${k}: ${v.value} ${v.unit}\n`);
  process.stdout.write(`list render runs (ms): warm ${warm.map(Math.round).join(', ')}; cold ${coldTimes.map(Math.round).join(', ')}\n`);
  writeFileSync(join(repoRoot, 'studio', 'bench', 'results.json'), `${JSON.stringify({ records: RECORDS, ...results }, null, 2)}\n`);
  // The project's results file holds every capability's figures; merge ours metric by metric.
  const shared = join(repoRoot, 'bench', 'results.json');
  const merged = { ...(JSON.parse(readFileSync(shared, 'utf8')) as Record<string, unknown>), ...results };
  writeFileSync(shared, `${JSON.stringify(merged, null, 2)}\n`);
} finally {
  await browser.close();
  await ws.stop();
}
