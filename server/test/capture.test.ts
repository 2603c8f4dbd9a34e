import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.ts';
import { json, startHarness, waitForValue, type Harness } from './harness.ts';

// A second server on the harness's database, as production runs it: starter automations on, an SMTP listener.
let h: Harness;
let server: App;
beforeAll(async () => {
  h = await startHarness();
  server = await buildApp({ db: h.db, operatorToken: h.operatorToken, passwordCost: 'test', starterAutomations: true, inboundSmtp: { port: 0, host: '127.0.0.1' } });
  await server.app.ready();
});
afterAll(async () => {
  await server?.app.close();
  await h?.close();
});

/** A workspace made through the API, as an operator makes one, so it starts with the automations. */
async function workspace(locale?: string) {
  const slug = `cap-${randomUUID().slice(0, 8)}`;
  const created = await server.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: { authorization: `Bearer ${h.operatorToken}` }, payload: { slug, name: slug, ...(locale ? { locale } : {}), admin: { email: `boss@${slug}.test`, name: 'Boss', password: 'long enough secret' } } });
  expect(created.statusCode, created.body).toBe(201);
  const tenantId = json<{ id: string }>(created).id;
  const [admin] = await h.db.system((q) => q.query<{ id: string }>("select id from app_user where tenant_id = $1 and role = 'admin'", [tenantId]));
  const { key } = await server.auth.createApiKey(tenantId, admin!.id, 'capture');
  const api = (method: string, path: string, body?: unknown) => server.app.inject({ method: method as 'GET', url: `/api/v1${path}`, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
  return { slug, tenantId, adminId: admin!.id, api };
}

describe('relationship-sales automations and communication capture', () => {
  it('a new workspace starts with the automations active and the Contacted status', async () => {
    const w = await workspace();
    const list = json<{ workflows: { apiName: string; status: string }[] }>(await w.api('GET', '/workflows')).workflows;
    expect(list.map((x) => `${x.apiName}:${x.status}`).sort()).toEqual(['first_contact:active', 'no_activity_follow_up:active', 'task_due_reminder:active']);
    const customer = json<{ fields: { apiName: string; values?: { apiName: string }[] }[] }>(await w.api('GET', '/metadata/objects/customer'));
    const status = customer.fields.find((f) => f.apiName === 'status')!;
    expect(status.values!.map((v) => v.apiName)).toEqual(expect.arrayContaining(['lead', 'contacted']));
  });

  it('a workspace made in Chinese starts with its automations written in Chinese, its admin and new accounts reading Chinese', async () => {
    const w = await workspace('zh-CN');
    const list = json<{ workflows: { apiName: string; label: string; description: string }[] }>(await w.api('GET', '/workflows')).workflows;
    const byName = new Map(list.map((x) => [x.apiName, x]));
    expect(byName.get('first_contact')).toMatchObject({ label: '首次活动后：潜在客户 → 已联系', description: '为仍是潜在客户的客户记录活动时，该客户变为已联系。' });
    expect(byName.get('no_activity_follow_up')!.label).toBe('7 天无活动后跟进');
    // The steps a person reads on the canvas, and what they write, are Chinese too.
    const followUp = json<{ definition: { steps: { id: string; label?: string; config: Record<string, unknown> }[] } }>(await w.api('GET', '/workflows/no_activity_follow_up'));
    expect(followUp.definition.steps.map((s) => s.label)).toEqual(['不是不活跃？', '跟进任务']);
    expect(followUp.definition.steps[1]!.config['subject']).toBe('跟进{{record.name}}');
    // Every label of every starter is Chinese: no English word is left for a Chinese admin to read.
    for (const wf of list) expect(`${wf.label} ${wf.description}`).not.toMatch(/[A-Za-z]{3,}/);
    expect(json(await w.api('GET', '/workspace/settings'))).toMatchObject({ locale: 'zh-CN' });
    const me = json<{ user: { locale: string; localeChosen: boolean } }>(await w.api('GET', '/auth/me'));
    expect(me.user).toMatchObject({ locale: 'zh-CN', localeChosen: false });
    // An account made with no language starts in the workspace's; one given a language keeps it.
    const plain = json<{ locale: string; localeChosen: boolean }>(await w.api('POST', '/users', { email: 'li@zh.test', name: 'Li', role: 'standard', password: 'long enough secret' }));
    expect(plain).toMatchObject({ locale: 'zh-CN', localeChosen: false });
    const chosen = json<{ locale: string }>(await w.api('POST', '/users', { email: 'ann@zh.test', name: 'Ann', role: 'standard', password: 'long enough secret', locale: 'en' }));
    expect(chosen.locale).toBe('en');
    // The workspace's language is a setting: accounts made after a change start in the new one.
    expect(json(await w.api('PATCH', '/workspace/settings', { locale: 'en' }))).toMatchObject({ locale: 'en' });
    expect(json<{ locale: string }>(await w.api('POST', '/users', { email: 'bo@zh.test', name: 'Bo', role: 'standard', password: 'long enough secret' })).locale).toBe('en');
    const bad = await w.api('PATCH', '/workspace/settings', { locale: 'fr' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(json(bad))).toContain('locale');
  });

  it('a workspace asked for in a language the product does not speak is refused, naming the field', async () => {
    const slug = `cap-${randomUUID().slice(0, 8)}`;
    const refused = await server.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: { authorization: `Bearer ${h.operatorToken}` }, payload: { slug, name: slug, locale: 'fr', admin: { email: `boss@${slug}.test`, name: 'Boss', password: 'long enough secret' } } });
    expect(refused.statusCode).toBe(400);
    expect(JSON.stringify(json(refused))).toContain('locale');
    expect(await h.db.system((q) => q.query('select 1 from tenant where slug = $1', [slug]))).toEqual([]);
  });

  it('a captured call from an unknown number creates the customer, logs the activity, and the first activity makes the customer Contacted; the same call again is logged once', async () => {
    const w = await workspace();
    const body = { type: 'call', subject: 'Asked about prices', contact: { phone: '+86 138 0013 8000', name: 'Mei Lin' }, durationMinutes: 4, externalId: 'pbx-1001' };
    const first = await w.api('POST', '/capture/communications', body);
    expect(first.statusCode, first.body).toBe(201);
    const captured = json<{ customerId: string; customerCreated: boolean; activityId: string }>(first);
    expect(captured.customerCreated).toBe(true);
    const customer = json(await w.api('GET', `/records/customer/${captured.customerId}`));
    expect(customer).toMatchObject({ first_name: 'Mei', last_name: 'Lin', phone: expect.stringContaining('138'), status: 'lead' });
    const activity = json(await w.api('GET', `/records/activity/${captured.activityId}`));
    expect(activity).toMatchObject({ type: 'call', channel: 'phone', subject: 'Asked about prices', customer: captured.customerId, duration_minutes: 4 });
    await waitForValue('the customer to be Contacted', async () => (json(await w.api('GET', `/records/customer/${captured.customerId}`))['status'] === 'contacted' ? true : undefined));
    const again = await w.api('POST', '/capture/communications', body);
    expect(again.statusCode).toBe(200);
    expect(json(again)).toMatchObject({ activityId: captured.activityId, duplicate: true });
    // The same number, written differently, is the same customer.
    const second = json<{ customerId: string; customerCreated: boolean }>(await w.api('POST', '/capture/communications', { type: 'message', contact: { phone: '8613800138000' } }));
    expect(second).toMatchObject({ customerId: captured.customerId, customerCreated: false });
    const bad = await w.api('POST', '/capture/communications', { type: 'call', contact: {} });
    expect(bad.statusCode).toBe(422);
    expect(json<{ errors: { field: string }[] }>(bad).errors[0]!.field).toBe('contact');
  });

  it('a captured email in capitals, a Turkish dotted İ included, is logged to the customer with that email', async () => {
    const w = await workspace();
    const created = await w.api('POST', '/records/customer', { first_name: 'Ivan', last_name: 'Petrov', email: 'ivan.petrov@example.test' });
    expect(created.statusCode, created.body).toBe(201);
    const captured = await w.api('POST', '/capture/communications', { type: 'email', subject: 'Prices', contact: { email: 'İVAN.PETROV@EXAMPLE.TEST' } });
    expect(captured.statusCode, captured.body).toBe(201);
    expect(json(captured)).toMatchObject({ customerId: json<{ id: string }>(created).id, customerCreated: false });
  });

  it('logs an email sent over SMTP to the workspace’s address to the matching customer, creating an unknown sender', async () => {
    const w = await workspace();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.inboundSmtpPort!, secure: false, ignoreTLS: true });
    const info = await transport.sendMail({ from: 'Zhang Wei <zhang.wei@example.com>', to: `${w.slug}@inbound.protean.test`, subject: 'Trial lesson next week?', text: 'Hello, can my son join a trial lesson?' });
    expect(info.accepted).toEqual([`${w.slug}@inbound.protean.test`]);
    const found = await waitForValue('the customer', async () => {
      const list = json<{ data: { id: string; email: string; first_name: string; last_name: string }[] }>(
        await w.api('GET', `/records/customer?filter=${encodeURIComponent(JSON.stringify({ field: 'email', op: 'eq', value: 'zhang.wei@example.com' }))}`),
      );
      return list.data[0];
    });
    expect(found).toMatchObject({ first_name: 'Zhang', last_name: 'Wei' });
    const activities = json<{ data: { subject: string; type: string; notes: string }[] }>(
      await w.api('GET', `/records/activity?filter=${encodeURIComponent(JSON.stringify({ field: 'customer', op: 'eq', value: found.id }))}`),
    );
    expect(activities.data).toEqual([expect.objectContaining({ subject: 'Trial lesson next week?', type: 'email', notes: expect.stringContaining('trial lesson') })]);
    // Mail for a workspace that does not exist is refused by the listener, not swallowed.
    await expect(transport.sendMail({ from: 'x@example.com', to: 'no-such-workspace@inbound.protean.test', subject: 'x', text: 'x' })).rejects.toThrow(/550/);
    transport.close();
  });

  it('the no-activity follow-up fires for a customer left alone, and the education journey moves a lead to trial lesson on a visit', async () => {
    const w = await workspace();
    // The starter workflow waits 7 days; a copy that waits two seconds shows the same trigger at work.
    const starter = json<{ definition: { trigger: Record<string, unknown>; steps: unknown[]; start: string } }>(await w.api('GET', '/workflows/no_activity_follow_up'));
    const quick = await w.api('POST', '/workflows', { apiName: 'quick_follow_up', label: 'Quick follow-up', definition: { ...starter.definition, trigger: { ...starter.definition.trigger, days: 2 / 86_400 } } });
    expect(quick.statusCode, quick.body).toBe(201);
    expect((await w.api('POST', '/workflows/quick_follow_up/activate')).statusCode).toBe(200);
    const customer = json<{ id: string }>(await w.api('POST', '/records/customer', { first_name: 'Lei', last_name: 'Sun' }));
    const task = await waitForValue('the follow-up task', async () => {
      const list = json<{ data: { subject: string; related_customer: string }[] }>(
        await w.api('GET', `/records/task?filter=${encodeURIComponent(JSON.stringify({ field: 'related_customer', op: 'eq', value: customer.id }))}`),
      );
      return list.data[0];
    });
    expect(task.subject).toBe('Follow up with Lei Sun');

    const installed = await w.api('POST', '/workflow-templates/education/install');
    expect(installed.statusCode, installed.body).toBe(201);
    expect(json<{ installed: string[] }>(installed).installed).toEqual(['edu_trial_booked', 'edu_enrol', 'edu_course_starts', 'edu_renewal_due', 'edu_alumni']);
    const student = json<{ id: string; journey_stage: string }>(await w.api('POST', '/records/customer', { first_name: 'Xiao', last_name: 'Ming' }));
    expect(student.journey_stage).toBe('lead');
    expect((await w.api('POST', '/records/activity', { subject: 'Trial lesson', type: 'visit', customer: student.id })).statusCode).toBe(201);
    await waitForValue('trial lesson', async () => (json(await w.api('GET', `/records/customer/${student.id}`))['journey_stage'] === 'trial_lesson' ? true : undefined));
    const enrol = await w.api('POST', '/workflows/edu_enrol/runs', { recordId: student.id, input: { course_start: '2027-03-01', course_end: '2027-08-31' } });
    expect(enrol.statusCode, enrol.body).toBe(202);
    await waitForValue('enrolled', async () => {
      const s = json(await w.api('GET', `/records/customer/${student.id}`));
      return s['journey_stage'] === 'enrolled' && s['course_start'] === '2027-03-01' ? true : undefined;
    });
  });
});
