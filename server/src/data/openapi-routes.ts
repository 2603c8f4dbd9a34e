import type { Locale } from '@protean/metadata';
import type { SetupRight } from '../auth/principal.ts';
import { documentPath, type CatalogedRoute } from '../http/route-catalog.ts';
import { accessResponses } from './openapi-responses/access.ts';
import { platformResponses } from './openapi-responses/platform.ts';
import { workflowsResponses } from './openapi-responses/workflows.ts';

/**
 * The OpenAPI operations of the routes that `openapi.ts` does not describe by hand: access,
 * users, scripts, workflows, approvals, notifications, GraphQL, capture, and the record routes
 * of those parts. Their request schemas are the ones the routes validate with (the route
 * catalog), so the document cannot drift from what the server accepts; this table adds what a
 * route does not say itself: its operation id, its words, who may call it, and its success
 * status. A test fails on a route under /api/v1 that is neither here nor described by hand.
 */

/** Who a route is described to: the holders of a Setup right, every signed-in user, or anyone with the link (the link is the credential). */
export type RouteNeed = SetupRight | 'everyone' | 'link';
export type RouteTag = 'access' | 'users' | 'scripts' | 'workflows' | 'approvals' | 'graphql' | 'capture' | 'records' | 'metadata';

interface RouteDoc {
  tag: RouteTag;
  id: string;
  need: RouteNeed;
  /** The success status; 204 answers nothing. */
  ok: 200 | 201 | 202 | 204;
  /** The summary in each locale, in the placeholder grammar of ADR 0004 (`{user:plural}` is the workspace's word). */
  summary: Record<Locale, string>;
  /** The success answer is plain text, not JSON. */
  text?: true;
}

const doc = (tag: RouteTag, id: string, need: RouteNeed, ok: RouteDoc['ok'], en: string, zh: string, extra: Partial<RouteDoc> = {}): RouteDoc => ({ tag, id, need, ok, summary: { en, 'zh-CN': zh }, ...extra });

export const ROUTE_TAGS: Record<RouteTag, { name: Record<Locale, string>; description: Record<Locale, string> }> = {
  access: {
    name: { en: 'Access', 'zh-CN': '访问权限' },
    description: {
      en: 'Permission sets, profiles, the role hierarchy, groups, sharing defaults and rules, record shares, who holds what, why someone may or may not, and the audit trail of every change to access.',
      'zh-CN': '权限集、简档、角色层级、组、共享默认设置与规则、记录共享、谁拥有哪些权限、某人为何能或不能访问，以及每次访问权限变更的审计记录。',
    },
  },
  users: {
    name: { en: '{User:plural}', 'zh-CN': '{user}' },
    description: { en: 'The people of the workspace: their profiles, passwords, sessions and whether they may sign in.', 'zh-CN': '工作区中的人员：他们的简档、密码、会话以及是否可以登录。' },
  },
  scripts: {
    name: { en: 'Scripts', 'zh-CN': '脚本' },
    description: {
      en: 'Scripts that run in a sandbox on saves, as record actions or on a schedule: their versions, settings, test runs and the log of every invocation.',
      'zh-CN': '在沙箱中于保存时、作为记录操作或按计划运行的脚本：其版本、设置、测试运行以及每次调用的日志。',
    },
  },
  workflows: {
    name: { en: 'Workflows', 'zh-CN': '工作流' },
    description: {
      en: 'Workflows drawn in Setup: their versions, activation, runs (started by hand, by a signal or by an inbound webhook), templates and limits.',
      'zh-CN': '在设置中绘制的工作流：其版本、启用状态、运行（手动启动、由信号或入站 Webhook 启动）、模板与限制。',
    },
  },
  approvals: {
    name: { en: 'Approvals and notifications', 'zh-CN': '审批与通知' },
    description: { en: 'Approval requests waiting for a decision, and the notifications workflows send to {user:plural}.', 'zh-CN': '等待决定的审批请求，以及工作流发送给{user}的通知。' },
  },
  graphql: {
    name: { en: 'GraphQL', 'zh-CN': 'GraphQL' },
    description: {
      en: 'The same records, search and access through one GraphQL endpoint, its schema generated from the workspace’s model; subscriptions over WebSocket at the same path.',
      'zh-CN': '通过一个 GraphQL 端点访问相同的记录、搜索与权限，其架构由工作区的模型生成；订阅通过同一路径上的 WebSocket 提供。',
    },
  },
  capture: {
    name: { en: 'Capture', 'zh-CN': '采集' },
    description: { en: 'Emails and calls logged against the records they concern, found by address or number.', 'zh-CN': '按地址或号码找到相关记录，并将邮件和通话记录到这些记录上。' },
  },
  records: {
    name: { en: 'Record sharing and actions', 'zh-CN': '记录共享与操作' },
    description: { en: 'Who a record is shared with, the actions a record offers, and the records that refer to it.', 'zh-CN': '记录与谁共享、记录提供的操作，以及引用它的记录。' },
  },
  metadata: {
    name: { en: 'Metadata jobs', 'zh-CN': '元数据任务' },
    description: {
      en: 'The metadata schemas, and the progress of the work a model change starts: index backfills and formula recomputes.',
      'zh-CN': '元数据架构，以及模型变更所启动工作的进度：索引回填与公式重新计算。',
    },
  },
};

