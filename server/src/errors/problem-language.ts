import { expressionProblem, logicMessage, type Locale } from '@protean/metadata';
import type { ProblemType } from './problems.ts';

/*
 * The language of problems (application/problem+json), in one place. Titles are a closed set.
 * Details and field messages are written in English where they arise (with labels and nouns
 * already in the reader's language, ADR 0004); here each known English sentence is given its
 * Chinese form, parts such as names, labels and numbers carried over (API names and values keep
 * their 'quotes', which is how every message marks an identifier). A message already in
 * Chinese, or not known here, passes unchanged (the language test walks the error classes to
 * keep that set empty).
 */

const TITLES: Record<ProblemType, Record<Locale, string>> = {
  validation: { en: 'Validation failed', 'zh-CN': '校验未通过' },
  'not-found': { en: 'Not found', 'zh-CN': '未找到' },
  'method-not-allowed': { en: 'Method not allowed', 'zh-CN': '不允许的请求方法' },
  conflict: { en: 'Conflict', 'zh-CN': '冲突' },
  'precondition-failed': { en: 'Precondition failed', 'zh-CN': '前提条件不满足' },
  forbidden: { en: 'Forbidden', 'zh-CN': '无权操作' },
  unauthorized: { en: 'Unauthorized', 'zh-CN': '未登录' },
  'payload-too-large': { en: 'Payload too large', 'zh-CN': '请求内容过大' },
  'limit-exceeded': { en: 'Limit exceeded', 'zh-CN': '超出限制' },
  'unsupported-media-type': { en: 'Unsupported media type', 'zh-CN': '不支持的内容类型' },
  unavailable: { en: 'Service unavailable', 'zh-CN': '服务暂不可用' },
  internal: { en: 'Internal error', 'zh-CN': '内部错误' },
};

export const problemTitle = (type: ProblemType, locale: Locale): string => TITLES[type][locale];

type Rule = [RegExp, (m: RegExpExecArray, t: (text: string) => string) => string];

