import type { FieldDef, FieldType, PicklistValue } from '../schemas/field-def.ts';
import type { LayoutDef } from '../schemas/layout-def.ts';
import type { ObjectDef } from '../schemas/object-def.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { STANDARD_LAYOUT_NAME } from '../terms/layout-name.ts';
import { standardTerms } from '../terms/standard-terms.ts';

/*
 * The standard CRM objects, defined as metadata like any tenant object. Ids equal api names;
 * each object carries a terminology `term`, so a glossary rename relabels it, and labels that
 * name a term's noun say so with a placeholder (`{Customer} number`, `{customer}编号`).
 */

type Extra = Omit<Partial<FieldDef>, 'id' | 'apiName' | 'labels' | 'type'>;

function field(apiName: string, type: FieldType, en: string, zh: string, extra: Extra = {}): FieldDef {
  return { id: apiName, apiName, apiNameAliases: [], labels: { en, 'zh-CN': zh }, type, ...extra };
}

function values(...entries: [apiName: string, en: string, zh: string, color?: string][]): PicklistValue[] {
  return entries.map(([apiName, en, zh, color]) => ({
    id: apiName,
    apiName,
    labels: { en, 'zh-CN': zh },
    active: true,
    ...(color ? { color } : {}),
  }));
}

function lookup(apiName: string, en: string, zh: string, objectId: string, relationshipName: string, extra: Extra = {}): FieldDef {
  return field(apiName, 'lookup', en, zh, { lookup: { objectId, onDelete: 'setNull', relationshipName }, ...extra });
}

const owner = () => field('owner', 'owner', 'Owner', '负责人', { helpText: { en: 'The {user} responsible; the creator unless set', 'zh-CN': '负责的{user}；未指定时为创建者' } });

function object(
  apiName: string,
  labels: [enSingular: string, enPlural: string, zhSingular: string, zhPlural: string],
  nameFieldId: string,
  navOrder: number,
  fields: FieldDef[],
): ObjectDef {
  const [enSingular, enPlural, zhSingular, zhPlural] = labels;
  return {
    id: apiName,
    apiName,
    apiNameAliases: [],
    labels: { en: { singular: enSingular, plural: enPlural }, 'zh-CN': { singular: zhSingular, plural: zhPlural } },
    standard: true,
    term: apiName,
    nameFieldId,
    navOrder,
    fields,
  };
}