/** By `METHOD /path` as the route is registered (below /api/v1). */
export const ROUTE_DOCS: Record<string, RouteDoc> = {
  // Access: everyone reads their own; the access right manages the rest.
  'GET /access/me': doc('access', 'my_access', 'everyone', 200, 'What you may do', '您可以执行的操作'),
  'GET /access/me/records/:object': doc('access', 'my_record_access', 'everyone', 200, 'What you may do with some records', '您对某些记录可执行的操作'),
  'PUT /access/api-keys/:id': doc('access', 'narrow_api_key', 'everyone', 200, 'Narrow one of your API keys to permission sets', '将您的 API 密钥限制为指定权限集'),
  'GET /access/permission-sets': doc('access', 'list_permission_sets', 'access', 200, 'List permission sets', '列出权限集'),
  'POST /access/permission-sets': doc('access', 'create_permission_set', 'access', 201, 'Create a permission set', '创建权限集'),
  'PATCH /access/permission-sets/:id': doc('access', 'update_permission_set', 'access', 200, 'Change a permission set', '更改权限集'),
  'DELETE /access/permission-sets/:id': doc('access', 'delete_permission_set', 'access', 204, 'Delete a permission set', '删除权限集'),
  'GET /access/profiles': doc('access', 'list_profiles', 'access', 200, 'List profiles', '列出简档'),
  'POST /access/profiles': doc('access', 'create_profile', 'access', 201, 'Create a profile', '创建简档'),
  'PATCH /access/profiles/:id': doc('access', 'update_profile', 'access', 200, 'Change a profile', '更改简档'),
  'GET /access/roles': doc('access', 'list_roles', 'access', 200, 'List the role hierarchy', '列出角色层级'),
  'POST /access/roles': doc('access', 'create_role', 'access', 201, 'Add a role', '添加角色'),
  'DELETE /access/roles/:id': doc('access', 'delete_role', 'access', 204, 'Remove a role', '移除角色'),
  'GET /access/groups': doc('access', 'list_groups', 'access', 200, 'List groups', '列出组'),
  'POST /access/groups': doc('access', 'create_group', 'access', 201, 'Create a group', '创建组'),
  'PUT /access/groups/:id/members': doc('access', 'set_group_members', 'access', 200, 'Set the members of a group', '设置组成员'),
  'GET /access/sharing': doc('access', 'sharing_defaults', 'access', 200, 'Read the sharing defaults', '读取共享默认设置'),
  'PUT /access/sharing': doc('access', 'set_sharing_defaults', 'access', 200, 'Set the sharing defaults', '设置共享默认设置'),
  'GET /access/sharing-rules': doc('access', 'list_sharing_rules', 'access', 200, 'List sharing rules', '列出共享规则'),
  'POST /access/sharing-rules': doc('access', 'create_sharing_rule', 'access', 201, 'Create a sharing rule', '创建共享规则'),
  'PATCH /access/sharing-rules/:id': doc('access', 'update_sharing_rule', 'access', 200, 'Change a sharing rule', '更改共享规则'),
  'DELETE /access/sharing-rules/:id': doc('access', 'delete_sharing_rule', 'access', 204, 'Delete a sharing rule', '删除共享规则'),
  'GET /access/users': doc('access', 'list_user_access', 'access', 200, 'What each {user} holds', '每位{user}拥有的权限'),
  'PUT /access/users/:id': doc('access', 'set_user_access', 'access', 200, 'Set the role and permission sets of {user:a}', '设置{user}的角色与权限集'),
  'POST /access/automations': doc('access', 'create_automation_principal', 'access', 201, 'Give a script or workflow a principal of its own', '为脚本或工作流设置独立的主体'),
  'GET /access/explain': doc('access', 'explain_access', 'access', 200, 'Explain why {user:a} may or may not', '解释{user}为何有或没有权限'),
  'GET /access/audit': doc('access', 'access_audit', 'access', 200, 'The audit trail of access changes', '访问权限变更的审计记录'),
  'GET /records/:object/:id/shares': doc('records', 'list_shares', 'everyone', 200, 'Who the record is shared with', '记录与谁共享'),
  'POST /records/:object/:id/shares': doc('records', 'share', 'everyone', 201, 'Share the record', '共享记录'),
  'DELETE /records/:object/:id/shares/:grantee': doc('records', 'unshare', 'everyone', 204, 'Stop sharing the record', '停止共享记录'),
  'GET /records/:object/:id/actions': doc('records', 'list_actions', 'everyone', 200, 'The actions the record offers', '记录提供的操作'),
  'POST /records/:object/:id/actions/:script': doc('records', 'run_action', 'everyone', 200, 'Run an action on the record', '对记录运行操作'),
  'GET /related/:object/:id': doc('records', 'related', 'everyone', 200, 'The records that refer to a record', '引用某条记录的记录'),
  'POST /recycle-bin/purge': doc('records', 'purge', 'everyone', 200, 'Delete records in the recycle bin for good', '永久删除回收站中的记录'),

  // People.
  'GET /users': doc('users', 'list_users', 'users', 200, 'List {user:plural}', '列出{user}'),
  'POST /users': doc('users', 'create_user', 'users', 201, 'Add {user:a}', '添加{user}'),
  'GET /users/profiles': doc('users', 'grantable_profiles', 'users', 200, 'The profiles you may give', '您可以授予的简档'),
  'PATCH /users/:id': doc('users', 'update_user', 'users', 200, 'Change {user:a}', '更改{user}'),
  'POST /users/:id/password': doc('users', 'set_user_password', 'users', 204, 'Set the password of {user:a}', '设置{user}的密码'),
  'DELETE /users/:id/sessions': doc('users', 'end_user_sessions', 'users', 200, 'Sign {user:a} out everywhere', '将{user}从所有会话中登出'),
  'PATCH /auth/me': doc('users', 'update_my_settings', 'everyone', 204, 'Set your own language', '设置您自己的语言'),
  'GET /auth/sessions': doc('users', 'list_my_sessions', 'everyone', 200, 'Your sessions: where you are signed in', '您的会话：您在哪些地方已登录'),
  'DELETE /auth/sessions/:id': doc('users', 'end_my_session', 'everyone', 204, 'Sign out one of your sessions', '登出您的某个会话'),
  'POST /auth/sessions/end-others': doc('users', 'end_my_other_sessions', 'everyone', 200, 'Sign out of all your other sessions', '登出您的所有其他会话'),
  'GET /auth/session': doc('users', 'my_session_ends', 'everyone', 200, 'When your session ends unless used (asking is not use)', '您的会话在未使用时何时结束（查询不算使用）'),
  'GET /workspace/session-settings': doc('users', 'session_settings', 'everyone', 200, 'The workspace’s session idle time', '工作区的会话空闲时间'),
  'PATCH /workspace/session-settings': doc('users', 'set_session_settings', 'users', 200, 'Choose the workspace’s session idle time', '选择工作区的会话空闲时间'),

  // Metadata jobs and schemas.
  'GET /metadata/schemas/:kind': doc('metadata', 'metadata_schema', 'everyone', 200, 'The JSON Schema of one kind of metadata', '某类元数据的 JSON Schema'),
  'GET /metadata/logic-recomputes': doc('metadata', 'list_logic_recomputes', 'model', 200, 'Formula recomputes and their progress', '公式重新计算及其进度'),
  'GET /metadata/index-backfills': doc('metadata', 'list_index_backfills', 'model', 200, 'Index backfills and their progress', '索引回填及其进度'),

  // Scripts.
  'GET /scripts': doc('scripts', 'list_scripts', 'model', 200, 'List scripts', '列出脚本'),
  'POST /scripts': doc('scripts', 'create_script', 'model', 201, 'Create a script', '创建脚本'),
  'GET /scripts/sdk.d.ts': doc('scripts', 'script_sdk_types', 'everyone', 200, 'The TypeScript declarations of the script SDK', '脚本 SDK 的 TypeScript 声明', { text: true }),
  'POST /scripts/compile': doc('scripts', 'compile_script', 'model', 200, 'Check a script without saving it', '检查脚本而不保存'),
  'GET /scripts/:ref': doc('scripts', 'get_script', 'model', 200, 'Read a script', '读取脚本'),
  'PUT /scripts/:ref': doc('scripts', 'update_script', 'model', 200, 'Save a new version of a script', '保存脚本的新版本'),
  'DELETE /scripts/:ref': doc('scripts', 'delete_script', 'model', 204, 'Delete a script', '删除脚本'),
  'GET /scripts/:ref/versions': doc('scripts', 'list_script_versions', 'model', 200, 'The versions of a script', '脚本的各个版本'),
  'GET /scripts/:ref/versions/:version': doc('scripts', 'get_script_version', 'model', 200, 'Read one version of a script', '读取脚本的某个版本'),
  'POST /scripts/:ref/versions/:version/restore': doc('scripts', 'restore_script_version', 'model', 200, 'Make an earlier version current', '将较早的版本设为当前版本'),
  'GET /scripts/:ref/invocations': doc('scripts', 'list_script_invocations', 'model', 200, 'The log of a script’s runs', '脚本运行日志'),
  'GET /scripts/:ref/invocations/:id': doc('scripts', 'get_script_invocation', 'model', 200, 'One run of a script, with its output', '脚本的一次运行及其输出'),
  'POST /scripts/:ref/test': doc('scripts', 'test_script', 'model', 200, 'Run a script on test input, writing nothing', '用测试输入运行脚本，不写入任何数据'),
  'GET /script-profiles': doc('scripts', 'script_profiles', 'model', 200, 'The profiles a script may act as, each saying whether you may give it', '脚本可使用的简档，并说明您能否授予'),
  'GET /script-settings': doc('scripts', 'list_script_settings', 'model', 200, 'List script settings', '列出脚本设置'),
  'PUT /script-settings/:name': doc('scripts', 'put_script_setting', 'model', 200, 'Set a script setting', '设置脚本设置'),
  'DELETE /script-settings/:name': doc('scripts', 'delete_script_setting', 'model', 204, 'Remove a script setting', '移除脚本设置'),

  // GraphQL.
  'GET /graphql': doc('graphql', 'graphql_get', 'everyone', 200, 'Run a GraphQL query given in the query string', '运行查询字符串中给出的 GraphQL 查询'),
  'POST /graphql': doc('graphql', 'graphql', 'everyone', 200, 'Run a GraphQL query or mutation', '运行 GraphQL 查询或变更'),

  // Workflows.
  'GET /workflows': doc('workflows', 'list_workflows', 'model', 200, 'List workflows', '列出工作流'),
  'POST /workflows': doc('workflows', 'create_workflow', 'model', 201, 'Create a workflow', '创建工作流'),
  'GET /workflows/:id': doc('workflows', 'get_workflow', 'model', 200, 'Read a workflow', '读取工作流'),
  'PATCH /workflows/:id': doc('workflows', 'update_workflow', 'model', 200, 'Change a workflow (a new definition is a new version)', '更改工作流（新的定义即新版本）'),
  'POST /workflows/:id/activate': doc('workflows', 'activate_workflow', 'model', 200, 'Activate a workflow', '启用工作流'),
  'POST /workflows/:id/deactivate': doc('workflows', 'deactivate_workflow', 'model', 200, 'Deactivate a workflow', '停用工作流'),
  'GET /workflows/:id/versions': doc('workflows', 'list_workflow_versions', 'model', 200, 'The versions of a workflow', '工作流的各个版本'),
  'GET /workflows/:id/webhook': doc('workflows', 'workflow_webhook', 'model', 200, 'The inbound webhook address and secret of a workflow', '工作流的入站 Webhook 地址与密钥'),
  'POST /workflows/:id/runs': doc('workflows', 'start_workflow', 'everyone', 202, 'Start a workflow by hand', '手动启动工作流'),
  'GET /workflows/:id/runs': doc('workflows', 'list_workflow_runs', 'model', 200, 'The runs of a workflow', '工作流的运行记录'),
  'GET /workflows/:id/run-counts': doc('workflows', 'workflow_run_counts', 'model', 200, 'How many runs of a workflow are in each state', '工作流各状态的运行数量'),
  'GET /workflow-runs/:runId': doc('workflows', 'get_workflow_run', 'model', 200, 'One run, step by step', '一次运行的逐步详情'),
  'POST /workflow-runs/:runId/retry': doc('workflows', 'retry_workflow_run', 'model', 202, 'Retry a failed run from its failed step', '从失败的步骤重试失败的运行'),
  'POST /workflow-runs/:runId/cancel': doc('workflows', 'cancel_workflow_run', 'model', 200, 'Cancel a run', '取消运行'),
  'POST /workflow-events': doc('workflows', 'send_workflow_signal', 'model', 200, 'Send a signal to the workflows waiting for it', '向等待该信号的工作流发送信号'),
  'POST /workflow-templates/:name/install': doc('workflows', 'install_workflow_template', 'model', 201, 'Install a workflow template', '安装工作流模板'),
  'GET /workflow-settings': doc('workflows', 'workflow_settings', 'model', 200, 'Read the workflow limits', '读取工作流限制'),
  'PATCH /workflow-settings': doc('workflows', 'update_workflow_settings', 'model', 200, 'Change the workflow limits', '更改工作流限制'),
  'GET /workflow-buttons': doc('workflows', 'workflow_buttons', 'everyone', 200, 'The workflows a record page offers as buttons', '记录页面以按钮形式提供的工作流'),
  'POST /hooks/:tenant/workflows/:apiName': doc('workflows', 'workflow_inbound_webhook', 'link', 202, 'Start a workflow from an inbound webhook (signed with its secret)', '通过入站 Webhook 启动工作流（使用其密钥签名）'),

  // Approvals and notifications.
  'GET /workflow-approvals': doc('approvals', 'list_approvals', 'everyone', 200, 'The approvals waiting for you (for an administrator, every one)', '等待您处理的审批（管理员可看到全部）'),
  'POST /workflow-approvals/:id/decision': doc('approvals', 'decide_approval', 'everyone', 200, 'Approve or reject', '批准或拒绝'),
  'GET /workflow-approver-choices': doc('workflows', 'workflow_approver_choices', 'model', 200, 'The profiles and roles an approval step may name as its approvers', '审批步骤可指定为审批人的简档和角色'),
  'POST /workflow-approvals/:id/reassign': doc('approvals', 'reassign_approval', 'access', 200, 'Name who decides an approval instead of its approvers', '改由其他人处理审批'),
  'GET /workflow-approvals/:id/email-decision': doc('approvals', 'decide_approval_by_email', 'link', 200, 'Approve or reject from the signed link of an email', '通过邮件中的签名链接批准或拒绝', { text: true }),
  'GET /notifications': doc('approvals', 'list_notifications', 'everyone', 200, 'Your notifications', '您的通知'),
  'POST /notifications/:id/read': doc('approvals', 'read_notification', 'everyone', 200, 'Mark a notification read', '将通知标记为已读'),

  // Capture.
  'POST /capture/communications': doc('capture', 'capture_communication', 'everyone', 201, 'Log an email or a call against the records it concerns', '将邮件或通话记录到相关记录上'),
};