/** Phrases that describe a value (the tail of "X must be …", or a field message on its own). */
const PHRASES: Rule[] = [
  [/^is required$/, () => '为必填项'],
  [/^is required \(at most (\d+) characters\)$/, (m) => `为必填项（最多 ${m[1]} 个字符）`],
  [/^is required to upsert$/, () => '为插入或更新所必需'],
  [/^is invalid$/, () => '无效'],
  [/^points at a record that is deleted: restore that one first$/, () => '指向的记录已删除：请先恢复那条记录'],
  [/^holds a percent-escape that is not UTF-8 text$/, () => '含有不是 UTF-8 文本的百分号转义'],
  [/^has a part longer than (\d+) characters$/, (m) => `有一段超过 ${m[1]} 个字符`],
  [/^is not an allowed value$/, () => '不是允许的值'],
  [/^is already used$/, () => '已被使用'],
  [/^is taken$/, () => '已被占用'],
  [/^is refused$/, () => '被拒绝'],
  [/^is not a field you may read$/, () => '不是你可读取的字段'],
  [/^is not a field you may edit$/, () => '不是你可编辑的字段'],
  [/^is read-only for you$/, () => '对你只读'],
  [/^is not a cursor returned by this list$/, () => '不是此列表返回的游标'],
  [/^is not a role of this workspace$/, () => '不是此工作区的角色'],
  // Deleting a role that is still in use.
  [/^The role is in use$/, () => '该角色仍在使用中'],
  [/^has roles below it$/, () => '其下还有角色'],
  [/^is held by users$/, () => '仍有用户担任此角色'],
  [/^asks for approval in the workflow (.+)$/, (m) => `在工作流${m[1]!.split(', ').join('、')}中被指定为审批人`],
  [/^is not an active user of this workspace$/, () => '不是此工作区的在职用户'],
  [/^is not your current password$/, () => '不是你当前的密码'],
  [/^is required to change your own password$/, () => '修改自己的密码时为必填项'],
  [/^is one of the most common passwords; choose one that is harder to guess$/, () => '是最常用的密码之一，请选择更难猜到的密码'],
  [/^unknown field '(.+)'$/, (m) => `未知字段'${m[1]}'`],
  // The query planner's messages about the reference its problem's field names.
  [/^is not a field of '(.+)'$/, (m) => `不是'${m[1]}'的字段`],
  [/^is not a field reference: '(.+)' has no field '(.+)'$/, (m) => `不是有效的字段引用：'${m[1]}'上没有字段'${m[2]}'`],
  [/^is not a field reference \(use a field or lookup\.field\)$/, () => '不是有效的字段引用（请用字段或 关联字段.字段）'],
  [/^is a related field, which only a filter takes$/, () => '是关联对象的字段，只有筛选条件可以使用'],
  [/^cannot be followed: '(.+)' is not a lookup field$/, (m) => `无法跟随：'${m[1]}'不是关联字段`],
  [/^does not take '(.+)' \(use (.+)\)$/, (m) => `不接受'${m[1]}'（可用：${m[2]}）`],
  [/^does not take '(.+)' \(a formula computed on read cannot be filtered; store it to filter by it\)$/, (m) => `不接受'${m[1]}'（读取时计算的公式不能用于筛选；请将其存储后再筛选）`],
  [/^does not take '(.+)' \(it cannot be filtered\)$/, (m) => `不接受'${m[1]}'（此字段不能用于筛选）`],
  [/^takes (.+), not (.+)$/, (m) => `需要${m[1]}，而不是 ${m[2]}`],
  [/^has no value '(.+)'$/, (m) => `没有选项'${m[1]}'`],
  [/^is not a sort key \(use a field api name, '-' for descending\)$/, () => "不是排序键（请用字段的 API 名称，降序加 '-'）"],
  [/^is a formula computed on read and cannot be sorted; store it to sort by it$/, () => '是读取时计算的公式，不能排序；请将其存储后再排序'],
  [/^is a (\w+) field and cannot be sorted$/, (m) => `是 ${m[1]} 类型的字段，不能排序`],
  [/^appears twice in sort$/, () => '在排序中出现了两次'],
  [/^is not a lookup field and cannot be expanded$/, () => '不是关联字段，不能展开'],
  [/^is also sent as '(.+)', a name of the same field$/, (m) => `同时以'${m[1]}'发送，二者是同一字段`],
  [/^is read-only$/, () => '为只读'],
  [/^'(.+)' is not an active value of (.+)$/, (m) => `'${m[1]}'不是${m[2]}的有效选项`],
  [/^'(.+)' is not a value of (.+)$/, (m) => `'${m[1]}'不是${m[2]}的选项`],
  [/^must be an object$/, () => '必须是对象'],
  [/^must be a JSON object$/, () => '必须是 JSON 对象'],
  [/^must be a string$/, () => '必须是文本'],
  [/^must be a number$/, () => '必须是数字'],
  [/^must be a whole number$/, () => '必须是整数'],
  [/^must be true or false$/, () => '必须是 true 或 false'],
  [/^must be a record id$/, () => '必须是记录 id'],
  [/^must be a user id$/, () => '必须是用户 id'],
  [/^is not a user id$/, () => '不是用户 id'],
  [/^must be an id \(UUID\)$/, () => '必须是 id（UUID）'],
  [/^must be an email address$/, () => '必须是电子邮件地址'],
  [/^must be a phone number$/, () => '必须是电话号码'],
  [/^must be a URL$/, () => '必须是网址'],
  [/^must be an? (?:absolute )?http or https URL$/, () => '必须是 http 或 https 网址'],
  [/^must be a date \(YYYY-MM-DD\)$/, () => '必须是日期（YYYY-MM-DD）'],
  [/^must be a date-time \(ISO 8601 with a time zone\)$/, () => '必须是带时区的日期时间（ISO 8601）'],
  [/^must be a date and time$/, () => '必须是日期和时间'],
  [/^must be a date in the years 0001 to 9999$/, () => '必须是 0001 至 9999 年之间的日期'],
  [/^must be a date-time in the years 0001 to 9999$/, () => '必须是 0001 至 9999 年之间的日期时间'],
  [/^must be a list of values$/, () => '必须是值的列表'],
  [/^must be a version returned in ETag$/, () => '必须是 ETag 中返回的版本号'],
  [/^must have the right type$/, () => '类型不正确'],
  [/^must match the expected pattern$/, () => '格式不正确'],
  [/^must match format (.+)$/, (m) => `必须符合格式 ${m[1]}`],
  [/^must be at most (\d+) characters$/, (m) => `最多 ${m[1]} 个字符`],
  [/^must be at least (\d+) characters$/, (m) => `至少 ${m[1]} 个字符`],
  [/^cannot be only spaces$/, () => '不能只有空格'],
  [/^must be at most (-?[\d.e+]+)$/, (m) => `不能大于 ${m[1]}`],
  [/^must be at least (-?[\d.e+]+)$/, (m) => `不能小于 ${m[1]}`],
  [/^must be between (\d+) and (\d+)$/, (m) => `必须介于 ${m[1]} 和 ${m[2]} 之间`],
  [/^must be a whole number from (-?\d+) to (-?\d+)$/, (m) => `必须是 ${m[1]} 到 ${m[2]} 之间的整数`],
  [/^must have at most (\d+) digits before the decimal point$/, (m) => `整数部分最多 ${m[1]} 位`],
  [/^must have at most (\d+) decimal places$/, (m) => `最多 ${m[1]} 位小数`],
  [/^must have at most (\d+) values$/, (m) => `最多 ${m[1]} 个值`],
  [/^must not repeat a value$/, () => '不能有重复的值'],
  [/^must set at least one field$/, () => '至少要设置一个字段'],
  [/^must be a finite number .*$/, () => '必须是有限的数字'],
  [/^(\S+) has more digits than a number holds exactly \(15 to 17\); send it rounded, or as text$/, (m) => `${m[1]} 的位数多于数字能精确保存的位数（15 至 17 位）；请舍入后发送，或作为文本发送`],
  [/^must not contain a NUL character .*$/, () => '不能包含 NUL 字符'],
  [/^must not contain a lone UTF-16 surrogate .*$/, () => '不能包含无效的 Unicode 字符'],
  [/^must not contain a Unicode bidirectional override or isolate control .*$/, () => '不能包含 Unicode 双向覆盖或隔离控制字符（U+202A–U+202E、U+2066–U+2069）：它会让名称看起来与实际不同'],
  [/^must be a JSON body$|^a JSON body is required$/, () => '需要 JSON 请求体'],
  [/^is nested more than (\d+) levels deep$/, (m) => `嵌套超过 ${m[1]} 层`],
  [/^matches (\d+) records, more than (\d+)$/, (m) => `匹配了 ${m[1]} 条记录，超过 ${m[2]} 条`],
  [/^now (\d+)$/, (m) => `现为 ${m[1]}`],
  [/^must be unique$/, () => '必须唯一'],
  // Fastify's request validation (ajv).
  [/^must have required property '(.+)'$/, (m) => `缺少必需的属性'${m[1]}'`],
  [/^must NOT have additional properties$/, () => '不能有多余的属性'],
  [/^must be (string|integer|number|boolean|object|array|null)$/, (m) => `必须是${({ string: '文本', integer: '整数', number: '数字', boolean: '布尔值', object: '对象', array: '数组', null: 'null' } as Record<string, string>)[m[1]!]}`],
  [/^must be ([<>]=?) (-?[\d.]+)$/, (m) => `必须${({ '>=': '大于或等于', '<=': '小于或等于', '>': '大于', '<': '小于' } as Record<string, string>)[m[1]!]} ${m[2]}`],
  [/^must NOT have more than (\d+) characters$/, (m) => `最多 ${m[1]} 个字符`],
  [/^must NOT have fewer than (\d+) characters$/, (m) => `至少 ${m[1]} 个字符`],
  [/^must NOT have more than (\d+) items$/, (m) => `最多 ${m[1]} 项`],
  [/^must NOT have fewer than (\d+) items?$/, (m) => `至少 ${m[1]} 项`],
  [/^must be equal to one of the allowed values$/, () => '必须是允许的值之一'],
  [/^must be equal to constant$/, () => '必须等于固定值'],
  [/^must match a schema in anyOf$/, () => '不符合任何允许的形式'],
  [/^must match exactly one schema in oneOf$/, () => '必须恰好符合一种形式'],
  [/^must match pattern "(.+)"$/, (m) => `必须符合模式 ${m[1]}`],
  [/^must match format "(.+)"$/, (m) => `必须符合格式 ${m[1]}`],
];

