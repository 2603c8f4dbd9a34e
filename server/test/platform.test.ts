import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestTenant, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

describe('platform', () => {
  it('answers healthz and readyz once migrations are applied', async () => {
    expect((await h.server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await h.server.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('creates a tenant through the API with the operator token only, and the new admin can sign in', async () => {
    const body = { slug: `api-${Date.now().toString(36)}`, name: 'API Tenant', admin: { email: 'boss@api.test', name: 'Boss', password: 'long enough secret' } };
    expect((await call(h, 'wrong', 'POST', '/tenants', body)).statusCode).toBe(403);
    const created = await h.server.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: { authorization: `Bearer ${h.operatorToken}` }, payload: body });
    expect(created.statusCode, created.body).toBe(201);
    const again = await h.server.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: { authorization: `Bearer ${h.operatorToken}` }, payload: body });
    expect(again.statusCode).toBe(409);
    const login = await h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: body.slug, email: 'boss@api.test', password: 'long enough secret' } });
    expect(login.statusCode).toBe(200);
    const wrong = await h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: body.slug, email: 'boss@api.test', password: 'wrong password!' } });
    expect(wrong.statusCode).toBe(401);
  });

  it('stores passwords as scrypt hashes and API keys only as hashes', async () => {
    const t = await createTestTenant(h, 'hash');
    const rows = await h.db.system((q) => q.query<{ password_hash: string }>('select password_hash from app_user where tenant_id = $1', [t.id]));
    expect(rows[0]!.password_hash).toMatch(/^scrypt\$/);
    const keys = await h.db.system((q) => q.query<{ token_hash: string }>('select token_hash from api_key where tenant_id = $1', [t.id]));
    expect(keys.map((k) => k.token_hash)).not.toContain(t.key);
  });

  it('row-level security hides other tenants even from a query that forgets the tenant filter', async () => {
    const a = await createTestTenant(h, 'rls-a');
    const b = await createTestTenant(h, 'rls-b');
    await a.api('POST', '/records/organization', { name: 'A only' });
    await b.api('POST', '/records/organization', { name: 'B only' });
    const seen = await h.db.withTenant(a.id, (q) => q.query<{ tenant_id: string }>("select tenant_id from record where object_id = 'organization'"));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r.tenant_id === a.id)).toBe(true);
  });
});
