import { layoutName, termSets, type DiffChange, type DiffEntry, type Locale, type ObjectDef } from '@protean/metadata';
import type { TenantModel } from '../data/tenant-model.ts';

/** One changed property of a described change: where, the words for it, and a sentence. */
export interface DescribedDetail {
  path: string;
  property: string;
  from?: string;
  to?: string;
  text: string;
}

/** One entry of a revision's diff in words: what the studio shows as the readable diff. */
export interface DescribedChange {
  kind: DiffEntry['kind'];
  action: DiffEntry['action'];
  id: string;
  apiName: string;
  objectId?: string;
  /** The thing changed, named with the tenant's terms ("Field Email of Patient"). */
  subject: string;
  /** One sentence for the whole entry ("Added field Email to Patient"). */
  summary: string;
  details: DescribedDetail[];
}

type Sayings = Record<Locale, string>;

const KIND: Record<DiffEntry['kind'], Sayings> = {
  object: { en: 'Object', 'zh-CN': '对象' },
  field: { en: 'Field', 'zh-CN': '字段' },
  layout: { en: 'Layout', 'zh-CN': '布局' },
  term: { en: 'Term', 'zh-CN': '术语' },
  workflow: { en: 'Workflow', 'zh-CN': '工作流' },
  script: { en: 'Script', 'zh-CN': '脚本' },
};

const ACTION: Record<DiffEntry['action'], Sayings> = {
  created: { en: 'Added {subject}', 'zh-CN': '新增{subject}' },
  updated: { en: 'Changed {subject}', 'zh-CN': '修改了{subject}' },
  deleted: { en: 'Deleted {subject}', 'zh-CN': '删除了{subject}' },
  restored: { en: 'Restored {subject}', 'zh-CN': '恢复了{subject}' },
  purged: { en: 'Purged {subject} and its stored values', 'zh-CN': '彻底清除了{subject}及其数据' },
};

/** Words for the properties a change touches, by the first segment of its path. */
const PROPERTY: Record<string, Sayings> = {
  labels: { en: 'label', 'zh-CN': '标签' },
  label: { en: 'label', 'zh-CN': '标签' },
  apiName: { en: 'API name', 'zh-CN': 'API 名称' },
  apiNameAliases: { en: 'old API names', 'zh-CN': '旧 API 名称' },
  description: { en: 'description', 'zh-CN': '描述' },
  helpText: { en: 'help text', 'zh-CN': '帮助文本' },
  term: { en: 'term', 'zh-CN': '术语' },
  navOrder: { en: 'navigation order', 'zh-CN': '导航顺序' },
  nameFieldId: { en: 'name field', 'zh-CN': '名称字段' },
  indexes: { en: 'indexes', 'zh-CN': '索引' },
  indexSlots: { en: 'index slots', 'zh-CN': '索引槽' },
  pendingIndexSlots: { en: 'index slots being filled', 'zh-CN': '正在填充的索引槽' },
  type: { en: 'type', 'zh-CN': '类型' },
  required: { en: 'required', 'zh-CN': '必填' },
  unique: { en: 'unique', 'zh-CN': '唯一' },
  readOnly: { en: 'read-only', 'zh-CN': '只读' },
  defaultValue: { en: 'default value', 'zh-CN': '默认值' },
  maxLength: { en: 'maximum length', 'zh-CN': '最大长度' },
  minLength: { en: 'minimum length', 'zh-CN': '最小长度' },
  min: { en: 'minimum', 'zh-CN': '最小值' },
  max: { en: 'maximum', 'zh-CN': '最大值' },
  precision: { en: 'precision', 'zh-CN': '精度' },
  scale: { en: 'decimal places', 'zh-CN': '小数位数' },
  currencyCode: { en: 'currency', 'zh-CN': '币种' },
  values: { en: 'picklist values', 'zh-CN': '选项值' },
  lookup: { en: 'lookup', 'zh-CN': '关联' },
  autonumber: { en: 'number format', 'zh-CN': '编号格式' },
  name: { en: 'name', 'zh-CN': '名称' },
  sections: { en: 'sections', 'zh-CN': '分区' },
  objectId: { en: 'object', 'zh-CN': '对象' },
  forms: { en: 'words', 'zh-CN': '词形' },
  deletedAt: { en: 'deletion time', 'zh-CN': '删除时间' },
  version: { en: 'version', 'zh-CN': '版本' },
};

const QUALIFIER: Record<string, Sayings> = {
  en: { en: 'English', 'zh-CN': '英文' },
  'zh-CN': { en: 'Chinese', 'zh-CN': '中文' },
  singular: { en: 'singular', 'zh-CN': '单数' },
  plural: { en: 'plural', 'zh-CN': '复数' },
  article: { en: 'article', 'zh-CN': '冠词' },
  measureWord: { en: 'measure word', 'zh-CN': '量词' },
};

