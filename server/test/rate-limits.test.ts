import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/access/rate-limit.ts';
import { createTestTenant, startHarness, type Harness } from './harness.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

describe('request-rate limits under concurrency', () => {
  it('refuses only when the shared allowance is spent, however many requests of one process wait for a lease at once', async () => {
    const t = await createTestTenant(h, 'rl-burst');
    // A fresh limiter leases one token first: 300 requests arriving together must all wait on leases, not be refused.
    const roomy = new RateLimiter({ perTenant: 1_000_000, perApiKey: 1_000_000, perUser: 1_000_000 }, h.db);
    const verdicts = await Promise.all(Array.from({ length: 300 }, () => roomy.take(t.id, { scope: 'apiKey', id: 'burst-key' })));
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);
    // With an allowance of 50 a minute, exactly 50 of 80 get through and the rest are told when to retry.
    const other = await createTestTenant(h, 'rl-tight');
    const tight = new RateLimiter({ perTenant: 50, perApiKey: 1_000, perUser: 1_000 }, h.db);
    const tightVerdicts = await Promise.all(Array.from({ length: 80 }, () => tight.take(other.id, undefined)));
    expect(tightVerdicts.filter((v) => v.ok)).toHaveLength(50);
    expect(tightVerdicts.filter((v) => !v.ok).every((v) => !v.ok && v.retryAfter >= 1 && v.scope === 'tenant')).toBe(true);
  });
});

describe('a user signed in to the studio', () => {
  it('has an allowance of their own: one runaway tab is refused before it spends the workspace’s, and colleagues and the user’s keys go on', async () => {
    const own = await startHarness({ rateLimits: { perTenant: 1_000, perApiKey: 1_000, perUser: 5 } });
    try {
      const t = await createTestTenant(own, 'rl-user');
      const signIn = async (email: string) => {
        const r = await own.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.slug, email, password: 'correct horse battery' } });
        expect(r.statusCode, r.body).toBe(200);
        return String(r.headers['set-cookie']).split(';')[0]!;
      };
      expect((await t.api('POST', '/users', { email: `colleague@${t.slug}.test`, name: 'Colleague', role: 'standard', password: 'correct horse battery' })).statusCode).toBe(201);
      const get = (cookie: string) => own.server.app.inject({ method: 'GET', url: '/api/v1/records/organization?limit=1', headers: { cookie } });
      const runaway = await signIn(t.adminEmail);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await get(runaway)).statusCode);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const refused = await get(runaway);
      expect(refused.headers['retry-after']).toBeDefined();
      expect(JSON.parse(refused.body)).toMatchObject({ detail: 'You are sending too many requests; retry later' });
      expect(JSON.parse((await own.server.app.inject({ method: 'GET', url: '/api/v1/records/organization?limit=1', headers: { cookie: runaway, 'accept-language': 'zh-CN' } })).body)).toMatchObject({ detail: '您的请求过多，请稍后重试' });
      // Another session of the same user shares the allowance; a colleague and the user's API key have their own.
      expect((await get(await signIn(t.adminEmail))).statusCode).toBe(429);
      expect((await get(await signIn(`colleague@${t.slug}.test`))).statusCode).toBe(200);
      expect((await t.api('GET', '/records/organization?limit=1')).statusCode).toBe(200);
    } finally {
      await own.close();
    }
  });
});

// PGlite lives inside one process; only a database server is shared by several.
describe.skipIf(!process.env['DATABASE_URL'])('request-rate limits across server processes', () => {
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('two processes share one allowance per API key and per workspace: 429 with Retry-After once it is spent on either', async () => {
    // 4 a minute per key and 6 per workspace: a token comes back every 15 s and 10 s, far longer than this test's requests take.
    const env = { PROTEAN_RATE_LIMIT_API_KEY: '4', PROTEAN_RATE_LIMIT_TENANT: '6', PROTEAN_LOG: '0' };
    [a, b] = await Promise.all([startServerProcess(process.env['DATABASE_URL']!, env), startServerProcess(process.env['DATABASE_URL']!, env)]);
    const t = await createTestTenant(h, 'rl-procs');
    const second = (await h.server.auth.createApiKey(t.id, t.adminId, 'second')).key;
    const other = await createTestTenant(h, 'rl-other');
    const get = (server: ServerProcess, key: string) => fetch(`${server.url}/api/v1/records/organization?limit=1`, { headers: { authorization: `Bearer ${key}` } });

    // Alternating between the processes: per process it would be two each, far under the limit.
    const first: number[] = [];
    for (const server of [a, b, a, b]) first.push((await get(server, t.key)).status);
    expect(first).toEqual([200, 200, 200, 200]);
    for (const server of [a, b]) {
      const refused = await get(server, t.key);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await refused.json()) as { detail: string }).detail).toMatch(/API key/);
    }
    // The workspace has 6: four went to the first key, so the second key gets two, on either process.
    const then: number[] = [];
    for (const server of [b, a, b]) then.push((await get(server, second)).status);
    expect(then).toEqual([200, 200, 429]);
    const workspace = await get(a, second);
    expect(workspace.status).toBe(429);
    expect(((await workspace.json()) as { detail: string }).detail).toMatch(/workspace/);
    // Another workspace draws from its own allowance.
    expect((await get(b, other.key)).status).toBe(200);
  }, 120_000);
});
