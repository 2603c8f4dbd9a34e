import { Type, type TSchema } from '@sinclair/typebox';
import { uuid, dateTime, nullable } from './shared.ts';
import { indexSlotNames } from '@protean/metadata';


/** Progress of a background job over a tenant's records (a recompute or an index backfill). */
const JobStatus = Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('cancelled')]);

const LogicRecompute = Type.Object({
  object: Type.String({ description: 'API name of the object (its id when the object is gone from the model)' }),
  field: Type.String({ description: 'API name of the formula or roll-up field (its id when the field is gone)' }),
  done: Type.Integer({ description: 'Records recomputed so far' }),
  total: Type.Integer({ description: 'Records to recompute' }),
  status: JobStatus,
  startedAt: dateTime(),
  updatedAt: dateTime(),
});

const IndexBackfill = Type.Object({
  object: Type.String({ description: 'API name of the object (its id when the object is gone from the model)' }),
  field: Type.String({ description: 'API name of the field (its id when the field is gone)' }),
  slot: Type.Union(indexSlotNames.map((slot) => Type.Literal(slot)), { description: 'The index slot being filled' }),
  done: Type.Integer({ description: 'Records copied so far' }),
  total: Type.Integer({ description: 'Records to copy' }),
  status: JobStatus,
  startedAt: dateTime(),
  updatedAt: dateTime(),
});

const ScriptKind = Type.Union([Type.Literal('beforeSave'), Type.Literal('afterSave'), Type.Literal('action'), Type.Literal('scheduled')]);
const ScriptLanguage = Type.Union([Type.Literal('typescript'), Type.Literal('javascript')]);
const ScriptEvent = Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('created'), Type.Literal('updated'), Type.Literal('deleted'), Type.Literal('restored')]);

const ScriptLimits = Type.Object({
  memoryMb: Type.Optional(Type.Integer()),
  cpuMs: Type.Optional(Type.Integer()),
  wallMs: Type.Optional(Type.Integer()),
  queries: Type.Optional(Type.Integer()),
  recordsRead: Type.Optional(Type.Integer()),
  recordsWritten: Type.Optional(Type.Integer()),
  outboundCalls: Type.Optional(Type.Integer()),
  logBytes: Type.Optional(Type.Integer()),
});

/** A script's definition as saved with a version (the input of the save, without its message). */
const scriptDefinition = {
  apiName: Type.String(),
  label: Type.String(),
  description: Type.Optional(Type.String()),
  kind: ScriptKind,
  object: Type.Optional(Type.String({ description: 'API name of the object a trigger or action belongs to' })),
  events: Type.Optional(Type.Array(ScriptEvent, { description: 'The saves a trigger fires on' })),
  cron: Type.Optional(Type.String({ description: "A scheduled script's cron pattern" })),
  timeZone: Type.Optional(Type.String()),
  language: ScriptLanguage,
  source: Type.String(),
  inputSchema: Type.Optional(Type.Object({}, { description: 'JSON Schema of the input (an action’s parameters)' })),
  outputSchema: Type.Optional(Type.Object({}, { description: 'JSON Schema of the result' })),
  allowedHosts: Type.Optional(Type.Array(Type.String(), { description: 'Hosts ctx.http may reach' })),
  limits: Type.Optional(ScriptLimits),
};

/** A script at its live version: the definition with its source, and where it stands. */
const Script = Type.Object({
  ...scriptDefinition,
  id: uuid(),
  profile: nullable(Type.String({ description: 'The profile of the automation principal the script acts as (null: none, it reaches nothing)' })),
  active: Type.Boolean(),
  version: Type.Integer({ description: 'The live version (also sent as ETag)' }),
  hash: Type.String({ description: 'sha256 of the compiled code' }),
  createdAt: dateTime(),
  updatedAt: dateTime(),
});

const scriptVersionSummary = {
  version: Type.Integer(),
  hash: Type.String({ description: 'sha256 of the compiled code' }),
  authorId: nullable(uuid()),
  message: nullable(Type.String()),
  createdAt: dateTime(),
};

const ScriptVersion = Type.Object({
  ...scriptVersionSummary,
  ...scriptDefinition,
  active: Type.Optional(Type.Boolean({ description: 'Whether this version was saved active' })),
  objectId: Type.Optional(Type.String({ description: 'Id of the object the script belongs to' })),
});

const LogEntry = Type.Object({
  at: dateTime(),
  level: Type.Union([Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')]),
  message: Type.String(),
});

const Usage = Type.Object(
  {
    queries: Type.Integer(),
    recordsRead: Type.Integer(),
    recordsWritten: Type.Integer(),
    outboundCalls: Type.Integer(),
    logBytes: Type.Integer(),
  },
  { description: 'What the invocation used of its governor limits' },
);

const ScriptError = Type.Object({
  name: Type.String(),
  message: Type.String(),
  stack: Type.Optional(Type.String({ description: 'Frames of the script point at lines of its source' })),
  limit: Type.Optional(Type.String({ description: 'The limit the invocation hit (memory, cpuTime, wallTime, queries, …)' })),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
});

const InvocationCause = Type.Union([Type.Literal('test'), Type.Literal('action'), Type.Literal('beforeSave'), Type.Literal('afterSave'), Type.Literal('scheduled')]);

const Invocation = Type.Object({
  id: uuid(),
  version: Type.Integer({ description: 'The script version that ran' }),
  startedAt: dateTime(),
  cause: InvocationCause,
  recordId: nullable(uuid()),
  userId: nullable(uuid()),
  profile: nullable(Type.String({ description: 'The profile the script acted as; the entry is shown only to whoever may give it' })),
  durationMs: Type.Number(),
  cpuMs: Type.Number(),
  memoryBytes: Type.Integer(),
  outcome: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('limit')]),
  limit: nullable(Type.String({ description: 'The limit hit, when the outcome is limit' })),
  usage: Usage,
  logs: Type.Array(LogEntry),
  input: Type.Unknown({ description: 'The input as logged (null when none; a large value is replaced by { truncated, chars })' }),
  output: Type.Unknown({ description: 'The result as logged (null when none; a large value is replaced by { truncated, chars })' }),
  error: nullable(ScriptError),
});