function standardObjects(): ObjectDef[] {
  const customer = object('customer', ['Customer', 'Customers', '客户', '客户'], 'name', 1, [
    // `name` names the record; until formula fields exist the server fills it from the parts
    // when a write leaves it empty. `last_name` also holds an unsplit full name (common in zh-CN).
    field('name', 'text', 'Name', '姓名', { maxLength: 120, helpText: { en: 'Shown wherever the {customer} is listed; filled from first and last name when left empty', 'zh-CN': '在{customer}列表中显示；留空时由姓和名自动生成' } }),
    field('first_name', 'text', 'First name', '名', { maxLength: 60 }),
    field('last_name', 'text', 'Last name', '姓', { required: true, maxLength: 60 }),
    field('customer_number', 'autonumber', '{Customer} number', '{customer}编号', { autonumber: { pattern: 'CUS-{0000}', start: 1 }, unique: true }),
    field('email', 'email', 'Email', '电子邮件'),
    field('phone', 'phone', 'Phone', '电话'),
    field('mobile', 'phone', 'Mobile', '手机'),
    field('wechat_id', 'text', 'WeChat ID', '微信号', { maxLength: 40 }),
    field('birth_date', 'date', 'Birth date', '出生日期'),
    lookup('organization', '{Organization}', '{organization}', 'organization', 'customers'),
    field('status', 'picklist', 'Status', '状态', {
      values: values(['lead', 'Lead', '潜在{customer}'], ['active', 'Active', '活跃'], ['inactive', 'Inactive', '不活跃']),
      defaultValue: 'lead',
    }),
    owner(),
    field('notes', 'longText', 'Notes', '备注'),
  ]);
  const organization = object('organization', ['Organization', 'Organizations', '组织', '组织'], 'name', 2, [
    field('name', 'text', 'Name', '名称', { required: true, maxLength: 200 }),
    field('website', 'url', 'Website', '网站'),
    field('industry', 'picklist', 'Industry', '行业', {
      values: values(
        ['technology', 'Technology', '科技'],
        ['manufacturing', 'Manufacturing', '制造业'],
        ['retail', 'Retail', '零售'],
        ['finance', 'Finance', '金融'],
        ['healthcare', 'Healthcare', '医疗'],
        ['education', 'Education', '教育'],
        ['other', 'Other', '其他'],
      ),
    }),
    field('phone', 'phone', 'Phone', '电话'),
    field('employees', 'number', 'Employees', '员工人数', { min: 0, precision: 9, scale: 0 }),
    field('annual_revenue', 'currency', 'Annual revenue', '年收入', { min: 0, precision: 16, scale: 2 }),
    owner(),
  ]);
  const deal = object('deal', ['Deal', 'Deals', '商机', '商机'], 'name', 3, [
    field('name', 'text', 'Name', '名称', { required: true, maxLength: 200 }),
    field('stage', 'picklist', 'Stage', '阶段', {
      required: true,
      defaultValue: 'prospecting',
      values: values(
        ['prospecting', 'Prospecting', '潜在机会'],
        ['qualification', 'Qualification', '资格审查'],
        ['proposal', 'Proposal', '方案报价'],
        ['negotiation', 'Negotiation', '谈判'],
        ['closed_won', 'Closed won', '赢单', '#2e7d32'],
        ['closed_lost', 'Closed lost', '丢单', '#c62828'],
      ),
    }),
    field('amount', 'currency', 'Amount', '金额', { min: 0, precision: 16, scale: 2 }),
    field('close_date', 'date', 'Close date', '预计成交日期'),
    field('probability', 'percent', 'Probability', '赢单概率', { min: 0, max: 100, scale: 0 }),
    lookup('customer', '{Customer}', '{customer}', 'customer', 'deals'),
    lookup('organization', '{Organization}', '{organization}', 'organization', 'deals'),
    owner(),
  ]);
  const activity = object('activity', ['Activity', 'Activities', '活动', '活动'], 'subject', 4, [
    field('subject', 'text', 'Subject', '主题', { required: true, maxLength: 200 }),
    field('type', 'picklist', 'Type', '类型', {
      required: true,
      values: values(
        ['call', 'Call', '电话'],
        ['email', 'Email', '邮件'],
        ['meeting', 'Meeting', '会议'],
        ['visit', 'Visit', '拜访'],
        ['message', 'Message', '消息'],
        ['note', 'Note', '笔记'],
      ),
    }),
    field('channel', 'picklist', 'Channel', '渠道', {
      values: values(
        ['phone', 'Phone', '电话'],
        ['email', 'Email', '邮件'],
        ['wechat', 'WeChat', '微信'],
        ['qq', 'QQ', 'QQ'],
        ['in_person', 'In person', '面谈'],
        ['sms', 'SMS', '短信'],
      ),
    }),
    field('occurred_at', 'datetime', 'Occurred at', '发生时间'),
    field('duration_minutes', 'number', 'Duration (minutes)', '时长（分钟）', { min: 0, precision: 6, scale: 0 }),
    lookup('customer', '{Customer}', '{customer}', 'customer', 'activities', {
      required: true,
      lookup: { objectId: 'customer', onDelete: 'cascade', relationshipName: 'activities' },
    }),
    lookup('deal', '{Deal}', '{deal}', 'deal', 'activities'),
    owner(),
    field('notes', 'longText', 'Notes', '备注'),
  ]);
  const task = object('task', ['Task', 'Tasks', '任务', '任务'], 'subject', 5, [
    field('subject', 'text', 'Subject', '主题', { required: true, maxLength: 200 }),
    field('due_date', 'date', 'Due date', '截止日期'),
    field('status', 'picklist', 'Status', '状态', {
      required: true,
      defaultValue: 'not_started',
      values: values(
        ['not_started', 'Not started', '未开始'],
        ['in_progress', 'In progress', '进行中'],
        ['completed', 'Completed', '已完成'],
        ['deferred', 'Deferred', '已推迟'],
      ),
    }),
    field('priority', 'picklist', 'Priority', '优先级', {
      defaultValue: 'normal',
      values: values(['low', 'Low', '低'], ['normal', 'Normal', '普通'], ['high', 'High', '高']),
    }),
    field('assignee', 'owner', 'Assignee', '执行人', { helpText: { en: 'The {user} who does the {task}', 'zh-CN': '执行该{task}的{user}' } }),
    lookup('related_customer', 'Related {customer}', '相关{customer}', 'customer', 'tasks'),
    lookup('related_deal', 'Related {deal}', '相关{deal}', 'deal', 'tasks'),
    field('description', 'longText', 'Description', '描述'),
  ]);
  return [customer, organization, deal, activity, task];
}

function defaultLayout(object: ObjectDef): LayoutDef {
  return {
    id: `${object.id}_default`,
    objectId: object.id,
    name: STANDARD_LAYOUT_NAME,
    sections: [
      {
        id: 'details',
        labels: { en: 'Details', 'zh-CN': '详细信息' },
        columns: 2,
        fields: object.fields.map((f) => ({ fieldId: f.id })),
      },
    ],
  };
}

/** The model every tenant starts from (revision 1). Returns a fresh copy each call. */
export function standardSnapshot(): Snapshot {
  const objects = standardObjects();
  return { revision: 1, objects, layouts: objects.map(defaultLayout), terms: standardTerms() };
}
