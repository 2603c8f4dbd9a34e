import { Type, type TSchema } from '@sinclair/typebox';
import { uuid, dateTime, nullable, literals } from './shared.ts';


const TRIGGER_TYPES = ['record', 'schedule', 'relativeTime', 'noActivity', 'manual', 'webhook'] as const;
const RUN_STATUSES = ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled'] as const;

/** A workflow as the API shows it (its webhook secret is never included). */
const Workflow = Type.Object({
  tenantId: uuid(),
  id: uuid(),
  apiName: Type.String(),
  label: Type.String(),
  description: Type.String(),
  status: literals(['active', 'inactive', 'paused']),
  version: Type.Integer({ description: 'The latest saved version' }),
  activeVersion: nullable(Type.Integer({ description: 'The version new runs start on; null until first activated' })),
  triggerType: literals(TRIGGER_TYPES),
  triggerObject: nullable(Type.String({ description: 'The object the trigger watches (its id)' })),
  runAs: uuid('The {user} who last activated the workflow'),
  automationId: nullable(uuid('The automation principal runs act as; null until first activated')),
  pausedReason: nullable(Type.String({ description: 'Why runs that kept failing paused it, in the request’s language' })),
  failureStreak: Type.Integer({ description: 'Failed runs in a row' }),
  createdAt: dateTime(),
  updatedAt: dateTime(),
});

const Position = Type.Object({ x: Type.Number(), y: Type.Number() });

/** A workflow definition document (validated when it was saved). */
const WorkflowDefinition = Type.Object({
  trigger: Type.Object({ type: literals(TRIGGER_TYPES) }, { description: 'What starts a run; its other properties depend on the type' }),
  start: Type.String({ description: 'The id of the first step' }),
  steps: Type.Array(
    Type.Object({
      id: Type.String(),
      type: Type.String(),
      label: Type.Optional(Type.String()),
      config: Type.Record(Type.String(), Type.Unknown()),
      next: Type.Optional(Type.String()),
      branches: Type.Optional(Type.Record(Type.String(), Type.String())),
      retry: Type.Optional(Type.Object({ maxAttempts: Type.Integer(), backoffMs: Type.Integer() })),
      position: Type.Optional(Position),
    }),
  ),
  variables: Type.Optional(Type.Array(Type.Object({ name: Type.String(), type: literals(['text', 'number', 'boolean', 'date', 'datetime', 'list', 'json']), default: Type.Optional(Type.Unknown()) }))),
  triggerPosition: Type.Optional(Position),
});

/** What a waiting run waits for. */
const RunWait = Type.Object({
  seq: Type.Integer(),
  stepId: Type.String(),
  mode: literals(['duration', 'until', 'condition', 'event', 'approval']),
  at: Type.Optional(dateTime()),
  timeoutAt: Type.Optional(dateTime()),
  event: Type.Optional(Type.String()),
  approvalId: Type.Optional(uuid()),
});

/** What a run's or a step's error was made of, in the request's language (null for errors stored before it was kept). */
const ErrorDetail = nullable(
  Type.Object({
    message: Type.String({ description: 'The problem, as `error` begins' }),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), { description: 'Each field the problem names, with its message' })),
  }),
);

/** A run without its working state. */
const runProperties = {
  tenantId: uuid(),
  id: uuid(),
  workflowId: uuid(),
  version: Type.Integer({ description: 'The workflow version the run started on' }),
  status: literals(RUN_STATUSES),
  recordObject: nullable(Type.String()),
  recordId: nullable(uuid()),
  cursor: nullable(Type.String({ description: 'The id of the step to run next' })),
  seq: Type.Integer(),
  wait: nullable(RunWait),
  error: nullable(Type.String({ description: 'Why the run failed, in the request’s language' })),
  errorDetail: ErrorDetail,
  failedStep: nullable(Type.String()),
  test: Type.Boolean(),
  actedAs: nullable(
    Type.Object(
      { id: uuid(), name: Type.String(), kind: Type.Literal('automation'), profile: Type.String() },
      { description: 'The principal the run acted as, as it was when the run started; null before it started' },
    ),
  ),
  startedAt: dateTime(),
  updatedAt: dateTime(),
  finishedAt: nullable(dateTime()),
};
const RunSummary = Type.Object(runProperties);