const TestRun = Type.Object({
  invocationId: uuid(),
  ok: Type.Boolean(),
  output: Type.Unknown({ description: 'What the script returned (null when nothing or when it failed)' }),
  error: nullable(ScriptError),
  logs: Type.Array(LogEntry),
  durationMs: Type.Number(),
  cpuMs: Type.Number(),
  memoryBytes: Type.Integer(),
  usage: Usage,
});

const CompileProblem = Type.Object({
  line: Type.Integer(),
  column: Type.Integer(),
  message: Type.String(),
  code: Type.String({ description: 'A TypeScript diagnostic (TS2339, …), or import, default or emit' }),
});

const scriptSetting = {
  name: Type.String(),
  secret: Type.Boolean(),
  value: Type.Unknown({ description: 'The setting’s JSON value; null for a secret, which is never read back' }),
};

const GraphQLError = Type.Object({
  message: Type.String(),
  locations: Type.Optional(Type.Array(Type.Object({ line: Type.Integer(), column: Type.Integer() }))),
  path: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Integer()]))),
  extensions: Type.Optional(Type.Object({}, { description: 'Holds code, and for errors of the data service its status and field problems' })),
});

const GraphQLResult = Type.Object(
  {
    data: Type.Optional(Type.Object({}, { description: 'The result of the operation, shaped like its selection' })),
    errors: Type.Optional(Type.Array(GraphQLError, { description: 'Errors of fields that failed; data holds the rest' })),
  },
  { description: 'A GraphQL response. A persisted query the server does not know answers 200 with errors only (PERSISTED_QUERY_NOT_FOUND).' },
);

/** Success bodies of the metadata job, script, script-setting, GraphQL and capture routes, by `METHOD /path`. */
export const platformResponses: Record<string, TSchema> = {
  'GET /metadata/schemas/:kind': Type.Object(
    {
      type: Type.Literal('object'),
      properties: Type.Object({}),
      required: Type.Optional(Type.Array(Type.String())),
      additionalProperties: Type.Optional(Type.Boolean()),
    },
    { description: 'The JSON Schema of the metadata kind' },
  ),
  'GET /metadata/logic-recomputes': Type.Array(LogicRecompute, { description: 'Recomputes of stored formulas and roll-ups, newest first' }),
  'GET /metadata/index-backfills': Type.Array(IndexBackfill, { description: 'Index backfills, newest first' }),

  'GET /scripts': Type.Object({ data: Type.Array(Script) }),
  'POST /scripts': Script,
  'POST /scripts/compile': Type.Object({
    ok: Type.Boolean(),
    errors: Type.Array(CompileProblem, { description: 'Empty when the source compiles' }),
    hash: Type.Optional(Type.String({ description: 'sha256 of the compiled code, when it compiles' })),
  }),
  'GET /scripts/:ref': Script,
  'PUT /scripts/:ref': Script,
  'GET /scripts/:ref/versions': Type.Object({ data: Type.Array(Type.Object(scriptVersionSummary), { description: 'Newest first, at most 200' }) }),
  'GET /scripts/:ref/versions/:version': ScriptVersion,
  'POST /scripts/:ref/versions/:version/restore': Script,
  'GET /scripts/:ref/invocations': Type.Object({
    data: Type.Array(Invocation, { description: 'Newest first' }),
    nextBefore: nullable(Type.String({ format: 'uuid', description: 'Pass as `before` for the next page; null on the last page' })),
  }),
  'GET /scripts/:ref/invocations/:id': Invocation,
  'POST /scripts/:ref/test': TestRun,

  'GET /script-profiles': Type.Array(Type.Object({ key: Type.String(), name: Type.String(), system: Type.Boolean(), grantable: Type.Boolean({ description: 'Whether you may give a script this profile' }) })),
  'GET /script-settings': Type.Object({ data: Type.Array(Type.Object({ ...scriptSetting, updatedAt: dateTime() })) }),
  'PUT /script-settings/:name': Type.Object(scriptSetting),

  'GET /graphql': GraphQLResult,
  'POST /graphql': GraphQLResult,

  'POST /capture/communications': Type.Object(
    {
      customerId: uuid(),
      customerCreated: Type.Boolean(),
      activityId: uuid(),
      duplicate: Type.Boolean({ description: 'True when the externalId was seen before: nothing new is logged and the status is 200' }),
    },
    { description: 'The {customer} and the {activity} the communication was logged on' },
  ),
};