/** The body of each route's success answer (routes that answer 204 have none), by `METHOD /path` as in ROUTE_DOCS. */
export const ROUTE_RESPONSES: Readonly<Record<string, unknown>> = { ...accessResponses, ...platformResponses, ...workflowsResponses };

/** Operations `openapi.ts` describes by hand that only a Setup right opens (the others are for every signed-in user). */
export const HAND_WRITTEN_NEEDS: Record<string, SetupRight> = {
  'POST /metadata/changes': 'model',
  'POST /metadata/objects': 'model',
  'PATCH /metadata/objects/{object}': 'model',
  'DELETE /metadata/objects/{object}': 'model',
  'POST /metadata/objects/{object}/fields': 'model',
  'PATCH /metadata/objects/{object}/fields/{field}': 'model',
  'DELETE /metadata/objects/{object}/fields/{field}': 'model',
  'PUT /metadata/layouts/{id}': 'model',
  'DELETE /metadata/layouts/{id}': 'model',
  'POST /metadata/revisions/{revision}/restore': 'model',
  'PATCH /workspace/settings': 'model',
  'PUT /metadata/terms/{key}': 'terms',
  'DELETE /metadata/terms/{key}': 'terms',
  'POST /metadata/term-sets/{id}/apply': 'terms',
};

