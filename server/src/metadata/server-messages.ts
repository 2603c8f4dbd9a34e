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
  'openapi.description': {
    en: 'Generated from metadata revision {revision}. Record ids are UUIDs; owner fields hold the id of {user:a}.',
    'zh-CN': '由元数据修订版 {revision} 生成。记录 id 为 UUID；负责人字段存放{user}的 id。',
  },
  'openapi.list': { en: 'List {object:plural}', 'zh-CN': '列出{object:plural}' },
  'openapi.create': { en: 'Create {object:a}', 'zh-CN': '新建{object}' },
  'openapi.get': { en: 'Get {object:a}', 'zh-CN': '获取{object}' },
  'openapi.update': { en: 'Update {object:a}', 'zh-CN': '更新{object}' },
  'openapi.delete': { en: 'Move {object:a} to the recycle bin', 'zh-CN': '将{object}移入回收站' },
  'openapi.batch': { en: 'Create, update or upsert up to 1,000 {object:plural} at once', 'zh-CN': '一次新建、更新或插入最多 1,000 条{object:plural}' },
  'openapi.noSuch': { en: 'No such {object}', 'zh-CN': '没有该{object}' },
  'openapi.alias': { en: '{text} (deprecated alias of {apiName})', 'zh-CN': '{text}（已弃用的别名，现为 {apiName}）' },
} satisfies Record<string, Record<Locale, string>>;

export type ServerMessageKey = keyof typeof serverMessages;
