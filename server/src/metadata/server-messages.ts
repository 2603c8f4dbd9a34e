import type { Locale } from '@protean/metadata';

/*
 * Every server message a user can read that names an object, a field or a term. Templates use
 * the placeholder grammar of ADR 0004: `{object}`, `{field}`, `{count}`… are parameters (already
 * resolved labels); any other name is a term of the tenant's glossary (`{user}`).
 */
export const serverMessages = {
  'record.notFound': { en: 'No {object} with id {id}', 'zh-CN': '找不到 id 为 {id} 的{object}' },
  'record.deletedNotFound': { en: 'No deleted {object} with id {id}', 'zh-CN': '回收站中没有 id 为 {id} 的{object}' },
  'lookup.missing': { en: 'no {object} with id {id}', 'zh-CN': '找不到 id 为 {id} 的{object}' },
  'lookup.detail': { en: 'A lookup points at a record that does not exist', 'zh-CN': '关联字段指向的记录不存在' },
  'unique.taken': { en: 'another record already has this {field}', 'zh-CN': '已有其他记录使用此{field}' },
  'restrict.detail': { en: '{count} {source:plural} still refer to this {object} through {field}', 'zh-CN': '仍有 {count} 条{source:plural}通过“{field}”引用此{object}' },
  'restrict.item': { en: 'is still used by {count} {source:plural}', 'zh-CN': '仍被 {count} 条{source:plural}使用' },
  'owner.unknown': { en: 'no {user} with id {id}', 'zh-CN': '找不到 id 为 {id} 的{user}' },
} satisfies Record<string, Record<Locale, string>>;

export type ServerMessageKey = keyof typeof serverMessages;