const RunStep = Type.Object({
  seq: Type.Integer(),
  stepId: Type.String(),
  type: Type.String(),
  status: literals(['running', 'waiting', 'completed', 'failed']),
  attempt: Type.Integer(),
  input: Type.Unknown(),
  output: Type.Unknown(),
  error: nullable(Type.String({ description: 'Why the step failed, in the request’s language' })),
  errorDetail: ErrorDetail,
  idempotencyKey: Type.String(),
  startedAt: dateTime(),
  finishedAt: nullable(dateTime()),
  durationMs: nullable(Type.Number()),
});

const RunDetail = Type.Object({
  ...runProperties,
  scope: Type.Object(
    {
      record: Type.Optional(nullable(Type.Record(Type.String(), Type.Unknown()))),
      previous: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      input: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      trigger: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      vars: Type.Record(Type.String(), Type.Unknown()),
      steps: Type.Record(Type.String(), Type.Unknown(), { description: 'Each completed step’s output, by step id' }),
      loops: Type.Array(Type.Object({ stepId: Type.String(), items: Type.Array(Type.Unknown()), index: Type.Integer() })),
    },
    { description: 'What the run carries from step to step' },
  ),
  steps: Type.Array(RunStep, { description: 'The step executions, in order' }),
});

const RunStarted = Type.Object({ runId: uuid() });

const WorkflowSettings = Type.Object({
  maxConcurrentRuns: Type.Integer(),
  maxStepsPerRun: Type.Integer(),
  maxLoopItems: Type.Integer(),
  pauseAfterFailures: Type.Integer(),
});

const Approval = Type.Object({
  id: uuid(),
  runId: uuid(),
  message: Type.String(),
  status: literals(['pending', 'approved', 'rejected', 'cancelled']),
  assignees: Type.Array(uuid(), { description: 'The approvers: the {user:plural} named to decide' }),
  escalated: Type.Boolean(),
  requestedBy: nullable(uuid('The {user} whose change or hand start asked for it; none for a schedule or a webhook')),
  selfApproval: Type.Boolean({ description: 'Whether its step lets the requester decide it when they are its one approver' }),
  mayDecide: Type.Boolean({ description: 'Whether you may decide it now: an approver or an administrator, not your own request, not one you already approved' }),
  decisionMode: literals(['first', 'unanimous'], 'first: the first response decides; unanimous: every approver must approve, and one rejection rejects'),
  approvers: Type.Array(
    Type.Object({
      approver: Type.Record(Type.String(), Type.String(), { description: "The step's approver definition: { user }, { profile }, { role }, { field } or { manager }" }),
      users: Type.Array(uuid(), { description: 'The active {user:plural} it named when the step started' }),
      nobody: Type.Optional(Type.String({ description: 'Why it named none' })),
    }),
    { description: 'What each approver definition of the step resolved to when it started (empty for requests made before)' },
  ),
  decisions: Type.Array(
    Type.Object({ userId: uuid(), name: nullable(Type.String()), decision: nullable(literals(['approved', 'rejected'])), comment: nullable(Type.String()), decidedAt: nullable(dateTime()) }),
    { description: 'Each approver (and an administrator who decided) with their decision, none while awaited' },
  ),
  progress: nullable(
    Type.Object(
      { required: Type.Integer({ description: 'How many approvals it needs' }), waitingFor: Type.Array(uuid(), { description: 'The approvers who have not approved yet' }) },
      { description: 'For a request every approver decides; null for one the first response decides' },
    ),
  ),
  createdAt: dateTime(),
  decidedAt: nullable(dateTime()),
  decidedBy: nullable(uuid()),
  workflow: Type.String({ description: 'The label of the workflow that asks' }),
});

