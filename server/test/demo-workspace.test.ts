import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal.ts';
import { readConfig } from '../src/config.ts';
import { ensureDemoWorkspace } from '../src/platform/demo-workspace.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

describe('the demo workspace in Chinese', () => {
  it('is a Chinese workspace: its admin, its sample records and its starter workflows read in Chinese, its money is yuan and its clock Shanghai’s', async () => {
    const slug = `demo-zh-${randomUUID().slice(0, 8)}`;
    const demo = await ensureDemoWorkspace(h.db, h.server, 'zh-CN', slug);
    expect(demo.created?.password).toBeTruthy();
    const [tenant] = await h.db.system((q) => q.query<{ id: string; name: string; locale: string; currency: string; time_zone: string }>('select id, name, locale, currency, time_zone from tenant where slug = $1', [slug]));
    expect(tenant).toMatchObject({ name: '演示工作区', locale: 'zh-CN', currency: 'CNY', time_zone: 'Asia/Shanghai' });
    const [admin] = await h.db.system((q) => q.query<{ name: string; locale: string }>("select name, locale from app_user where tenant_id = $1 and role = 'admin'", [tenant!.id]));
    expect(admin).toMatchObject({ name: '演示管理员', locale: 'zh-CN' });

    const model = await h.server.metadata.model(tenant!.id);
    const [adminId] = await h.db.system((q) => q.query<{ id: string }>("select id from app_user where tenant_id = $1 and role = 'admin'", [tenant!.id]));
    const principal: Principal = { tenantId: tenant!.id, tenantSlug: slug, tenantName: tenant!.name, userId: adminId!.id, userName: admin!.name, role: 'admin', locale: 'zh-CN', via: 'session' };
    const ctx = { principal, model };
    const names = async (object: string, field: string) =>
      (await h.server.data.list(ctx, { object: h.server.data.object(model, object), where: undefined, sort: [], expand: [], limit: 50, after: undefined })).data.map((r) => String(r[field])).sort();
    expect(await names('organization', 'name')).toEqual(['北风学院', '港湾健康诊所', '蓝灯保险'].sort());
    // Family name first, without a space, as Chinese names are written.
    expect(await names('customer', 'name')).toEqual(['刘洋', '张磊', '李娜', '王伟', '赵敏', '陈美玲'].sort());
    expect(await names('deal', 'name')).toContain('陈美玲 — 年度方案');
    expect(await names('activity', 'subject')).toContain('与陈美玲的初次通话');
    // Its starter workflows are written in the workspace's language: no English word in their labels.
    const labels = await h.db.system((q) => q.query<{ label: string }>('select label from workflow where tenant_id = $1', [tenant!.id]));
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.filter((l) => /[A-Za-z]{3,}/.test(l.label))).toEqual([]);
  });

  it('is asked for by PROTEAN_DEMO_LOCALE, English unless set, and a language the product does not speak stops the start', () => {
    expect(readConfig({}).demoLocale).toBe('en');
    expect(readConfig({ PROTEAN_DEMO_LOCALE: 'zh-CN' }).demoLocale).toBe('zh-CN');
    expect(() => readConfig({ PROTEAN_DEMO_LOCALE: 'fr' })).toThrow('PROTEAN_DEMO_LOCALE must be en or zh-CN, not fr');
  });
});
