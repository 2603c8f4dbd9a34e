import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';
import { MailReceiver } from './mail-receiver.ts';

// Mail to refused@… is refused at RCPT, as a mail server refuses an address it does not know.
const receiver = new MailReceiver();
const mailTo = (address: string) => receiver.mailTo(address);

let h: Harness;
let t: TestTenant;
const PUBLIC_URL = 'https://crm.example.test';

beforeAll(async () => {
  h = await startHarness({ workflows: { smtpUrl: await receiver.start(), publicUrl: PUBLIC_URL } });
  t = await createTestTenant(h, 'invmail');
  // The workspace's words: its customers are patients, its users staff members.
  const renamed = await t.api('PUT', '/metadata/terms/customer', { forms: { en: { singular: 'patient', plural: 'patients' }, 'zh-CN': { singular: '患者', plural: '患者' } } });
  expect(renamed.statusCode, renamed.body).toBe(200);
  const staff = await t.api('PUT', '/metadata/terms/user', { forms: { en: { singular: 'staff member', plural: 'staff members' }, 'zh-CN': { singular: '医护人员', plural: '医护人员' } } });
  expect(staff.statusCode, staff.body).toBe(200);
});
afterAll(async () => {
  await h?.close();
  await receiver.close();
});

describe('inviting a user by email', () => {
  it('the form may offer email: outgoing mail is configured', async () => {
    expect(json(await t.api('GET', '/invites/delivery'))).toEqual({ email: true });
  });

  it('sends the link in the invitee’s language and the workspace’s words, and the link in the mail lets them join', async () => {
    const made = await t.api('POST', '/invites', { role: 'standard', email: 'mei@invmail.test', send: true, locale: 'zh-CN' });
    expect(made.statusCode, made.body).toBe(201);
    const invite = json<{ token: string; sentTo: string }>(made);
    expect(invite.sentTo).toBe('mei@invmail.test');
    const mail = await mailTo('mei@invmail.test');
    expect(mail.subject).toBe(`Test Admin邀请您加入“${t.slug}”`);
    const text = mail.text ?? '';
    expect(text).toContain('以普通医护人员身份加入');
    expect(text).toContain('管理患者');
    expect(text).not.toMatch(/客户|用户|customer|\{/i);
    const link = /https:\/\/\S+/.exec(text)?.[0];
    expect(link).toBe(`${PUBLIC_URL}/invite/${invite.token}`);

    const token = link!.slice(link!.lastIndexOf('/') + 1);
    // The join page gets the workspace's words with the invitation, so it too says 普通医护人员.
    const info = json<{ role: string; terms: { key: string; forms: { en: { singular: string } } }[] }>(await call(h, undefined, 'GET', `/invites/token/${token}`));
    expect(info).toMatchObject({ role: 'standard', email: 'mei@invmail.test' });
    expect(info.terms.find((term) => term.key === 'user')?.forms.en.singular).toBe('staff member');
    const joined = await call(h, undefined, 'POST', '/invites/accept', { token, name: 'Mei Chen', email: 'mei@invmail.test', password: 'a long enough password', locale: 'zh-CN' });
    expect(joined.statusCode, joined.body).toBe(201);
    // The profile she joined with is in the audit trail, granted by the admin who invited her.
    const audit = json<{ actorName: string; action: string; subject: string; detail: { after: { profile: string } } }[]>(await t.api('GET', '/access/audit'));
    expect(audit.find((e) => e.subject === 'user Mei Chen')).toMatchObject({ actorName: 'Test Admin', action: 'user.create', detail: { after: { profile: 'standard' } } });
  });

  it('writes English with the workspace’s words when the invitee reads English', async () => {
    const made = await t.api('POST', '/invites', { role: 'admin', email: 'sam@invmail.test', send: true, locale: 'en' });
    expect(made.statusCode, made.body).toBe(201);
    const mail = await mailTo('sam@invmail.test');
    expect(mail.subject).toBe(`Test Admin invited you to ${t.slug}`);
    expect(mail.text).toContain(`invited you to join ${t.slug}, where the team keeps its patients and deals, as an administrator.`);
    expect(mail.text).not.toMatch(/customer/i);
    expect(mail.text).toContain(`${PUBLIC_URL}/invite/${json<{ token: string }>(made).token}`);
  });

  it('invites with any profile of the workspace, naming the workspace’s own profile as it is named', async () => {
    const sets = json<{ id: string; key: string }[]>(await t.api('GET', '/access/permission-sets'));
    const made = await t.api('POST', '/access/profiles', { key: 'clinician', name: 'Clinician', permissionSetIds: [sets.find((s) => s.key === 'standard')!.id] });
    expect(made.statusCode, made.body).toBe(201);
    const invite = await t.api('POST', '/invites', { role: 'clinician', email: 'cleo@invmail.test', send: true, locale: 'en' });
    expect(invite.statusCode, invite.body).toBe(201);
    expect((await mailTo('cleo@invmail.test')).text).toContain(', as Clinician.');
    const token = json<{ token: string }>(invite).token;
    expect(json(await call(h, undefined, 'GET', `/invites/token/${token}`))).toMatchObject({ role: 'clinician', roleName: 'Clinician' });
    expect((await call(h, undefined, 'POST', '/invites/accept', { token, name: 'Cleo', email: 'cleo@invmail.test', password: 'a long enough password' })).statusCode).toBe(201);
    const users = json<{ email: string; role: string }[]>(await t.api('GET', '/users'));
    expect(users.find((u) => u.email === 'cleo@invmail.test')?.role).toBe('clinician');
    expect((await t.api('POST', '/invites', { role: 'no_such_profile' })).statusCode).toBe(422);
  });

  it('refuses to send without an email, and makes no invitation when the mail server refuses the address', async () => {
    const before = json<unknown[]>(await t.api('GET', '/invites')).length;
    const noEmail = await t.api('POST', '/invites', { role: 'standard', send: true });
    expect(noEmail.statusCode).toBe(422);
    expect(json<{ errors: { field: string }[] }>(noEmail).errors[0]!.field).toBe('email');

    const refused = await t.api('POST', '/invites', { role: 'standard', email: 'refused@invmail.test', send: true });
    expect(refused.statusCode, refused.body).toBe(422);
    expect(json<{ errors: { field: string; code: string }[] }>(refused).errors[0]).toMatchObject({ field: 'email', code: 'mail_refused' });
    // No link exists that no one received.
    expect(json<unknown[]>(await t.api('GET', '/invites')).length).toBe(before);
  });
});