const SENTENCE = {
  changed: { en: '{property} changed from {from} to {to}', 'zh-CN': '{property}由{from}改为{to}' },
  set: { en: '{property} set to {to}', 'zh-CN': '{property}设为{to}' },
  cleared: { en: '{property} cleared (was {from})', 'zh-CN': '清除了{property}（原为{from}）' },
  of: { en: '{kind} {name} of {object}', 'zh-CN': '{object}的{kind}“{name}”' },
  plain: { en: '{kind} {name}', 'zh-CN': '{kind}“{name}”' },
  yes: { en: 'yes', 'zh-CN': '是' },
  no: { en: 'no', 'zh-CN': '否' },
  items: { en: '{count} items', 'zh-CN': '{count} 项' },
} satisfies Record<string, Sayings>;

const fill = (template: string, params: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_, key: string) => params[key] ?? '');

/**
 * A revision's diff in words, in the reader's locale: every object and field is named by its
 * label through the tenant's terms as of that revision (the one before, for what it removed).
 */
export function describeRevision(diff: readonly DiffEntry[], after: TenantModel, before: TenantModel | undefined, locale: Locale): DescribedChange[] {
  const objectIn = (id: string | undefined): { object: ObjectDef; model: TenantModel } | undefined => {
    if (!id) return undefined;
    const now = after.objectById(id);
    if (now) return { object: now, model: after };
    const then = before?.objectById(id);
    return then && before ? { object: then, model: before } : undefined;
  };
  const objectName = (id: string | undefined, fallback: string) => {
    const found = objectIn(id);
    return found ? found.model.words(locale).object(found.object) : fallback;
  };
  const fieldName = (objectId: string | undefined, fieldId: string, fallback: string) => {
    for (const model of [after, before]) {
      const object = model && objectId ? model.objectById(objectId) : undefined;
      const field = object?.fields.find((f) => f.id === fieldId);
      if (model && field) return model.words(locale).field(field);
    }
    return fallback;
  };
  const layoutTitle = (entry: DiffEntry): string => {
    for (const model of [after, before]) {
      const layout = model?.snapshot.layouts.find((l) => l.id === entry.id);
      if (model && layout) return layoutName(model.snapshot, layout, locale);
    }
    return after.words(locale).text(entry.apiName);
  };
  const automationLabel = (entry: DiffEntry): string => {
    const key = entry.kind === 'workflow' ? 'workflows' : 'scripts';
    for (const model of [after, before]) {
      const ref = model?.snapshot.automations?.[key].find((r) => r.id === entry.id);
      if (ref?.label) return ref.label;
    }
    return entry.apiName;
  };
  const quote = (text: string) => `“${text}”`;

  const show = (entry: DiffEntry, path: string, value: unknown): string => {
    if (value === undefined || value === null) return '';
    if (typeof value === 'boolean') return SENTENCE[value ? 'yes' : 'no'][locale];
    if (path === '/nameFieldId' && typeof value === 'string') return quote(fieldName(entry.id, value, value));
    if (path === '/lookup/objectId' && typeof value === 'string') return quote(objectName(value, value));
    if (entry.kind === 'layout' && path === '/name' && typeof value === 'string') {
      const model = [after, before].find((m) => m?.snapshot.objects.some((o) => o.id === entry.objectId)) ?? after;
      return quote(layoutName(model.snapshot, { name: value, objectId: entry.objectId ?? '' }, locale));
    }
    if (typeof value === 'string' || typeof value === 'number') return quote(String(value));
    if (Array.isArray(value)) {
      const labels = value.map((item) => (item && typeof item === 'object' && 'labels' in item ? labelIn((item as { labels: unknown }).labels, locale) : undefined));
      if (labels.every((l): l is string => typeof l === 'string')) return labels.map(quote).join(locale === 'zh-CN' ? '、' : ', ');
      return fill(SENTENCE.items[locale], { count: String(value.length) });
    }
    const label = labelIn(value, locale);
    return label ? quote(label) : quote(JSON.stringify(value));
  };

  const propertyOf = (path: string): string => {
    const [head = '', ...rest] = path.split('/').slice(1);
    const base = PROPERTY[head]?.[locale] ?? head;
    const qualifiers = rest.map((part) => QUALIFIER[part]?.[locale]).filter((q): q is string => q !== undefined);
    if (!qualifiers.length) return base;
    return locale === 'zh-CN' ? `${base}（${qualifiers.join('，')}）` : `${base} (${qualifiers.join(', ')})`;
  };

  const detail = (entry: DiffEntry, change: DiffChange): DescribedDetail => {
    const property = propertyOf(change.path);
    const from = show(entry, change.path, change.from);
    const to = show(entry, change.path, change.to);
    const sentence = from && to ? SENTENCE.changed : to ? SENTENCE.set : SENTENCE.cleared;
    const text = fill(sentence[locale], { property: capitalise(property, locale), from, to });
    return { path: change.path, property, ...(from ? { from } : {}), ...(to ? { to } : {}), text };
  };

  return diff.map((entry) => {
    const kind = KIND[entry.kind][locale];
    let subject: string;
    if (entry.kind === 'object') subject = fill(SENTENCE.plain[locale], { kind, name: objectName(entry.id, entry.apiName) });
    else if (entry.kind === 'field') subject = fill(SENTENCE.of[locale], { kind, name: fieldName(entry.objectId, entry.id, entry.apiName), object: objectName(entry.objectId, entry.objectId ?? '') });
    else if (entry.kind === 'layout') subject = fill(SENTENCE.of[locale], { kind, name: layoutTitle(entry), object: objectName(entry.objectId, entry.objectId ?? '') });
    else if (entry.kind === 'workflow' || entry.kind === 'script') subject = fill(SENTENCE.plain[locale], { kind, name: automationLabel(entry) });
    else subject = fill(SENTENCE.plain[locale], { kind, name: entry.apiName });
    // Platform bookkeeping (index slots) is not something a reader changed; it stays out of the words.
    const details = (entry.changes ?? []).filter((c) => !/^\/(pendingIndexSlots|indexSlots)\b/.test(c.path)).map((c) => detail(entry, c));
    return {
      kind: entry.kind,
      action: entry.action,
      id: entry.id,
      apiName: entry.apiName,
      ...(entry.objectId ? { objectId: entry.objectId } : {}),
      subject,
      summary: fill(ACTION[entry.action][locale], { subject }),
      details,
    };
  });
}

