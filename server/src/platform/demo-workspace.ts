import { randomBytes } from 'node:crypto';
import type { Locale } from '@protean/metadata';
import type { Principal } from '../auth/principal.ts';
import { actorOf, seedDemoAccess } from '../access/access-service.ts';
import type { App } from '../app.ts';
import { queryOne, type Database } from '../db/database.ts';
import { tenantZones } from '../logic/tenant-zones.ts';
import { createTenant, findTenant } from '../tenancy/tenant-service.ts';

/** The demo login; the password and key only when they were just made (they are stored as hashes only). */
export interface DemoWorkspace {
  tenant: string;
  email: string;
  created?: { password: string; apiKey: string };
}

const DEMO_SLUG = 'demo';

/**
 * Creates the demo workspace on first start (with sample records) in `locale`; later starts find
 * its admin's email. Another slug is for tests, which share one database.
 */
export async function ensureDemoWorkspace(db: Database, app: App, locale: Locale = 'en', slug = DEMO_SLUG): Promise<DemoWorkspace> {
  const existing = await findTenant(db, slug);
  if (existing) return { tenant: slug, email: (await demoAdmin(db, existing.id))?.email ?? 'admin@demo.test' };
  const texts = DEMO_TEXTS[locale];
  const password = newDemoPassword();
  const email = 'admin@demo.test';
  const tenant = await createTenant(db, { slug, name: texts.workspace, locale, admin: { email, name: texts.admin, password } }, app.auth.passwords);
  if (texts.settings) await setWorkspace(db, tenant.id, texts.settings);
  const key = await app.auth.createApiKey(tenant.id, tenant.adminId, texts.key);
  const principal: Principal = { tenantId: tenant.id, tenantSlug: slug, tenantName: texts.workspace, userId: tenant.adminId, userName: texts.admin, role: 'admin', locale, via: 'session' };
  await seedDemoAccess(app.access, tenant.id, actorOf(principal));
  await app.workflows.installStarter(tenant.id, tenant.adminId);
  await seedSampleRecords(app, principal, texts);
  return { tenant: slug, email, created: { password, apiKey: key.key } };
}

/** The demo workspace's first admin, whose password `demo:reset-password` replaces. */
export async function demoAdmin(db: Database, tenantId: string): Promise<{ id: string; email: string } | undefined> {
  return db.system((q) => queryOne(q, `select id, email from app_user where tenant_id = $1 and role = 'admin' order by created_at, email limit 1`, [tenantId]));
}

export const DEMO_WORKSPACE = DEMO_SLUG;
export const newDemoPassword = () => randomBytes(9).toString('base64url');

/** The money and the clock of the workspace's place, where they are not the defaults (USD, UTC). */
async function setWorkspace(db: Database, tenantId: string, settings: { currency: string; timeZone: string }): Promise<void> {
  await db.transaction(tenantId, (tx) => tx.query('update tenant set currency = $2, time_zone = $3 where id = $1', [tenantId, settings.currency, settings.timeZone]));
  tenantZones.changed(tenantId, settings.timeZone);
}

/** The demo organizations' values that read the same in every language. */
const ORGANIZATIONS = [
  { website: 'https://harbor.example', industry: 'healthcare' },
  { website: 'https://northwind.example', industry: 'education' },
  { website: 'https://bluelantern.example', industry: 'finance' },
];

/** What the demo workspace is made of, in each language the product speaks. */
interface DemoTexts {
  workspace: string;
  settings?: { currency: string; timeZone: string };
  admin: string;
  key: string;
  /** The names of ORGANIZATIONS, in order. */
  organizations: string[];
  /** First name, last name, email. */
  people: [string, string, string][];
  deal: (customer: string) => string;
  call: (customer: { first: string; name: string }) => string;
}

const DEMO_TEXTS: Record<Locale, DemoTexts> = {
  en: {
    workspace: 'Demo workspace',
    admin: 'Demo Admin',
    key: 'Demo key',
    organizations: ['Harbor Health Clinic', 'Northwind Academy', 'Blue Lantern Insurance'],
    people: [
      ['Mei', 'Chen', 'mei.chen@example.com'],
      ['Oliver', 'Smith', 'oliver.smith@example.com'],
      ['Amara', 'Okafor', 'amara.okafor@example.com'],
      ['Lukas', 'Berg', 'lukas.berg@example.com'],
      ['Hana', 'Sato', 'hana.sato@example.com'],
      ['Diego', 'Ramos', 'diego.ramos@example.com'],
    ],
    deal: (customer) => `${customer} — annual plan`,
    call: (customer) => `Intro call with ${customer.first}`,
  },
  'zh-CN': {
    workspace: '演示工作区',
    settings: { currency: 'CNY', timeZone: 'Asia/Shanghai' },
    admin: '演示管理员',
    key: '演示密钥',
    organizations: ['港湾健康诊所', '北风学院', '蓝灯保险'],
    people: [
      ['美玲', '陈', 'meiling.chen@example.com'],
      ['伟', '王', 'wei.wang@example.com'],
      ['娜', '李', 'na.li@example.com'],
      ['磊', '张', 'lei.zhang@example.com'],
      ['洋', '刘', 'yang.liu@example.com'],
      ['敏', '赵', 'min.zhao@example.com'],
    ],
    deal: (customer) => `${customer} — 年度方案`,
    call: (customer) => `与${customer.name}的初次通话`,
  },
};

async function seedSampleRecords(app: App, principal: Principal, texts: DemoTexts): Promise<void> {
  const model = await app.metadata.model(principal.tenantId);
  const object = (name: string) => app.data.object(model, name);
  const ctx = { principal, model };
  const organizations = await app.data.batch(ctx, object('organization'), texts.organizations.map((name, i) => ({ op: 'create' as const, data: { name, ...ORGANIZATIONS[i] } })));
  const customers = await app.data.batch(
    ctx,
    object('customer'),
    texts.people.map(([first, last, email], i) => ({ op: 'create' as const, data: { first_name: first, last_name: last, email, organization: organizations[i % organizations.length]!.id } })),
  );
  // The name the customer was given from its first and last name ("Mei Chen", "陈美玲").
  const named = customers.map((c, i) => ({ first: texts.people[i]![0], name: String(c.record?.['name']) }));
  const stages = ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won'];
  const deals = await app.data.batch(
    ctx,
    object('deal'),
    customers.map((c, i) => ({
      op: 'create' as const,
      data: { name: texts.deal(named[i]!.name), stage: stages[i % stages.length], amount: 1200 * (i + 1), close_date: `2027-0${(i % 9) + 1}-15`, customer: c.id },
    })),
  );
  await app.data.batch(
    ctx,
    object('activity'),
    customers.map((c, i) => ({
      op: 'create' as const,
      data: { subject: texts.call(named[i]!), type: 'call', channel: 'phone', occurred_at: new Date(Date.now() - i * 86_400_000).toISOString(), customer: c.id, deal: deals[i]!.id },
    })),
  );
}
