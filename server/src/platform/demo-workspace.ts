import { randomBytes } from 'node:crypto';
import type { Principal } from '../auth/principal.ts';
import { actorOf, seedDemoAccess } from '../access/access-service.ts';
import type { App } from '../app.ts';
import { queryOne, type Database } from '../db/database.ts';
import { createTenant, findTenant } from '../tenancy/tenant-service.ts';

/** The demo login; the password and key only when they were just made (they are stored as hashes only). */
export interface DemoWorkspace {
  tenant: string;
  email: string;
  created?: { password: string; apiKey: string };
}

const DEMO_SLUG = 'demo';

/** Creates the demo workspace on first start (with sample records); later starts find its admin's email. */
export async function ensureDemoWorkspace(db: Database, app: App): Promise<DemoWorkspace> {
  const existing = await findTenant(db, DEMO_SLUG);
  if (existing) return { tenant: DEMO_SLUG, email: (await demoAdmin(db, existing.id))?.email ?? 'admin@demo.test' };
  const password = newDemoPassword();
  const email = 'admin@demo.test';
  const tenant = await createTenant(db, { slug: DEMO_SLUG, name: 'Demo workspace', admin: { email, name: 'Demo Admin', password } }, app.auth.passwords);
  const key = await app.auth.createApiKey(tenant.id, tenant.adminId, 'Demo key');
  const principal: Principal = { tenantId: tenant.id, tenantSlug: DEMO_SLUG, tenantName: 'Demo workspace', userId: tenant.adminId, userName: 'Demo Admin', role: 'admin', locale: 'en', via: 'session' };
  await seedDemoAccess(app.access, tenant.id, actorOf(principal));
  await app.workflows.installStarter(tenant.id, tenant.adminId);
  await seedSampleRecords(app, principal);
  return { tenant: DEMO_SLUG, email, created: { password, apiKey: key.key } };
}

/** The demo workspace's first admin, whose password `demo:reset-password` replaces. */
export async function demoAdmin(db: Database, tenantId: string): Promise<{ id: string; email: string } | undefined> {
  return db.system((q) => queryOne(q, `select id, email from app_user where tenant_id = $1 and role = 'admin' order by created_at, email limit 1`, [tenantId]));
}

export const DEMO_WORKSPACE = DEMO_SLUG;
export const newDemoPassword = () => randomBytes(9).toString('base64url');

async function seedSampleRecords(app: App, principal: Principal): Promise<void> {
  const model = await app.metadata.model(principal.tenantId);
  const object = (name: string) => app.data.object(model, name);
  const ctx = { principal, model };
  const organizations = await app.data.batch(ctx, object('organization'), [
    { op: 'create', data: { name: 'Harbor Health Clinic', website: 'https://harbor.example', industry: 'healthcare' } },
    { op: 'create', data: { name: 'Northwind Academy', website: 'https://northwind.example', industry: 'education' } },
    { op: 'create', data: { name: 'Blue Lantern Insurance', website: 'https://bluelantern.example', industry: 'finance' } },
  ]);
  const people = [
    ['Mei', 'Chen', 'mei.chen@example.com'],
    ['Oliver', 'Smith', 'oliver.smith@example.com'],
    ['Amara', 'Okafor', 'amara.okafor@example.com'],
    ['Lukas', 'Berg', 'lukas.berg@example.com'],
    ['Hana', 'Sato', 'hana.sato@example.com'],
    ['Diego', 'Ramos', 'diego.ramos@example.com'],
  ];
  const customers = await app.data.batch(
    ctx,
    object('customer'),
    people.map(([first, last, email], i) => ({ op: 'create' as const, data: { first_name: first, last_name: last, email, organization: organizations[i % organizations.length]!.id } })),
  );
  const stages = ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won'];
  const deals = await app.data.batch(
    ctx,
    object('deal'),
    customers.map((c, i) => ({
      op: 'create' as const,
      data: { name: `${String(c.record?.['first_name'])} ${String(c.record?.['last_name'])} — annual plan`, stage: stages[i % stages.length], amount: 1200 * (i + 1), close_date: `2027-0${(i % 9) + 1}-15`, customer: c.id },
    })),
  );
  await app.data.batch(
    ctx,
    object('activity'),
    customers.map((c, i) => ({
      op: 'create' as const,
      data: { subject: `Intro call with ${String(c.record?.['first_name'])}`, type: 'call', channel: 'phone', occurred_at: new Date(Date.now() - i * 86_400_000).toISOString(), customer: c.id, deal: deals[i]!.id },
    })),
  );
}