/** A label's text in `locale` from a labels object ({ en: 'Email' } or { en: { singular } }). */
function labelIn(labels: unknown, locale: Locale): string | undefined {
  if (!labels || typeof labels !== 'object') return undefined;
  const byLocale = labels as Record<string, unknown>;
  const value = byLocale[locale] ?? byLocale['en'];
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { singular?: unknown }).singular === 'string') return (value as { singular: string }).singular;
  return undefined;
}

const capitalise = (text: string, locale: Locale) => (locale === 'en' && text ? text[0]!.toUpperCase() + text.slice(1) : text);

/** The messages the platform writes on revisions it makes, in each locale; a user's own message is shown as written. */
const SYSTEM_MESSAGES: { pattern: RegExp; 'zh-CN': (match: RegExpExecArray) => string }[] = [
  { pattern: /^Applied the (.+) term set$/, 'zh-CN': (m) => `应用了${termSetZh(m[1]!)}术语集` },
  { pattern: /^Restored revision (\d+)$/, 'zh-CN': (m) => `恢复到修订版 ${m[1]!}` },
  { pattern: /^Index slot (\w+) now serves (.+)$/, 'zh-CN': (m) => `索引槽 ${m[1]!} 现在服务于“${m[2]!}”` },
  { pattern: /^Created workflow “(.+)”$/, 'zh-CN': (m) => `新建了工作流“${m[1]!}”` },
  { pattern: /^Saved workflow “(.+)”, version (\d+)$/, 'zh-CN': (m) => `保存了工作流“${m[1]!}”，版本 ${m[2]!}` },
  { pattern: /^Saved script “(.+)”, version (\d+)$/, 'zh-CN': (m) => `保存了脚本“${m[1]!}”，版本 ${m[2]!}` },
  { pattern: /^Deleted script “(.+)”$/, 'zh-CN': (m) => `删除了脚本“${m[1]!}”` },
  // The glossary's routes (term-routes), naming the term by its key.
  { pattern: /^Renamed term (\S+)$/, 'zh-CN': (m) => `重命名了术语 ${m[1]!}` },
  { pattern: /^Reset term (\S+)$/, 'zh-CN': (m) => `重置了术语 ${m[1]!}` },
  { pattern: /^Deleted term (\S+)$/, 'zh-CN': (m) => `删除了术语 ${m[1]!}` },
  // What a new workspace's first revisions say (tenant-service, starter automations).
  { pattern: /^Standard objects$/, 'zh-CN': () => '标准对象' },
  { pattern: /^Installed$/, 'zh-CN': () => '已安装' },
  { pattern: /^Relationship-sales automations: the Contacted status$/, 'zh-CN': () => '关系型销售自动化：“已联系”状态' },
];

let termSetNames: Map<string, string> | undefined;
function termSetZh(en: string): string {
  termSetNames ??= new Map(termSets.map((set) => [set.labels.en, set.labels['zh-CN'] ?? set.labels.en]));
  return termSetNames.get(en) ?? en;
}

export function revisionMessage(message: string | null, locale: Locale): string | null {
  if (message === null || locale === 'en') return message;
  for (const known of SYSTEM_MESSAGES) {
    const match = known.pattern.exec(message);
    if (match) return known[locale](match);
  }
  return message;
}
