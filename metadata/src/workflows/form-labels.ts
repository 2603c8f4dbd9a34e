/**
 * The Chinese form of the titles and descriptions in the step and trigger configuration schemas
 * (workflow-schemas.ts): the studio renders those schemas as forms (rjsf), so their words are the
 * form's labels. Browser-safe: no Node modules.
 */
const zhCN: Record<string, string> = {
  Amount: '数量',
  Approver: '审批人',
  Approvers: '审批人',
  'Approvers (user ids)': '审批人（用户 ID）',
  'A user': '指定用户',
  'Decided by': '决定方式',
  'Every approver (one rejection rejects)': '全体审批人同意（一人拒绝即拒绝）',
  'Everyone in a role': '某角色的全部成员',
  'Everyone with a profile': '某简档的全部用户',
  Field: '字段',
  'Manager of': '其经理',
  Profile: '简档',
  Role: '角色',
  'The first response': '第一个答复',
  'The manager of the user in a field': '字段中用户的经理',
  'The user in a field of the record': '记录字段中的用户',
  'A user id (templates allowed)': '用户 ID（可用模板）',
  'A user field of the record (owner), or of a record it looks up (organization.owner)': '记录的用户字段（owner），或其查找的记录的用户字段（organization.owner）',
  'The id of a role (Setup › Access)': '角色的 ID（设置 › 访问权限）',
  'The key of a profile (Setup › Access)': '简档的键（设置 › 访问权限）',
  'User ids or templates that render to them; the earlier form of a user approver': '用户 ID 或生成用户 ID 的模板；指定用户审批人的早期写法',
  'Whoever holds the role above that user’s role (owner: the record owner’s manager)': '担任该用户角色之上一级角色的人（owner：记录负责人的经理）',
  'Who decides, resolved to users when the step starts and kept with the request': '由谁决定；在步骤开始时确定为具体用户，并随请求保存',
  Assignee: '负责人',
  'At most (items)': '最多（项）',
  'At most': '最多',
  'Before or after': '之前或之后',
  Body: '正文',
  'Branch name': '分支名称',
  Cases: '分支条件',
  'Compared with': '比较值',
  Condition: '条件',
  Conditions: '条件',
  'All of these': '全部满足',
  'Any of these': '任一满足',
  'Not this': '不满足',
  'An expression': '表达式',
  'A value compared': '比较一个值',
  Cron: 'Cron 表达式',
  'Date field': '日期字段',
  'Days without activity': '无活动天数',
  Description: '描述',
  'Due in (days)': '到期（天后）',
  Duration: '时长',
  'Escalate after': '超时后升级',
  'Escalate to': '升级给',
  'Event name': '事件名称',
  Expression: '表达式',
  'Field equals': '字段等于',
  'Give up after': '超时放弃',
  Headers: '请求头',
  Input: '输入',
  'Input form (JSON Schema)': '输入表单（JSON Schema）',
  'Item variable': '当前项变量',
  List: '列表',
  Message: '消息',
  Method: '方法',
  Object: '对象',
  Offset: '偏移',
  Operator: '运算符',
  Outcome: '结果',
  Priority: '优先级',
  'Record id': '记录 ID',
  Request: '请求',
  Script: '脚本',
  'Self-approval': '允许自行审批',
  Subject: '主题',
  'Time limit (ms)': '时限（毫秒）',
  'Time zone': '时区',
  To: '收件人',
  Trigger: '触发器',
  URL: 'URL',
  Unit: '单位',
  'Until (date and time)': '直到（日期和时间）',
  User: '用户',
  'Value of': '取值自',
  Value: '值',
  Values: '字段值',
  Variable: '变量',
  'Wait for': '等待',
  'When a record is': '当记录被',
  'A user id; the record’s owner when empty': '用户 ID；留空则为记录的负责人',
  'API names of fields and the values (templates allowed)': '字段的 API 名称及其值（可用模板）',
  'Given to the script (templates allowed)': '传给脚本的输入（可用模板）',
  'Only the record with this id (templates allowed)': '只查这个 ID 的记录（可用模板）',
  'The user whose change or start asked for the approval may decide it when they are its only approver': '发起审批的用户（其修改或启动触发了审批）为唯一审批人时，可以自行处理',
  'The API name of an active script (Setup › Scripts)': '已启用脚本的 API 名称（设置 › 脚本）',
  'The trigger record when empty': '留空则为触发的记录',
  'The trigger record’s object when empty': '留空则为触发记录的对象',
};