/** Whole sentences (problem details and messages that are not "X + phrase"). */
const SENTENCES: Rule[] = [
  [/^The model is at revision (\d+), not (.+): someone changed it meanwhile; reload and make your change again$/, (m) => `模型已处于修订版 ${m[1]}，而不是 ${m[2]!.replace(' or ', ' 或 ')}：有人在此期间修改了它；请重新加载后再修改`],
  [/^the model is at revision (\d+)$/, (m) => `模型已处于修订版 ${m[1]}`],
  [/^The change breaks the shared view '(.+)', which uses what it removes$/, (m) => `此更改会破坏共享视图'${m[1]}'，该视图用到了要移除的内容`],
  [/^The change breaks the filter of the webhook '(.+)', which would then match nothing$/, (m) => `此更改会破坏 Webhook'${m[1]}'的筛选条件，使其不再匹配任何记录`],
  [/^Only the owner, a manager above the owner, or someone who may modify all of them may change who owns this record$/, () => '只有负责人、负责人之上的经理或可修改全部此类记录的人才能更改此记录的负责人'],
  [/^is the API name of one field$/, () => '应为一个字段的 API 名称'],
  [/^This email is already used in the workspace, and this invitation link has been tried with (\d+) such emails: it no longer works\. Ask for a new one\.$/, (m) => `此电子邮件已被工作区中的用户使用，且此邀请链接已用 ${m[1]} 个这样的电子邮件尝试过：链接已失效。请索取新的邀请链接。`],
  [/^A user with the email (.+) already exists$/, (m) => `电子邮件为 ${m[1]} 的用户已存在`],
  [/^is already used by another user$/, () => '已被其他用户使用'],
  [/^'(.+)' is already a column$/, (m) => `'${m[1]}'已是一列`],
  [/^only a kanban view groups its records$/, () => '只有看板视图才对记录分组'],
  [/^The view is invalid$/, () => '视图无效'],
  [/^(\d+) values are invalid$/, (m) => `${m[1]} 个值无效`],
  [/^(\d+) problems in the query$/, (m) => `查询中有 ${m[1]} 个问题`],
  [/^'(.+)': (.+)$/, (m, t) => `'${m[1]}'：${t(m[2]!)}`],
  [/^The request (body|querystring|params|headers|input) is invalid$/, (m) => `请求的${({ body: '内容', querystring: '查询参数', params: '路径参数', headers: '请求头', input: '输入' } as Record<string, string>)[m[1]!]}无效`],
  [/^The request body is not valid JSON$/, () => '请求内容不是有效的 JSON'],
  [/^The request body holds a key named __proto__, or constructor with prototype inside, which no object here has$/, () => '请求内容含有名为 __proto__ 的键，或含有 prototype 的 constructor 键，这里没有对象有这样的键'],
  [/^has a key named __proto__ or constructor\.prototype$/, () => '含有名为 __proto__ 或 constructor.prototype 的键'],
  [/^The request body is empty$/, () => '请求内容为空'],
  [/^The request body is larger than the limit$/, () => '请求内容超过大小限制'],
  [/^The connection closed before the request had arrived$/, () => '请求尚未完整到达，连接已关闭'],
  [/^The path is not valid$/, () => '路径无效'],
  [/^Other requests were changing the same records at the same time; nothing was saved, retry$/, () => '其他请求同时在修改相同的记录；未保存任何内容，请重试'],
  [/^Send JSON with Content-Type: application\/json$/, () => '请以 Content-Type: application/json 发送 JSON'],
  [/^Send JSON in UTF-8 \(Content-Type: application\/json; charset=utf-8\)$/, () => '请以 UTF-8 发送 JSON（Content-Type: application/json; charset=utf-8）'],
  [/^The request holds a value that cannot be stored: (.+)$/, (m, t) => `请求中有无法保存的值：${t(m[1]!)}`],
  [/^a value has the wrong form for its field$/, () => '某个值的形式与字段不符'],
  [/^a number is out of range$/, () => '数字超出范围'],
  [/^a date or time is not valid$/, () => '日期或时间无效'],
  [/^a date or time is out of range$/, () => '日期或时间超出范围'],
  [/^a text holds a character that cannot be stored$/, () => '文本包含无法保存的字符'],
  [/^a value is too large to store or index$/, () => '值太大，无法保存或索引'],
  [/^Something went wrong on our side; the error was logged$/, () => '服务器出错，错误已记录'],
  [/^The database is unavailable for the moment; retry shortly$/, () => '数据库暂不可用，请稍后重试'],
  [/^No route (\S+) (.+)$/, (m) => `没有路由 ${m[1]} ${m[2]}`],
  [/^(\S+) is not a method of (.+), which takes (.+)$/, (m) => `不支持 ${m[1]} ${m[2]}，支持的方法：${m[3]!.split(', ').join('、')}`],
  [/^Sign in or send an API key$/, () => '请登录或提供 API 密钥'],
  [/^Only an admin may do this$/, () => '只有管理员可以执行此操作'],
  // Passwords (ADR 0007): the new one's rules, and one's own change.
  [/^The password is too short$/, () => '密码太短'],
  [/^The password is too common$/, () => '密码过于常见'],
  [/^Changing your own password needs your current one$/, () => '修改自己的密码需要提供当前密码'],
  [/^The current password is not right$/, () => '当前密码不正确'],
  [/^The tenant is invalid$/, () => '工作区无效'],
  // Setup rights (ADR 0012): the right keeps its key, as the API names it.
  [/^This needs the Setup right '(\w+)'$/, (m) => `此操作需要设置权限'${m[1]}'`],
  [/^Setting another user’s password needs the Setup right 'users'$/, () => "设置他人的密码需要设置权限'users'"],
  [/^Sharing a view with everyone needs the Setup right 'model'$/, () => "与所有人共享视图需要设置权限'model'"],
  [/^Only the owner, or someone with the Setup right 'model', may change a shared view$/, () => "只有所有者或拥有设置权限'model'的人可以修改共享视图"],
  [/^Emptying the recycle bin needs modify all on (.+)$/, (m) => `清空回收站需要对 ${m[1]} 拥有“修改全部”权限`],
  [/^The profile '(.+)' grants more than you hold; someone who manages access may give it$/, (m) => `档案'${m[1]}'授予的权限超出您所拥有的；请由管理访问权限的人授予`],
  [/^(.+) grants (.+), which you do not hold$/, (m) => `${m[1]} 授予 ${m[2]}，而您没有该权限`],
  [/^(.+) holds more than you do; someone who manages access may change them$/, (m) => `${m[1]} 拥有的权限多于您；请由管理访问权限的人修改`],
  [/^(.+) holds (.+) through (.+), which you do not hold$/, (m) => `${m[1]} 通过 ${m[3]} 拥有 ${m[2]}，而您没有该权限`],
  [/^(.+) reaches (\d+) record\(s\) shared with them or their groups that you do not reach$/, (m) => `${m[1]} 可访问共享给其本人或其所在组的 ${m[2]} 条记录，而您无法访问这些记录`],
  [/^(.+) reaches the records of (\d+) user\(s\) below them in the role hierarchy whose records you do not reach$/, (m) => `${m[1]} 可访问角色层级中其下 ${m[2]} 位用户的记录，而您无法访问这些记录`],
  [/^The (action|workflow) '(.+)' may change this record, which you may only read$/, (m) => `${m[1] === 'action' ? '操作' : '工作流'}'${m[2]}'可能会修改此记录，而您只能查看它`],
  // Approvals (ADR 0015, "Who decides an approval").
  [/^Only an approver named on the request, or an administrator, may decide it$/, () => '只有请求中指定的审批人或管理员可以处理此审批'],
  [/^You asked for this approval; another approver or an administrator decides it$/, () => '此审批由您发起，须由其他审批人或管理员处理'],
  [/^The request was already (approved|rejected|cancelled)$/, (m) => `该请求已被${({ approved: '批准', rejected: '拒绝', cancelled: '取消' } as Record<string, string>)[m[1]!]}`],
  [/^You have already approved this request; it waits for the other approvers$/, () => '您已批准此请求，正在等待其他审批人'],
  [/^step '(.+)': no (profile|role) '(.+)' in this workspace$/, (m) => `步骤'${m[1]}'：此工作区没有${m[2] === 'profile' ? '简档' : '角色'}'${m[3]}'`],
  [/^step '(.+)': an approval needs at least one approver$/, (m) => `步骤'${m[1]}'：审批至少需要一位审批人`],
  [/^step '(.+)': an approver names one of ([a-z, ]+?)(?: \(this one has (.+)\))?$/, (m) => `步骤'${m[1]}'：审批人须指定 ${m[2]} 之一${m[3] ? `（此项为 ${m[3]}）` : ''}`],
  [/^step '(.+)': '(.+)' is of type (\w+), not a user field$/, (m) => `步骤'${m[1]}'：'${m[2]}'的类型是 ${m[3]}，不是用户字段`],
  [/^No such approval$/, () => '没有该审批'],
  // Workflow runs (ADR 0015): what a failed run or step, or a paused workflow, is stored with.
  [/^Paused after (\d+) failed runs? in a row; the last failed with: (.*)$/s, (m, t) => `连续 ${m[1]} 次运行失败后已暂停；最后一次失败的原因：${t(m[2]!)}`],
  [/^failed$/, () => '失败'],
  [/^The run took more than (\d+) steps, this workspace's limit per run$/, (m) => `运行超过了 ${m[1]} 步，即此工作区每次运行的上限`],
  [/^The loop over (.+) has (\d+) items; it may run over at most (\d+)$/, (m) => `循环遍历的 ${m[1]} 有 ${m[2]} 项，最多只能遍历 ${m[3]} 项`],
  [/^There is no record to update: the trigger has none and the step names none$/, () => '没有要更新的记录：触发器没有记录，步骤也未指定'],
  [/^The notification's user '(.+)' is not a user id$/, (m) => `通知的用户'${m[1]}'不是用户 id`],
  [/^The wait's date '(.+)' is not a date$/, (m) => `等待的日期'${m[1]}'不是日期`],
  [/^The wait's date '(.+)' is more than ten years away$/, (m) => `等待的日期'${m[1]}'在十年以后`],
  [/^is longer than a run may wait \(ten years\)$/, () => '超过了运行可等待的最长时间（十年）'],
  [/^The approval has no approver: (.+)$/s, (m, t) => `审批没有审批人：${m[1]!.split('; ').map(t).join('；')}`],
  [/^The workflow or the user who activated it no longer exists$/, () => '工作流或启用它的用户已不存在'],
  [/^The workflow version has no step '(.+)'$/, (m) => `工作流版本中没有步骤'${m[1]}'`],
  [/^The step type '(.+)' (?:is not run inline|does not reach outside)$/, (m) => `步骤类型'${m[1]}'无法在此执行`],
  [/^Script steps need the sandboxed runtime, which this server has not enabled$/, () => '脚本步骤需要沙箱运行时，而此服务器未启用它'],
  [/^No active script named '(.+)'$/, (m) => `没有名为'${m[1]}'的已启用脚本`],
  [/^The script '(.+)' acts as the profile '(.+)', which grants more than this workflow's: (.+)$/s, (m, t) => `脚本'${m[1]}'以简档'${m[2]}'运行，其权限超出此工作流：${m[3]!.split('; ').map(t).join('；')}`],
  [/^The script '(.+?)' failed: (.+)$/s, (m, t) => `脚本'${m[1]}'失败：${t(m[2]!)}`],
  [/^no result$/, () => '没有结果'],
  [/^No SMTP server is configured \(PROTEAN_SMTP_URL\), so no email can be sent$/, () => '未配置 SMTP 服务器（PROTEAN_SMTP_URL），无法发送电子邮件'],
  [/^(GET|POST|PUT|PATCH|DELETE) (\S+) answered (\d+)$/, (m) => `${m[1]} ${m[2]} 返回了 ${m[3]}`],
  [/^The operation was aborted due to timeout$/, () => '操作超时，已中止'],
  [/^This operation was aborted$/, () => '操作已中止'],
  [/^fetch failed$/, () => '请求未能发出'],
  [/^'(.+)' is not a URL$/, (m) => `'${m[1]}'不是网址`],
  [/^only http and https may be called, not (.+)$/, (m) => `只能调用 http 和 https，不能调用 ${m[1]}`],
  [/^credentials in the URL are not allowed; send them in a header$/, () => '网址中不能包含凭据；请在请求头中发送'],
  [/^the host '(.+)' does not resolve$/, (m) => `主机'${m[1]}'无法解析`],
  [/^the host '(.+)' resolves to (\S+), a private or loopback address, which workflows may not call$/, (m) => `主机'${m[1]}'解析为 ${m[2]}，这是私有或回环地址，工作流不能调用`],
  // Why an approver definition named nobody (approver-resolution.ts), in "The approval has no approver: …".
  [/^the user (\S+) is not an active user of this workspace$/, (m) => `用户 ${m[1]} 不是此工作区的在职用户`],
  [/^no active user has the profile '(.+)'$/, (m) => `没有在职用户使用简档'${m[1]}'`],
  [/^the role (.+) no longer exists$/, (m) => `角色 ${m[1]} 已不存在`],
  [/^no active user holds the role '(.+)' above (.+)'s$/, (m) => `没有在职用户担任${m[2]}之上的角色'${m[1]}'`],
  [/^no active user holds the role '(.+)'$/, (m) => `没有在职用户担任角色'${m[1]}'`],
  [/^(.+) \(the record's (\S+)\) holds no role, so has no manager$/, (m) => `${m[1]}（记录的 ${m[2]}）没有角色，因此没有上级`],
  [/^(.+)'s role '(.+)' has no role above it, so (.+) has no manager$/, (m) => `${m[1]}的角色'${m[2]}'之上没有角色，因此${m[3]}没有上级`],
  [/^the run has no record to read (\S+) from$/, (m) => `运行没有可读取 ${m[1]} 的记录`],
  [/^'(.+)' no longer points at an object$/, (m) => `'${m[1]}'已不指向任何对象`],
  [/^'(.+)' has no field '(.+)'$/, (m) => `'${m[1]}'没有字段'${m[2]}'`],
  [/^the (\S+) record (\S+) no longer exists$/, (m) => `${m[1]} 记录 ${m[2]} 已不存在`],
  [/^the record's (\S+) is not an active user$/, (m) => `记录的 ${m[1]} 不是在职用户`],
  [/^the record's (\S+) is not a user of this workspace$/, (m) => `记录的 ${m[1]} 不是此工作区的用户`],
  [/^the record's (\S+) is not a (user|record) id$/, (m) => `记录的 ${m[1]} 不是${m[2] === 'user' ? '用户' : '记录'} id`],
  [/^the record's (\S+) is empty$/, (m) => `记录的 ${m[1]} 为空`],
  [/^the record's (\S+?): (.+)$/, (m, t) => `记录的 ${m[1]}：${t(m[2]!)}`],
  [/^The approvers are not valid$/, () => '审批人无效'],
  [/^No object named '(.+)'$/, (m) => `没有名为'${m[1]}'的对象`],
  [/^No revision (\d+)$/, (m) => `没有修订版 ${m[1]}`],
  [/^No such tenant$/, () => '没有该工作区'],
  [/^A record is a JSON object of field values$/, () => '记录必须是由字段值组成的 JSON 对象'],
  [/^If-Match must hold a record version such as "3"$/, () => 'If-Match 必须是记录版本号，例如 "3"'],
  [/^The record was changed by someone else \(now at version (\d+)\); reload it and apply your change again$/, (m) => `记录已被他人修改（当前版本 ${m[1]}），请重新加载后再修改`],
  [/^A batch holds at most (\d+) operations; this one has (\d+)$/, (m) => `一次批量操作最多 ${m[1]} 项，本次有 ${m[2]} 项`],
  [/^(\d+) of (\d+) operations failed; nothing was saved$/, (m) => `${m[2]} 项操作中有 ${m[1]} 项失败，未保存任何内容`],
  [/^A value must be unique$/, () => '值必须唯一'],
  [/^Values must be unique$/, () => '值必须唯一'],
  [/^Upsert needs a unique field$/, () => '插入或更新需要一个唯一字段'],
  [/^Upsert needs a value to match on$/, () => '插入或更新需要一个用于匹配的值'],
  [/^'(.+)' is not a unique field of this object$/, (m) => `'${m[1]}'不是此对象的唯一字段`],
  [/^The change was refused: (\d+) problems?$/, (m) => `更改被拒绝：${m[1]} 个问题`],
  [/^The change would break existing records$/, () => '此更改会破坏现有记录'],
  [/^The object still has records; say what becomes of them$/, () => '该对象仍有记录，请说明如何处理这些记录'],
  [/^The object was deleted by a metadata change made while this request ran$/, () => '该对象在此请求执行期间已被元数据更改删除'],
  [/^A JSON object is required$/, () => '需要 JSON 对象'],
  [/^A filter is required: it says which records to change$/, () => '需要筛选条件：它决定要更改哪些记录'],
  [/^Say which values to set$/, () => '请说明要设置哪些值'],
  [/^The filter matches (\d+) records; at most (\d+) are changed at once: narrow the filter$/, (m) => `筛选条件匹配了 ${m[1]} 条记录；一次最多更改 ${m[2]} 条，请缩小筛选范围`],
  [/^The filter now matches (\d+) records, not the (\d+) counted before; check again$/, (m) => `筛选条件现在匹配 ${m[1]} 条记录，而不是之前统计的 ${m[2]} 条，请重新检查`],
  [/^This workspace is sending too many requests; retry later$/, () => '此工作区的请求过多，请稍后重试'],
  [/^This API key is sending too many requests; retry later$/, () => '此 API 密钥的请求过多，请稍后重试'],
  [/^You are sending too many requests; retry later$/, () => '您的请求过多，请稍后重试'],
  // Lists: the query planner's messages.
  [/^unknown field '(.+)' on '(.+)'$/, (m) => `'${m[2]}'上没有字段'${m[1]}'`],
  [/^unknown operator (.+) \(use (.+)\)$/, (m) => `未知的运算符 ${m[1]}（可用：${m[2]}）`],
  [/^'(.+)' needs a value$/, (m) => `'${m[1]}'需要一个值`],
  [/^'(.+)' takes a non-empty array$/, (m) => `'${m[1]}'需要非空数组`],
  [/^'(.+)' must be the only key of its node$/, (m) => `'${m[1]}'必须是其节点的唯一键`],
  [/^'isNull' takes true or false$/, () => "'isNull' 只接受 true 或 false"],
  [/^filter is not valid JSON$/, () => '筛选条件不是有效的 JSON'],
  [/^each filter node must be an object$/, () => '筛选条件的每个节点都必须是对象'],
  [/^unknown filter key '(.+)' \(use and, or, not or field\/op\/value\)$/, (m) => `未知的筛选键'${m[1]}'（可用 and、or、not 或 field/op/value）`],
  [/^a condition needs 'field' \(a string\)$/, () => "条件需要 'field'（文本）"],
  [/^filters nest at most (\d+) levels$/, (m) => `筛选条件最多嵌套 ${m[1]} 层`],
  [/^a filter has at most (\d+) conditions$/, (m) => `筛选条件最多 ${m[1]} 个`],
  [/^sort takes at most (\d+) keys$/, (m) => `排序最多 ${m[1]} 个键`],
  [/^expand takes at most (\d+) lookups$/, (m) => `展开最多 ${m[1]} 个关联`],
  // Metadata changes (the planner's messages).
  [/^object '(.+)' does not exist$/, (m) => `对象'${m[1]}'不存在`],
  [/^field '(.+)' does not exist on '(.+)'$/, (m) => `'${m[2]}'上不存在字段'${m[1]}'`],
  [/^field '(.+)' is used by (.+)$/, (m) => `字段'${m[1]}'正被使用：${dependentsZh(m[2]!)}`],
  [/^'(.+)' is used by the script '(.+)' \(line (\d+)\)$/, (m) => `'${m[1]}'正被脚本'${m[2]}'使用（第 ${m[3]} 行）`],
  [/^(.+) (?:is|are) used by the workflow '(.+)' \(version (\d+), (.+)\)$/, (m) => `${m[1]} 正被工作流'${m[2]}'使用（版本 ${m[3]}，${m[4]}）`],
  [/^field '(.+)' is already deleted$/, (m) => `字段'${m[1]}'已被删除`],
  [/^field '(.+)' is not deleted$/, (m) => `字段'${m[1]}'未被删除`],
  [/^field '(.+)' must be deleted before it is purged$/, (m) => `字段'${m[1]}'必须先删除才能彻底清除`],
  [/^field '(.+)' is deleted; restore it first$/, (m) => `字段'${m[1]}'已删除，请先恢复`],
  [/^'(.+)' is a standard object and cannot be deleted$/, (m) => `'${m[1]}'是标准对象，不能删除`],
  [/^'(.+)' is looked up by (.+)$/, (m) => `'${m[1]}'正被关联字段引用：${m[2]!.replaceAll(' (deleted, not yet purged)', '（已删除，尚未彻底清除）')}`],
  [/^'(.+)' is summarised by (.+)$/, (m) => `'${m[1]}'正被汇总字段使用：${m[2]!.split(', ').map((label) => dependentLabelZh(label) ?? label).join('、')}`],
  [/^'(.+)' has (\d+) records?; say records "delete" to delete them with it, or "keep" to keep them until the object is restored$/, (m) => `'${m[1]}'有 ${m[2]} 条记录；请将 records 设为 "delete" 一并删除，或设为 "keep" 保留到对象恢复`],
  // What a metadata change would break (data-checks.ts `describe`), the label as the field names itself.
  [/^(\d+) records? (?:have|has) no value for (.+); give a backfill value or fix them first$/, (m) => `${m[1]} 条记录的'${m[2]}'没有值；请提供回填值或先修正它们`],
  [/^(\d+) records? (?:hold values|holds a value) of (.+) that (?:are|is) not a valid (\S+); give a backfill value or fix them first$/, (m) => `${m[1]} 条记录的'${m[2]}'不是有效的 ${m[3]}；请提供回填值或先修正它们`],
  [/^(\d+) records? (?:use|uses) a value of (.+) that would no longer exist; give a backfill value or fix them first$/, (m) => `${m[1]} 条记录的'${m[2]}'使用了将不再存在的值；请提供回填值或先修正它们`],
  [/^(\d+) records? (?:hold values|holds a value) of (.+) outside its new (\S+); give a backfill value or fix them first$/, (m) => `${m[1]} 条记录的'${m[2]}'超出了新的 ${m[3]} 限制；请提供回填值或先修正它们`],
  [/^(\d+) records? (?:share|shares) a value of (.+) with another record; make the values distinct first$/, (m) => `${m[1]} 条记录的'${m[2]}'与其他记录重复；请先使这些值互不相同`],
  [/^(\d+) records? (.+); give a backfill value or fix them first$/, (m) => `${m[1]} 条记录${m[2]}；请提供回填值或先修正它们`],
  [/^(default value|backfill) cannot be empty: '(.+)' is required$/, (m) => `${m[1] === 'backfill' ? '回填值' : '默认值'}不能为空：'${m[2]}'为必填项`],
  // The model's own rules and the planner's refusals of creating, changing and deleting objects, fields, picklists, terms and layouts.
  [/^(default value|backfill) ((?:must|is) .+)$/, (m, t) => `${m[1] === 'backfill' ? '回填值' : '默认值'}${t(m[2]!)}`],
  [/^unknown property '(.+)'$/, (m) => `未知的属性'${m[1]}'`],
  [/^'(.+)' is already used by object '(.+)'$/, (m) => `'${m[1]}'已被对象'${m[2]}'使用`],
  [/^'(.+)' is already used by field '(.+)' of '(.+)'$/, (m) => `'${m[1]}'已被'${m[3]}'的字段'${m[2]}'使用`],
  [/^'(.+)' is both the api name and an alias$/, (m) => `'${m[1]}'既是 API 名称又是别名`],
  [/^'(.+)' is reserved for a standard object of the platform$/, (m) => `'${m[1]}'是平台标准对象的保留名称`],
  [/^'(.+)' is reserved for a system column of every record$/, (m) => `'${m[1]}'是每条记录都有的系统列的保留名称`],
  [/^'(.+)' is reserved: every JavaScript object has it$/, (m) => `'${m[1]}'是保留名称：每个 JavaScript 对象都有它`],
  [/^object id '(.+)' already exists$/, (m) => `对象 id '${m[1]}'已存在`],
  [/^field id '(.+)' already exists on '(.+)'$/, (m) => `'${m[2]}'上已存在字段 id '${m[1]}'`],
  [/^(value|field|index|section|layout) id '(.+)' appears twice$/, (m) => `${ID_KINDS[m[1]!]} id '${m[2]}'重复出现`],
  [/^(value|term) '(.+)' appears twice$/, (m) => `${m[1] === 'value' ? '选项' : '术语'}'${m[2]}'重复出现`],
  [/^field '(.+)' is placed twice$/, (m) => `字段'${m[1]}'被放置了两次`],
  [/^a (\w+) field needs at least one value$/, (m) => `${m[1]} 类型的字段至少需要一个选项`],
  [/^a (\w+) field cannot become (\w+); create a new field and copy the data$/, (m) => `${m[1]} 类型的字段不能改为 ${m[2]}；请新建字段并复制数据`],
  [/^a (\w+) field cannot name records \(use (.+)\)$/, (m) => `${m[1]} 类型的字段不能作为记录名称（可用：${m[2]}）`],
  [/^name field '(.+)' is not a live field of '(.+)'$/, (m) => `名称字段'${m[1]}'不是'${m[2]}'的有效字段`],
  [/^(\w+) fields cannot be indexed$/, (m) => `${m[1]} 类型的字段不能建索引`],
  [/^(\w+) does not apply to (\w+) fields$/, (m) => `${m[1]} 不适用于 ${m[2]} 类型的字段`],
  [/^(min|minLength|scale) must not exceed (max|maxLength|precision)$/, (m) => `${m[1]} 不能大于 ${m[2]}`],
  [/^maxLength of a (\w+) field is at most (\d+)$/, (m) => `${m[1]} 类型字段的 maxLength 最多为 ${m[2]}`],
  [/^(a unique|the name) field's text is indexed, so its maxLength is at most (\d+) \(this one allows (\d+)\)$/, (m) => `${m[1] === 'a unique' ? '唯一' : '名称'}字段的文本会建索引，因此 maxLength 最多为 ${m[2]}（此字段为 ${m[3]}）`],
  [/^a lookup field needs lookup\.objectId, onDelete and relationshipName$/, () => '关联字段需要 lookup.objectId、onDelete 和 relationshipName'],
  [/^a required lookup cannot use onDelete setNull$/, () => '必填的关联字段不能使用 onDelete setNull'],
  [/^'(.+)' already has a relationship '(.+)' \(from (.+)\)$/, (m) => `'${m[1]}'已有关系'${m[2]}'（来自 ${m[3]}）`],
  [/^a lookup cannot be pointed at another object; its values are ids of the current one$/, () => '关联字段不能改为指向其他对象：它的值是当前对象记录的 id'],
  [/^an autonumber field needs a pattern such as (.+)$/, (m) => `自动编号字段需要格式，例如 ${m[1]}`],
  [/^the pattern needs exactly one number group such as '(.+)'$/, (m) => `格式中需要恰好一个数字组，例如'${m[1]}'`],
  [/^a required read-only field needs a default value$/, () => '必填的只读字段需要默认值'],
  [/^a field has a default value or a default expression, not both$/, () => '字段可以有默认值或默认值表达式，但不能两者都有'],
  [/^'(.+)' names no term; terms: (.+)$/, (m) => `'${m[1]}'不是任何术语；现有术语：${m[2]}`],
  [/^value (.+) of '(.+)' is used by ('.+')$/, (m) => `'${m[2]}'的选项 ${m[1]} 正被使用：${m[3]!.slice(1, -1).split("', '").map((label) => dependentLabelZh(label) ?? `'${label}'`).join('、')}`],
  [/^term '(.+)' is used by (.+)$/, (m) => `术语'${m[1]}'正被使用：${m[2]}`],
  [/^'(.+)' is a standard term and cannot be deleted; reset it instead$/, (m) => `'${m[1]}'是标准术语，不能删除；请改为重置`],
  [/^'(.+)' is a custom term with no standard forms; change its forms or delete it$/, (m) => `'${m[1]}'是自定义术语，没有标准词形；请修改其词形或删除它`],
  [/^'(.+)' is not a standard term$/, (m) => `'${m[1]}'不是标准术语`],
  [/^'(.+)' is a standard term$/, (m) => `'${m[1]}'是标准术语`],
  [/^a new term needs its English forms$/, () => '新术语需要英文词形'],
  [/^layout '(.+)' belongs to another object$/, (m) => `布局'${m[1]}'属于另一个对象`],
  [/^'(.+)' is not an alias of '(.+)'$/, (m) => `'${m[1]}'不是'${m[2]}'的别名`],
  [/^No term set '(.+)'$/, (m) => `没有术语集'${m[1]}'`],
  [/^Restoring revision (\d+) would bring back what you may not answer for$/, (m) => `恢复修订版 ${m[1]} 会带回您无权负责的内容`],
  [/^unknown operation (.+)$/, (m) => `未知的操作 ${m[1]}`],
  [/^term '(.+)' does not exist$/, (m) => `术语'${m[1]}'不存在`],
  [/^layout '(.+)' does not exist$/, (m) => `布局'${m[1]}'不存在`],
  // JSON parsers' own words for a body that does not parse.
  [/^(?:Body is not valid JSON|Unexpected |Expected |.* in JSON at position \d+|.*is not valid JSON)/, () => '不是有效的 JSON'],
];

const ID_KINDS: Record<string, string> = { value: '选项', field: '字段', index: '索引', section: '分区', layout: '布局' };

/** What depends on a field (the planner's "kind 'label', …"), each in Chinese; labels in quotes as written. */
const DEPENDENT_KINDS: Record<string, string> = {
  object: '对象', field: '字段', layout: '布局', index: '索引', picklistValue: '选项', layoutSection: '布局分区', formula: '公式', rollupFilter: '汇总筛选条件',
  defaultValue: '默认值', validationRule: '校验规则', layoutRule: '布局规则', rollup: '汇总', dependentPicklist: '依赖选项列表',
};
const DEPENDENT_LABELS: Rule[] = [
  [/^name field of (.+)$/, (m) => `${m[1]}的名称字段`],
  [/^index (.+)$/, (m) => `索引 ${m[1]}`],
  [/^a rule of layout '(.+)'$/, (m) => `布局'${m[1]}'的规则`],
  [/^formula (\S+)$/, (m) => `公式 ${m[1]}`],
  [/^roll-up (\S+)$/, (m) => `汇总 ${m[1]}`],
  [/^default value of (\S+)$/, (m) => `${m[1]} 的默认值`],
  [/^validation rule (\S+)$/, (m) => `校验规则 ${m[1]}`],
  [/^dependent picklist (\S+)$/, (m) => `依赖选项列表 ${m[1]}`],
  [/^layout rule (\d+) of the standard layout of '(.+)'$/, (m) => `'${m[2]}'标准布局的第 ${m[1]} 条布局规则`],
  [/^layout rule (\d+) of layout '(.+)'$/, (m) => `布局'${m[2]}'的第 ${m[1]} 条布局规则`],
];
function dependentLabelZh(label: string): string | undefined {
  for (const [pattern, render] of DEPENDENT_LABELS) {
    const m = pattern.exec(label);
    if (m) return render(m, (x) => x);
  }
  return undefined;
}
function dependentsZh(list: string): string {
  const kinds = Object.keys(DEPENDENT_KINDS).join('|');
  return list
    .split(new RegExp(`, (?=(?:${kinds}) ')`))
    .map((item) => {
      const m = new RegExp(`^(${kinds}) '(.*)'$`).exec(item);
      if (!m) return item;
      return dependentLabelZh(m[2]!) ?? `${DEPENDENT_KINDS[m[1]!]}'${m[2]}'`;
    })
    .join('、');
}

/** `text` in `locale`: English as written; Chinese where this catalogue knows the sentence. */
export function translateProblemText(text: string, locale: Locale): string {
  // Already Chinese (a message built from the glossary in the reader's language) unless an English phrase remains.
  if (locale === 'en' || !text || (/[\u4e00-\u9fff]/.test(text) && !/\b(?:is|must|matches|belongs)\b/.test(text))) return text;
  const t = (inner: string) => translateProblemText(inner, locale);
  // An expression's error as the metadata checks write it, before any phrase here reads part of it.
  if (/\(line \d+, column \d+\)$/.test(text)) {
    const expression = expressionProblem(text, locale);
    if (expression !== undefined) return expression;
  }
  for (const [pattern, render] of [...SENTENCES, ...PHRASES]) {
    const match = pattern.exec(text);
    if (match) return render(match, t);
  }
  // The expression language's own catalogue (checker, evaluation, the save pipeline's logic).
  const logic = expressionProblem(text, locale);
  if (logic !== undefined) return logic;
  // "<label> <phrase>" (the label already in the reader's language), or "'<name>' <phrase>".
  for (let space = text.indexOf(' '); space > 0; space = text.indexOf(' ', space + 1)) {
    const head = text.slice(0, space);
    const tail = text.slice(space + 1);
    for (const [pattern, render] of PHRASES) {
      const match = pattern.exec(tail);
      if (match) return `${head}${render(match, t)}`;
    }
    const phrase = logicMessage(tail, locale);
    if (phrase !== undefined) return `${head}${phrase}`;
  }
  return text;
}