/** Routes under /api/v1 the tenant document leaves out on purpose, each with why. */
export const UNDOCUMENTED_ROUTES: Record<string, string> = {
  'GET /openapi.json': 'the document itself',
  'POST /tenants': 'the operator’s API (creating workspaces with the operator token), not a workspace’s',
};

/** Everything an operation needs from the document being built. */
export interface RouteDocContext {
  locale: Locale;
  /** Resolves the placeholder grammar in the reader's words. */
  text: (template: string) => string;
  /** Whether the reader may be shown a route of this need. */
  shows: (need: RouteNeed) => boolean;
  /** The API names of the objects the reader may read (routes by object are described once per object). */
  objects: readonly string[];
  /** The shared responses: 401 and 403, and a problem response with a description. */
  common: Record<string, unknown>;
  problem: (description: string) => unknown;
  words: { ok: string; noContent: string; invalid: string; notFound: string };
}

/**
 * The paths and tags of the cataloged routes that ROUTE_DOCS describes, for one reader. Paths the
 * hand-written part of the document already has are left to it.
 */
export function documentedRoutes(routes: readonly CatalogedRoute[], c: RouteDocContext, taken: Readonly<Record<string, unknown>>): { paths: Record<string, Record<string, unknown>>; tags: { name: string; description: string }[] } {
  const paths: Record<string, Record<string, unknown>> = {};
  const used = new Set<RouteTag>();
  for (const route of routes) {
    const described = ROUTE_DOCS[`${route.method} ${route.url}`];
    if (!described || !c.shows(described.need)) continue;
    const byObject = route.url.startsWith('/records/:object/');
    for (const object of byObject ? c.objects : [undefined]) {
      const path = documentPath(route.url, object);
      const method = route.method.toLowerCase();
      if ((taken[path] as Record<string, unknown> | undefined)?.[method] || paths[path]?.[method]) continue;
      used.add(described.tag);
      (paths[path] ??= {})[method] = operation(route, described, c, object);
    }
  }
  const tags = [...used].map((tag) => ({ name: c.text(ROUTE_TAGS[tag].name[c.locale]), description: c.text(ROUTE_TAGS[tag].description[c.locale]) }));
  return { paths, tags };
}