const forms: Record<string, Record<string, string>> = { 'zh-CN': zhCN };

/**
 * The choices of the schemas' enums as people say them: a form offers "is at least" and "Hours",
 * not `gte` and `hours`. Codes that are the words already (HTTP methods) and choices the studio
 * names itself (record events) are not here; an enum is labelled only when all its values are.
 */
const choices: Record<string, Record<string, string>> = {
  en: {
    seconds: 'Seconds', minutes: 'Minutes', hours: 'Hours', days: 'Days', weeks: 'Weeks',
    before: 'Before', after: 'After',
    low: 'Low', normal: 'Normal', high: 'High',
    duration: 'A length of time', until: 'A date and time', condition: 'A condition', event: 'An event',
    eq: 'equals', neq: 'does not equal', gt: 'is greater than', gte: 'is at least', lt: 'is less than', lte: 'is at most',
    contains: 'contains', in: 'is one of', isEmpty: 'is empty', isNotEmpty: 'is not empty',
    changed: 'changed', changedTo: 'changed to', changedFrom: 'changed from',
  },
  'zh-CN': {
    seconds: '秒', minutes: '分钟', hours: '小时', days: '天', weeks: '周',
    before: '之前', after: '之后',
    low: '低', normal: '普通', high: '高',
    duration: '一段时间', until: '某个日期和时间', condition: '某个条件', event: '某个事件',
    eq: '等于', neq: '不等于', gt: '大于', gte: '大于或等于', lt: '小于', lte: '小于或等于',
    contains: '包含', in: '属于其中之一', isEmpty: '为空', isNotEmpty: '不为空',
    changed: '已更改', changedTo: '更改为', changedFrom: '更改自',
  },
};

/** The enum values of a schema that no language names (for tests: each is a word already, or named by the studio). */
export function unlabelledChoices(schema: unknown): string[] {
  const out = new Set<string>();
  eachNode(schema, (node) => {
    const values = node['enum'];
    if (Array.isArray(values) && values.every((v) => typeof v === 'string') && !values.every((v) => Object.hasOwn(choices['en']!, v))) values.forEach((v) => out.add(v));
  });
  return [...out];
}

/** The languages that name every choice English names (for tests). */
export const choiceLanguages = (): Record<string, string[]> => Object.fromEntries(Object.entries(choices).map(([locale, named]) => [locale, Object.keys(named)]));

/** The words of a schema's titles and descriptions that have no form in `locale` (for tests). */
export function untranslatedFormLabels(schema: unknown, locale: string): string[] {
  const words = forms[locale] ?? {};
  const out = new Set<string>();
  eachNode(schema, (node) => {
    for (const text of [node['title'], node['description']]) if (typeof text === 'string' && !(text in words)) out.add(text);
  });
  return [...out];
}

/**
 * A configuration schema as a form in `locale` (a copy; the schema itself stays English and
 * coded): titles and descriptions in the language, and each labelled enum as a choice of
 * constants with their names (`oneOf: [{ const: 'gte', title: '大于或等于' }]`), which the form
 * shows and validates as the enum. Words without a form stay as written.
 */
export function localizeFormSchema<T>(schema: T, locale: string): T {
  const words = forms[locale] ?? {};
  const named = choices[locale] ?? choices['en']!;
  const copy = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(copy);
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'enum' && Array.isArray(value) && value.every((v) => typeof v === 'string' && Object.hasOwn(named, v))) out['oneOf'] = value.map((v: string) => ({ const: v, title: named[v] }));
      else out[key] = (key === 'title' || key === 'description') && typeof value === 'string' ? (words[value] ?? value) : copy(value);
    }
    return out;
  };
  return copy(schema) as T;
}

/** Every object of a schema, nested ones included. */
function eachNode(node: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => eachNode(n, visit));
  if (!node || typeof node !== 'object') return;
  visit(node as Record<string, unknown>);
  for (const value of Object.values(node)) eachNode(value, visit);
}
