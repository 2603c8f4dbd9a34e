import { filterOperators, queryLimits, type Locale } from '@protean/metadata';

/*
 * Every human-facing text of the OpenAPI document, in each locale. Templates use the placeholder
 * grammar of ADR 0004: `{object}`, `{objects}`, `{measure}`, `{count}` are parameters (the
 * object's words, resolved through the glossary); any other name (`{user}`) is a term.
 */
/** Braces in code samples are literal text: doubled, as the placeholder grammar asks, except the placeholders named. */
const literalBraces = (text: string, placeholders: readonly string[]) =>
  text.replace(/\{[^{}]*\}|[{}]/g, (part) => (placeholders.includes(part) ? part : part.replaceAll('{', '{{').replaceAll('}', '}}')));
const DESCRIPTION_PLACEHOLDERS = ['{revision}', '{user:a}', '{user}'];

export const openApiTexts = {
  description: {
    en: literalBraces(`The tenant API, generated from metadata revision {revision}: records of every object, batches, search, saved views, metadata and terms. Record ids are UUIDs; owner fields hold the id of {user:a}.

## Names that stay
Component names and operation ids follow API names, never labels or terms, so renaming a label or a term changes no generated client: an object's schemas are its API name in PascalCase (\`account_plan\` → \`AccountPlan\`, \`AccountPlanCreate\`, \`AccountPlanUpdate\`, \`AccountPlanPage\`, \`AccountPlanBatch\`), its operations \`<action>_<api name>\` (\`list_account_plan\`, \`create_account_plan\`). Renaming an API name keeps the old name as a deprecated alias (its paths and operation ids stay, marked deprecated) until an admin removes it.

## Filters
\`filter\` is a JSON condition: \`{"field": "<api name>", "op": "<operator>", "value": …}\`, combined with \`{"and": […]}\`, \`{"or": […]}\` and \`{"not": {…}}\`. Operators: ${filterOperators.join(', ')}; which apply depends on the field's type (\`in\` and \`nin\` take a list, \`isNull\` takes true or false). A looked-up record's field is reached with a dot: \`organization.name\`. At most ${queryLimits.maxConditions} conditions, nested at most ${queryLimits.maxDepth} levels.

## Sort
\`sort\` is a comma-separated list of at most ${queryLimits.maxSortKeys} API names, \`-\` before a name for descending: \`-created_at,name\`. Pages follow \`nextCursor\`.

## Errors
Every error is \`application/problem+json\` with a title in the request's language (Accept-Language, else the user's setting) and, for invalid input, \`errors\` naming each field and the reason.`, DESCRIPTION_PLACEHOLDERS),
    'zh-CN': literalBraces(`租户 API，由元数据修订版 {revision} 生成：每个对象的记录、批量操作、搜索、保存的视图、元数据和术语。记录 id 为 UUID；负责人字段存放{user}的 id。

## 稳定的名称
组件名称和操作 id 取自 API 名称，而不是标签或术语，因此修改标签或术语不会改变自动生成的 SDK：对象的架构名称是其 API 名称的 PascalCase 形式（\`account_plan\` → \`AccountPlan\`、\`AccountPlanCreate\`、\`AccountPlanUpdate\`、\`AccountPlanPage\`、\`AccountPlanBatch\`），操作 id 为 \`<动作>_<API 名称>\`（\`list_account_plan\`、\`create_account_plan\`）。修改 API 名称时，旧名称作为已弃用的别名保留（其路径和操作 id 仍在，标记为已弃用），直到管理员将其删除。

## 筛选
\`filter\` 是 JSON 条件：\`{"field": "<API 名称>", "op": "<运算符>", "value": …}\`，可用 \`{"and": […]}\`、\`{"or": […]}\` 和 \`{"not": {…}}\` 组合。运算符：${filterOperators.join('、')}；可用哪些取决于字段类型（\`in\` 和 \`nin\` 接受列表，\`isNull\` 接受 true 或 false）。关联记录的字段用点号访问：\`organization.name\`。最多 ${queryLimits.maxConditions} 个条件，最多嵌套 ${queryLimits.maxDepth} 层。

## 排序
\`sort\` 是以逗号分隔的 API 名称列表，最多 ${queryLimits.maxSortKeys} 个，名称前加 \`-\` 表示降序：\`-created_at,name\`。分页请使用 \`nextCursor\`。

## 错误
所有错误均为 \`application/problem+json\`，标题使用请求的语言（Accept-Language，否则为用户的设置）；输入无效时，\`errors\` 列出每个字段及原因。`, DESCRIPTION_PLACEHOLDERS),
  },
  title: { en: 'Protean API — {workspace}', 'zh-CN': 'Protean API — {workspace}' },

  'tag.auth': { en: 'Sign-in and API keys', 'zh-CN': '登录与 API 密钥' },
  'tag.auth.description': { en: 'Sessions for the studio, API keys for integrations, the users of the workspace.', 'zh-CN': '工作室使用的会话、集成使用的 API 密钥，以及工作区的用户。' },
  'tag.search': { en: 'Search', 'zh-CN': '搜索' },
  'tag.search.description': { en: 'Find records of every object by name, email or phone.', 'zh-CN': '按名称、电子邮件或电话查找所有对象的记录。' },
  'tag.views': { en: 'Saved views', 'zh-CN': '保存的视图' },
  'tag.views.description': { en: 'Named list and kanban views: columns, filter and sort, private or shared.', 'zh-CN': '命名的列表和看板视图：列、筛选与排序，可私有或共享。' },
  'tag.metadata': { en: 'Metadata', 'zh-CN': '元数据' },
  'tag.metadata.description': { en: 'Objects, fields and layouts; every change is a revision that can be compared and restored.', 'zh-CN': '对象、字段和布局；每次更改都是一个可比较、可恢复的修订版。' },
  'tag.workspace': { en: 'Workspace', 'zh-CN': '工作区' },
  'tag.workspace.description': { en: 'Workspace settings, the user’s preferences, and what the home page shows: the pipeline and recently viewed records.', 'zh-CN': '工作区设置、用户偏好，以及首页显示的内容：销售漏斗和最近查看的记录。' },
  'tag.terms': { en: 'Terms', 'zh-CN': '术语' },
  'tag.terms.description': { en: 'The glossary: the words the workspace uses for its objects, everywhere they appear.', 'zh-CN': '术语表：工作区在所有位置用来称呼其对象的词语。' },
  'tag.records.description': { en: 'Records of {objects:plural}: list, read, create, change, delete and restore, one at a time or in batches.', 'zh-CN': '{objects:plural}记录：列出、读取、新建、修改、删除和恢复，可逐条或批量进行。' },
  'tag.recycle': { en: 'Recycle bin', 'zh-CN': '回收站' },
  'tag.recycle.description': { en: 'Deleted records of every object, newest first, until they are restored or purged.', 'zh-CN': '所有对象中已删除的记录，最新的在前，直到被恢复或彻底清除。' },

  'record.list': { en: 'List {objects:plural}', 'zh-CN': '列出{objects:plural}' },
  'record.list.description': { en: 'A page of {objects:plural}, filtered and sorted as asked (see Filters and Sort above); `count=true` adds the total.', 'zh-CN': '按要求筛选和排序的一页{objects:plural}（见上文“筛选”和“排序”）；`count=true` 时附带总数。' },
  'record.create': { en: 'Create {object:a}', 'zh-CN': '新建{object}' },
  'record.create.description': { en: 'Creates one {object}; values are checked as in the studio and a refused value names its field.', 'zh-CN': '新建一{measure}{object}；取值校验与工作室一致，被拒绝的值会指出其字段。' },
  'record.get': { en: 'Get {object:a}', 'zh-CN': '获取{object}' },
  'record.get.description': { en: 'One {object} by id, with its version in ETag; `expand` adds looked-up records.', 'zh-CN': '按 id 获取一{measure}{object}，版本号在 ETag 中；`expand` 附带关联记录。' },
  'record.update': { en: 'Update {object:a}', 'zh-CN': '更新{object}' },
  'record.update.description': { en: 'Changes the fields sent; with If-Match, only if the {object} is still at that version.', 'zh-CN': '修改所发送的字段；带 If-Match 时，仅当该{object}仍为该版本时才修改。' },
  'record.delete': { en: 'Move {object:a} to the recycle bin', 'zh-CN': '将{object}移入回收站' },
  'record.delete.description': { en: 'The {object} can be restored from the recycle bin until it is purged.', 'zh-CN': '在被彻底清除之前，该{object}可从回收站恢复。' },
  'record.restore': { en: 'Restore {object:a} from the recycle bin', 'zh-CN': '从回收站恢复{object}' },
  'record.restore.description': { en: 'Brings a deleted {object} back with its values; lookups whose record is gone are cleared.', 'zh-CN': '恢复已删除的{object}及其取值；关联记录已不存在的关联字段将被清空。' },
  'record.batch': { en: 'Create, update, upsert or delete up to 1,000 {objects:plural} at once', 'zh-CN': '一次新建、更新、插入或删除最多 1,000 {measure}{objects:plural}' },
  'record.batch.description': { en: 'All or nothing, in the order given; a failing item is named by its index and then nothing is saved.', 'zh-CN': '全部成功或全部不做，按给定顺序执行；失败的项以其序号指出，此时不保存任何内容。' },
  'record.updateByFilter': { en: 'Update every {object} a filter matches', 'zh-CN': '更新筛选条件匹配的所有{objects:plural}' },
  'record.updateByFilter.description': { en: 'Sets the same values on every match, all or nothing, at most 1,000; `dryRun` counts and samples first, `expectedCount` refuses if the matches changed since.', 'zh-CN': '为每条匹配记录设置相同的值，全部成功或全部不做，最多 1,000 {measure}；`dryRun` 先统计并抽样，`expectedCount` 在匹配数发生变化时拒绝。' },
  'record.deleteByFilter': { en: 'Delete every {object} a filter matches', 'zh-CN': '删除筛选条件匹配的所有{objects:plural}' },
  'record.deleteByFilter.description': { en: 'Moves every match to the recycle bin, all or nothing, at most 1,000; `dryRun` counts and samples first.', 'zh-CN': '将每条匹配记录移入回收站，全部成功或全部不做，最多 1,000 {measure}；`dryRun` 先统计并抽样。' },
  'record.related': { en: 'Records that refer to {object:a}', 'zh-CN': '引用该{object}的记录' },
  'record.related.description': { en: 'For each lookup to {objects:plural}, the newest records that point at this one and their count.', 'zh-CN': '对于每个指向{objects:plural}的关联字段，列出指向此记录的最新记录及其数量。' },
  'record.alias': { en: '{text} (deprecated alias of {apiName})', 'zh-CN': '{text}（已弃用的别名，现为 {apiName}）' },

  'response.page': { en: 'A page of {objects:plural}', 'zh-CN': '一页{objects:plural}' },
  'response.one': { en: 'The {object}', 'zh-CN': '该{object}' },
  'response.created': { en: 'The {object} as created', 'zh-CN': '新建的{object}' },
  'response.noSuch': { en: 'No such {object}', 'zh-CN': '没有该{object}' },
  'response.deleted': { en: 'Moved to the recycle bin', 'zh-CN': '已移入回收站' },
  'response.batch': { en: 'What happened to each item, in order', 'zh-CN': '按顺序列出每一项的结果' },
  'response.bulk': { en: 'The count, and what was written unless it was a dry run', 'zh-CN': '数量，以及（非试运行时）写入的内容' },
  'response.related': { en: 'The referring records, by lookup', 'zh-CN': '按关联字段分组的引用记录' },
  'response.invalid': { en: 'Invalid values: each field with the reason', 'zh-CN': '取值无效：列出每个字段及原因' },
  'response.badQuery': { en: 'Invalid filter, sort, field or parameter', 'zh-CN': '筛选、排序、字段或参数无效' },
  'response.unique': { en: 'A unique value is taken, or the record is still referred to', 'zh-CN': '唯一值已被占用，或记录仍被引用' },
  'response.stale': { en: 'Changed by someone else since the version sent', 'zh-CN': '自所发送的版本以来已被他人修改' },
  'response.unauthorized': { en: 'Not signed in', 'zh-CN': '未登录' },
  'response.forbidden': { en: 'Not allowed for this user', 'zh-CN': '此用户无权执行' },
  'response.notFound': { en: 'Not found', 'zh-CN': '未找到' },
  'response.ok': { en: 'Done', 'zh-CN': '已完成' },
  'response.noContent': { en: 'Done; nothing to return', 'zh-CN': '已完成，无返回内容' },
  'response.tooMany': { en: 'More than the limit', 'zh-CN': '超出限制' },
  'response.changed': { en: 'The matches changed since the count sent', 'zh-CN': '匹配结果自所发送的统计以来已变化' },

  'param.id': { en: 'The record id (UUID)', 'zh-CN': '记录 id（UUID）' },
  'param.filter': { en: 'A JSON condition (see Filters above)', 'zh-CN': 'JSON 条件（见上文“筛选”）' },
  'param.sort': { en: 'API names, `-` for descending (see Sort above)', 'zh-CN': 'API 名称，`-` 表示降序（见上文“排序”）' },
  'param.fields': { en: 'The fields to return, comma-separated; all readable fields when absent', 'zh-CN': '要返回的字段，以逗号分隔；省略时返回所有可读字段' },
  'param.expand': { en: 'Lookups whose records to include, comma-separated', 'zh-CN': '要附带其记录的关联字段，以逗号分隔' },
  'param.limit': { en: 'Records per page', 'zh-CN': '每页记录数' },
  'param.cursor': { en: 'The `nextCursor` of the previous page', 'zh-CN': '上一页的 `nextCursor`' },
  'param.count': { en: 'Also count every match', 'zh-CN': '同时统计所有匹配数' },
  'param.ifMatch': { en: 'The version the change is based on, as returned in ETag', 'zh-CN': '更改所基于的版本，即 ETag 中返回的值' },
  'param.return': { en: '`representation` returns each record as saved; by default each item says what happened', 'zh-CN': '`representation` 返回保存后的每条记录；默认只说明每一项的结果' },
  'param.q': { en: 'Words to find (at least 1 character; 3 or more find them inside words)', 'zh-CN': '要查找的文字（至少 1 个字符；3 个及以上可在词语中间匹配）' },
  'param.searchLimit': { en: 'Records per object', 'zh-CN': '每个对象的记录数' },
  'param.object': { en: 'The API name of an object', 'zh-CN': '对象的 API 名称' },
  'param.groupBy': { en: 'The API name of a picklist field to group by', 'zh-CN': '用于分组的选项列表字段的 API 名称' },
  'param.amount': { en: 'The API name of a number field to sum per group', 'zh-CN': '按组汇总的数字字段的 API 名称' },
  'param.recentLimit': { en: 'How many records', 'zh-CN': '记录条数' },
  'param.field': { en: 'The API name of a field', 'zh-CN': '字段的 API 名称' },
  'param.revision': { en: 'A revision number', 'zh-CN': '修订版号' },
  'param.viewId': { en: 'The view id', 'zh-CN': '视图 id' },
  'param.keyId': { en: 'The API key id', 'zh-CN': 'API 密钥 id' },
  'param.layoutId': { en: 'The layout id', 'zh-CN': '布局 id' },
  'param.termKey': { en: 'The term key, e.g. the standard object it names', 'zh-CN': '术语键，例如它所称呼的标准对象' },
  'param.termSetId': { en: 'The term set id', 'zh-CN': '术语集 id' },
  'param.from': { en: 'The earlier revision', 'zh-CN': '较早的修订版' },
  'param.to': { en: 'The later revision', 'zh-CN': '较晚的修订版' },
  'param.resolve': { en: 'Labels resolved through the terms in this language', 'zh-CN': '以此语言通过术语解析标签' },
  'param.records': { en: 'What becomes of the object’s records: keep them until the object is restored, delete them with it, or refuse while there are any', 'zh-CN': '对象记录的处理方式：保留到对象恢复、随对象一并删除，或在有记录时拒绝删除' },
  'param.removeFromLayouts': { en: 'Take the field off every layout that shows it instead of refusing', 'zh-CN': '将字段从所有显示它的布局中移除，而不是拒绝删除' },
  'param.viewObject': { en: 'Only views of this object (API name)', 'zh-CN': '仅此对象（API 名称）的视图' },
  'param.recycleObject': { en: 'Only deleted records of this object (API name)', 'zh-CN': '仅此对象（API 名称）已删除的记录' },

  'op.login': { en: 'Sign in', 'zh-CN': '登录' },
  'op.login.description': { en: 'Starts a session (a cookie) for the studio; integrations send an API key as a bearer token instead.', 'zh-CN': '为工作室开始一个会话（cookie）；集成应改用 API 密钥作为 bearer 令牌。' },
  'op.logout': { en: 'Sign out', 'zh-CN': '退出登录' },
  'op.logout.description': { en: 'Ends the session of the cookie sent.', 'zh-CN': '结束所发送 cookie 对应的会话。' },
  'op.me': { en: 'Who is signed in', 'zh-CN': '当前登录者' },
  'op.me.description': { en: 'The user, the workspace and how the request was authenticated.', 'zh-CN': '用户、工作区以及请求的认证方式。' },
  'op.listKeys': { en: 'List API keys', 'zh-CN': '列出 API 密钥' },
  'op.listKeys.description': { en: 'The keys of the signed-in user, with their hints; never the keys themselves.', 'zh-CN': '当前用户的密钥及其提示，从不返回密钥本身。' },
  'op.createKey': { en: 'Create an API key', 'zh-CN': '新建 API 密钥' },
  'op.createKey.description': { en: 'Returns the key once; only its hash is stored.', 'zh-CN': '密钥只返回这一次，系统仅保存其哈希。' },
  'op.revokeKey': { en: 'Revoke an API key', 'zh-CN': '吊销 API 密钥' },
  'op.revokeKey.description': { en: 'Requests with the key are refused from now on.', 'zh-CN': '从现在起，使用该密钥的请求将被拒绝。' },
  'op.directory': { en: 'Names of the users', 'zh-CN': '用户名称' },
  'op.directory.description': { en: 'Every user’s id and name, as owner fields show them.', 'zh-CN': '每个用户的 id 和名称，即负责人字段中显示的内容。' },
  'op.workspaceSettings': { en: 'Read the workspace settings', 'zh-CN': '读取工作区设置' },
  'op.workspaceSettings.description': { en: 'The money currency, how many days the recycle bin keeps deleted records, and the time zone of today() in formulas, rules, default values and workflows.', 'zh-CN': '货币、回收站保留已删除记录的天数，以及公式、规则、默认值和工作流中“今天”所用的时区。' },
  'op.updateWorkspaceSettings': { en: 'Change the workspace settings', 'zh-CN': '更改工作区设置' },
  'op.updateWorkspaceSettings.description': { en: 'Needs the Setup right to change the model. An unknown currency or time zone is refused, naming the field.', 'zh-CN': '需要更改模型的设置权限。未知的货币或时区会被拒绝，并指出字段。' },
  'op.preferences': { en: 'Read your preferences', 'zh-CN': '读取个人偏好' },
  'op.preferences.description': { en: 'The time zone the studio shows your date-times in; null means the browser’s.', 'zh-CN': '工作室显示日期时间所用的时区；为 null 时使用浏览器的时区。' },
  'op.updatePreferences': { en: 'Change your preferences', 'zh-CN': '更改个人偏好' },
  'op.updatePreferences.description': { en: 'An unknown time zone is refused, naming the field.', 'zh-CN': '未知的时区会被拒绝，并指出字段。' },
  'op.pipeline': { en: 'Summarize a pipeline', 'zh-CN': '汇总销售漏斗' },
  'op.pipeline.description': { en: 'Counts of the records you may read, grouped by a picklist field, with the sum of a number field per group; the filter is the list filter.', 'zh-CN': '按选项列表字段分组统计您可读取的记录数，并按组汇总一个数字字段；筛选与列表筛选相同。' },
  'op.recent': { en: 'List recently viewed records', 'zh-CN': '列出最近查看的记录' },
  'op.recent.description': { en: 'Your latest visits, newest first, only of records you may still read.', 'zh-CN': '您最近的访问，最新的在前，仅包括您仍可读取的记录。' },
  'op.visit': { en: 'Remember a visit', 'zh-CN': '记录一次访问' },
  'op.visit.description': { en: 'Adds a live record you may read to your recently viewed records.', 'zh-CN': '将一条您可读取的有效记录加入最近查看的记录。' },
  'op.search': { en: 'Search records', 'zh-CN': '搜索记录' },
  'op.search.description': { en: 'Records of every object whose name, email or phone holds the words: exact and prefix matches first, then whole words, word starts, anywhere, then within a typo. Grouped by object.', 'zh-CN': '查找名称、电子邮件或电话中包含这些文字的各对象记录：完全匹配和前缀匹配在前，其次是整词、词首、任意位置，最后是拼写相近的结果。按对象分组。' },
  'op.recycleBin': { en: 'List deleted records', 'zh-CN': '列出已删除的记录' },
  'op.recycleBin.description': { en: 'Newest deletion first, paged by a cursor.', 'zh-CN': '最近删除的在前，使用游标分页。' },
  'op.listViews': { en: 'List saved views', 'zh-CN': '列出保存的视图' },
  'op.listViews.description': { en: 'The user’s own views and the shared ones.', 'zh-CN': '用户自己的视图和共享的视图。' },
  'op.createView': { en: 'Save a view', 'zh-CN': '保存视图' },
  'op.createView.description': { en: 'Its columns, filter and sort are checked against the object’s fields.', 'zh-CN': '其列、筛选和排序会按对象的字段进行校验。' },
  'op.updateView': { en: 'Change a saved view', 'zh-CN': '修改保存的视图' },
  'op.updateView.description': { en: 'Only its owner, or an admin for a shared view.', 'zh-CN': '仅限其所有者；共享视图也可由管理员修改。' },
  'op.deleteView': { en: 'Delete a saved view', 'zh-CN': '删除保存的视图' },
  'op.deleteView.description': { en: 'Only its owner, or an admin for a shared view.', 'zh-CN': '仅限其所有者；共享视图也可由管理员删除。' },
  'op.snapshot': { en: 'The whole model', 'zh-CN': '完整模型' },
  'op.snapshot.description': { en: 'Objects, fields, layouts and terms at the current revision; `resolve` gives labels ready to show.', 'zh-CN': '当前修订版的对象、字段、布局和术语；`resolve` 返回可直接显示的标签。' },
  'op.listObjects': { en: 'List objects', 'zh-CN': '列出对象' },
  'op.listObjects.description': { en: 'Every object with its fields.', 'zh-CN': '所有对象及其字段。' },
  'op.getObject': { en: 'Get an object', 'zh-CN': '获取对象' },
  'op.getObject.description': { en: 'One object with its fields, by API name or id.', 'zh-CN': '按 API 名称或 id 获取一个对象及其字段。' },
  'op.recordSchema': { en: 'JSON Schema of an object’s records', 'zh-CN': '对象记录的 JSON Schema' },
  'op.recordSchema.description': { en: 'For create, update or read, labels in the language asked.', 'zh-CN': '用于新建、更新或读取，标签使用所请求的语言。' },
  'op.change': { en: 'Apply a metadata change', 'zh-CN': '应用元数据更改' },
  'op.change.description': { en: 'Operations applied in order, all or nothing, as one revision: createObject, updateObject, deleteObject, createField, updateField, deleteField, restoreField, purgeField, removeAlias, upsertLayout, deleteLayout, upsertTerm, resetTerm, deleteTerm. Every error is reported with the path of its operation; a change that changes nothing makes no revision.', 'zh-CN': '按顺序应用操作，全部成功或全部不做，形成一个修订版：createObject、updateObject、deleteObject、createField、updateField、deleteField、restoreField、purgeField、removeAlias、upsertLayout、deleteLayout、upsertTerm、resetTerm、deleteTerm。每个错误都附带其操作的路径；没有实际变化的更改不会产生修订版。' },
  'op.createObject': { en: 'Create an object', 'zh-CN': '新建对象' },
  'op.createObject.description': { en: 'A one-operation change (createObject).', 'zh-CN': '只含一个操作（createObject）的更改。' },
  'op.updateObject': { en: 'Change an object', 'zh-CN': '修改对象' },
  'op.updateObject.description': { en: 'A one-operation change (updateObject): labels, API name, name field, term, indexes.', 'zh-CN': '只含一个操作（updateObject）的更改：标签、API 名称、名称字段、术语、索引。' },
  'op.deleteObject': { en: 'Delete an object', 'zh-CN': '删除对象' },
  'op.deleteObject.description': { en: 'A one-operation change (deleteObject); `records` says what becomes of its records. Refused while another object looks it up.', 'zh-CN': '只含一个操作（deleteObject）的更改；`records` 说明其记录如何处理。仍被其他对象关联时拒绝。' },
  'op.createField': { en: 'Add a field', 'zh-CN': '新增字段' },
  'op.createField.description': { en: 'A one-operation change (createField); a required or unique field is checked against the stored records.', 'zh-CN': '只含一个操作（createField）的更改；必填或唯一字段会按已存记录进行检查。' },
  'op.updateField': { en: 'Change a field', 'zh-CN': '修改字段' },
  'op.updateField.description': { en: 'A one-operation change (updateField); `backfill` replaces stored values the new definition refuses.', 'zh-CN': '只含一个操作（updateField）的更改；`backfill` 用于替换新定义不再接受的已存取值。' },
  'op.deleteField': { en: 'Delete a field', 'zh-CN': '删除字段' },
  'op.deleteField.description': { en: 'A one-operation change (deleteField): its values are hidden and kept until purgeField; refused while something uses it, unless it is only on layouts and `removeFromLayouts` is set.', 'zh-CN': '只含一个操作（deleteField）的更改：其取值被隐藏并保留到 purgeField；仍被使用时拒绝，除非只被布局使用且设置了 `removeFromLayouts`。' },
  'op.putLayout': { en: 'Create or replace a layout', 'zh-CN': '新建或替换布局' },
  'op.putLayout.description': { en: 'A one-operation change (upsertLayout).', 'zh-CN': '只含一个操作（upsertLayout）的更改。' },
  'op.deleteLayout': { en: 'Delete a layout', 'zh-CN': '删除布局' },
  'op.deleteLayout.description': { en: 'A one-operation change (deleteLayout).', 'zh-CN': '只含一个操作（deleteLayout）的更改。' },
  'op.revisions': { en: 'List revisions', 'zh-CN': '列出修订版' },
  'op.revisions.description': { en: 'Newest first, with author, message and the number of changes.', 'zh-CN': '最新的在前，附带作者、说明和更改数量。' },
  'op.revision': { en: 'Get a revision', 'zh-CN': '获取修订版' },
  'op.revision.description': { en: 'Its model and its diff.', 'zh-CN': '其模型和差异。' },
  'op.revisionChanges': { en: 'What a revision changed, in words', 'zh-CN': '以文字说明修订版的更改' },
  'op.revisionChanges.description': { en: 'Each change as a sentence in the reader’s language, naming objects and fields by their labels through the terms.', 'zh-CN': '以读者的语言逐条说明更改，并通过术语以标签称呼对象和字段。' },
  'op.compare': { en: 'Compare two revisions', 'zh-CN': '比较两个修订版' },
  'op.compare.description': { en: 'The diff from one revision to another.', 'zh-CN': '从一个修订版到另一个修订版的差异。' },
  'op.restore': { en: 'Restore a revision', 'zh-CN': '恢复修订版' },
  'op.restore.description': { en: 'Makes that model current again as a new revision, checked against today’s records.', 'zh-CN': '将该模型作为新修订版重新设为当前模型，并按现有记录进行检查。' },
  'op.kindSchemas': { en: 'JSON Schemas of the metadata kinds', 'zh-CN': '各类元数据的 JSON Schema' },
  'op.kindSchemas.description': { en: 'Objects, fields, layouts, terms, operations and change requests; published without sign-in.', 'zh-CN': '对象、字段、布局、术语、操作和更改请求；无需登录即可获取。' },
  'op.listTerms': { en: 'List terms', 'zh-CN': '列出术语' },
  'op.listTerms.description': { en: 'Every term with its words in each language and whether it is standard.', 'zh-CN': '每个术语在各语言中的词语，以及是否为标准术语。' },
  'op.getTerm': { en: 'Get a term', 'zh-CN': '获取术语' },
  'op.getTerm.description': { en: 'One term by key.', 'zh-CN': '按键获取一个术语。' },
  'op.putTerm': { en: 'Set the words of a term', 'zh-CN': '设置术语的词语' },
  'op.putTerm.description': { en: 'Renames it everywhere it appears (labels, messages, this document) with the next revision.', 'zh-CN': '在下一个修订版中，在其出现的所有位置（标签、消息、本文档）改名。' },
  'op.deleteTerm': { en: 'Delete a custom term', 'zh-CN': '删除自定义术语' },
  'op.deleteTerm.description': { en: 'Refused while a label or an object uses it; a standard term is reset instead.', 'zh-CN': '仍被标签或对象使用时拒绝；标准术语应改为重置。' },
  'op.termUsage': { en: 'Where a term is used', 'zh-CN': '术语的使用位置' },
  'op.termUsage.description': { en: 'Every label, help text and object that names it.', 'zh-CN': '所有引用它的标签、帮助文本和对象。' },
  'op.termSets': { en: 'List term sets', 'zh-CN': '列出术语集' },
  'op.termSets.description': { en: 'Shipped glossaries for an industry (healthcare, education).', 'zh-CN': '面向行业（医疗、教育）的预置术语表。' },
  'op.applyTermSet': { en: 'Apply a term set', 'zh-CN': '应用术语集' },
  'op.applyTermSet.description': { en: 'All its terms in one revision, which a restore undoes.', 'zh-CN': '在一个修订版中应用其全部术语，可通过恢复撤销。' },
} satisfies Record<string, Record<Locale, string>>;

export type OpenApiTextKey = keyof typeof openApiTexts;