function operation(route: CatalogedRoute, d: RouteDoc, c: RouteDocContext, object: string | undefined): Record<string, unknown> {
  const { params, query, body, response } = prepared(route);
  const path = documentPath(route.url, object);
  const parameters = [
    ...[...path.matchAll(/\{([A-Za-z]+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: params.properties[name!] ?? { type: 'string' } })),
    ...Object.entries(query.properties).map(([name, s]) => ({ name, in: 'query', ...(query.required.has(name) ? { required: true } : {}), schema: s })),
  ];
  const answer = response && (response.templated ? inWords(response.schema, c.text) : response.schema);
  const content = d.text ? { 'text/plain': { schema: { type: 'string' } } } : { 'application/json': { schema: answer ?? {} } };
  const success = d.ok === 204 ? { description: c.words.noContent } : { description: c.words.ok, content };
  const refusals = body || parameters.length ? { 400: c.problem(c.words.invalid), ...(route.method === 'GET' ? {} : { 422: c.problem(c.words.invalid) }) } : {};
  return {
    tags: [c.text(ROUTE_TAGS[d.tag].name[c.locale])],
    summary: c.text(d.summary[c.locale]),
    operationId: object === undefined ? d.id : `${d.id}_${object}`,
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
    ...(d.need === 'link' ? { security: [] } : {}),
    responses: { [d.ok]: success, ...refusals, ...(path.includes('{') ? { 404: c.problem(c.words.notFound) } : {}), ...(d.need === 'link' ? {} : c.common) },
  };
}

interface PreparedRoute {
  params: { properties: Record<string, unknown>; required: Set<string> };
  query: { properties: Record<string, unknown>; required: Set<string> };
  body: unknown;
  /** The documented answer; `templated` when a description names a term and must be put in each workspace's words. */
  response: { schema: unknown; templated: boolean } | undefined;
}

/**
 * What a route's operation takes from its schemas, in plain JSON, made once per route: every
 * document (one per access shape and revision) shares it. Nothing here is changed afterwards.
 */
const preparedRoutes = new WeakMap<CatalogedRoute, PreparedRoute>();
function prepared(route: CatalogedRoute): PreparedRoute {
  let found = preparedRoutes.get(route);
  if (!found) {
    const schema = route.schema ?? {};
    const answer = ROUTE_RESPONSES[`${route.method} ${route.url}`];
    const response = answer === undefined ? undefined : plain(answer);
    found = {
      params: properties(schema.params),
      query: properties(schema.querystring),
      body: plain(schema.body),
      response: response === undefined ? undefined : { schema: response, templated: /"description":"[^"]*\{[A-Za-z]/.test(JSON.stringify(response)) },
    };
    preparedRoutes.set(route, found);
  }
  return found;
}

/** A route schema's properties as plain JSON Schema, with the names it requires. */
function properties(schema: unknown): { properties: Record<string, unknown>; required: Set<string> } {
  const s = plain(schema) as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  return { properties: s?.properties ?? {}, required: new Set(s?.required ?? []) };
}

/** A schema whose descriptions speak the workspace's words (they are templates: `{user}` is its word for users). */
function inWords(schema: unknown, text: (template: string) => string): unknown {
  if (Array.isArray(schema)) return schema.map((item) => inWords(item, text));
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, key === 'description' && typeof value === 'string' ? text(value) : inWords(value, text)]));
}

/** TypeBox schemas carry symbol keys and may share nodes: a copy in plain JSON. */
const plain = (schema: unknown): unknown => (schema === undefined ? undefined : JSON.parse(JSON.stringify(schema)));
