import type { Locale } from '@protean/metadata';
import type { Words } from '../metadata/words.ts';

/*
 * The invitation email, in the invitee's language. Templates use the placeholder grammar of
 * ADR 0004: `{inviter}`, `{workspace}`, `{role}`, `{link}`, `{expires}` are parameters; `{customer}`
 * and `{deal}` are terms of the workspace's glossary, so a clinic that calls its customers
 * patients invites its staff to keep patients.
 */
const TEXTS = {
  subject: { en: '{inviter} invited you to {workspace}', 'zh-CN': '{inviter}邀请您加入“{workspace}”' },
  body: {
    en: `{inviter} invited you to join {workspace}, where the team keeps its {customer:plural} and {deal:plural}, as {role}.

Open this link to choose your name and password:
{link}

The link works once and expires on {expires}. If you did not expect this invitation, you can ignore this email.`,
    'zh-CN': `{inviter}邀请您以{role}身份加入“{workspace}”，团队在这里管理{customer:plural}和{deal:plural}。

打开此链接，设置您的姓名和密码：
{link}

此链接只能使用一次，将于 {expires} 失效。如果您没有预期收到此邀请，可以忽略此邮件。`,
  },
  'role.admin': { en: 'an administrator', 'zh-CN': '管理员' },
  'role.standard': { en: 'a standard {user}', 'zh-CN': '普通{user}' },
  'role.read_only': { en: 'a read-only {user}', 'zh-CN': '只读{user}' },
} satisfies Record<string, Record<Locale, string>>;

export interface InviteMailInput {
  inviter: string;
  workspace: string;
  /** The profile key, and its name for a profile the workspace made (built-in ones are worded here). */
  role: string;
  roleName: string;
  link: string;
  expiresAt: Date;
}

/** Subject and text of the invitation, filled with the workspace's words in `words.locale`. */
export function inviteMail(words: Words, input: InviteMailInput): { subject: string; text: string } {
  const locale = words.locale;
  const roleKey = `role.${input.role}` as keyof typeof TEXTS;
  const role = roleKey in TEXTS ? words.text(TEXTS[roleKey][locale]) : input.roleName;
  // The expiry in the invitee's language; the server knows no time zone of a person not yet a user, so UTC, said as such.
  const expires = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' }).format(input.expiresAt);
  const params = { inviter: input.inviter, workspace: input.workspace, role, link: input.link, expires };
  return { subject: words.text(TEXTS.subject[locale], params), text: words.text(TEXTS.body[locale], params) };
}