const Notification = Type.Object({
  id: uuid(),
  message: Type.String(),
  link: nullable(
    Type.Object(
      { object: Type.Optional(nullable(Type.String())), recordId: Type.Optional(uuid()), approvalId: Type.Optional(uuid()), workflowId: Type.Optional(uuid()) },
      { description: 'What the notification is about: a record, an approval or a workflow' },
    ),
  ),
  source: Type.String({ description: 'Where it came from, e.g. workflow:<id>' }),
  readAt: nullable(dateTime()),
  createdAt: dateTime(),
});

/** Success bodies of the workflow, approval and notification routes, by `METHOD /path` below /api/v1. */
export const workflowsResponses: Record<string, TSchema> = {
  'GET /workflows': Type.Object({ workflows: Type.Array(Workflow) }),
  'POST /workflows': Workflow,
  'GET /workflows/:id': Type.Object({
    ...Workflow.properties,
    definition: WorkflowDefinition,
    shownVersion: Type.Integer({ description: 'The version whose definition is shown' }),
  }),
  'PATCH /workflows/:id': Workflow,
  'POST /workflows/:id/activate': Workflow,
  'POST /workflows/:id/deactivate': Workflow,
  'GET /workflows/:id/versions': Type.Object({
    versions: Type.Array(
      Type.Object({ version: Type.Integer(), label: Type.String(), authorId: nullable(uuid()), message: Type.String(), createdAt: dateTime() }),
      { description: 'Newest first' },
    ),
  }),
  'GET /workflows/:id/webhook': Type.Object({
    url: Type.String({ description: 'The path to POST to' }),
    secret: Type.String(),
    signature: Type.String({ description: 'How to sign a request (X-Protean-Signature)' }),
  }),
  'POST /workflows/:id/runs': RunStarted,
  'GET /workflows/:id/runs': Type.Object({ runs: Type.Array(RunSummary, { description: 'Newest first' }) }),
  'GET /workflows/:id/run-counts': Type.Object({
    counts: Type.Object(Object.fromEntries(RUN_STATUSES.map((s) => [s, Type.Optional(Type.Integer())])), { description: 'Runs per status; a status with none is absent' }),
  }),
  'GET /workflow-runs/:runId': RunDetail,
  'POST /workflow-runs/:runId/retry': Type.Object({ retried: Type.Literal(true) }),
  'POST /workflow-runs/:runId/cancel': Type.Object({ cancelled: Type.Literal(true) }),
  'POST /workflow-events': Type.Object({ woken: Type.Integer({ description: 'How many waiting runs the signal woke' }) }),
  'POST /workflow-templates/:name/install': Type.Object({ installed: Type.Array(Type.String(), { description: 'The API names of the workflows installed (those already there are skipped)' }) }),
  'GET /workflow-settings': WorkflowSettings,
  'PATCH /workflow-settings': WorkflowSettings,
  'GET /workflow-buttons': Type.Object({
    buttons: Type.Array(
      Type.Object({
        apiName: Type.String(),
        label: Type.String(),
        description: Type.String(),
        inputSchema: nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'The JSON Schema of the input form' })),
        writes: Type.Boolean({ description: 'Whether a run may change records' }),
      }),
    ),
  }),
  'POST /hooks/:tenant/workflows/:apiName': RunStarted,
  'GET /workflow-approvals': Type.Object({ approvals: Type.Array(Approval) }),
  'POST /workflow-approvals/:id/decision': Type.Object({
    decided: literals(['approved', 'rejected']),
    status: literals(['pending', 'approved', 'rejected'], 'The request now: pending while a request every approver decides waits for others'),
    waitingFor: Type.Array(uuid(), { description: 'The approvers it still waits for' }),
  }),
  'GET /workflow-approver-choices': Type.Object({
    profiles: Type.Array(Type.Object({ key: Type.String(), name: Type.String() })),
    roles: Type.Array(Type.Object({ id: uuid(), name: Type.String(), parentId: nullable(uuid()) }), { description: 'From the top of the hierarchy down' }),
  }),
  'POST /workflow-approvals/:id/reassign': Type.Object({ assignees: Type.Array(uuid(), { description: 'The approvers now' }) }),
  'GET /notifications': Type.Object({ notifications: Type.Array(Notification, { description: 'Newest first' }) }),
  'POST /notifications/:id/read': Type.Object({ read: Type.Literal(true) }),
};
