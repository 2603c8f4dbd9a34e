import { Type, type Static } from '@sinclair/typebox';
import type { ScriptLimits } from '@protean/runtime';
import { validationError, type FieldProblem } from '../errors/problems.ts';
import { isTimeZone, nextOccurrence } from '../jobs/index.ts';
import type { TenantModel } from '../data/tenant-model.ts';
import { tenantSchemaProblems } from '../logic/tenant-schemas.ts';

export const SCRIPT_KINDS = ['beforeSave', 'afterSave', 'action', 'scheduled'] as const;
export type ScriptKind = (typeof SCRIPT_KINDS)[number];
export const BEFORE_SAVE_EVENTS = ['create', 'update'] as const;
export const AFTER_SAVE_EVENTS = ['created', 'updated', 'deleted', 'restored'] as const;

/** The most a script may ask for; what it declares is bounded by these. */
export const LIMIT_CEILINGS: Readonly<ScriptLimits> = Object.freeze({
  memoryMb: 128,
  cpuMs: 2_000,
  wallMs: 30_000,
  queries: 500,
  recordsRead: 20_000,
  recordsWritten: 1_000,
  outboundCalls: 50,
  logBytes: 256 * 1024,
});

const LimitsSchema = Type.Object(
  {
    memoryMb: Type.Optional(Type.Integer({ minimum: 8, maximum: LIMIT_CEILINGS.memoryMb })),
    cpuMs: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMIT_CEILINGS.cpuMs })),
    wallMs: Type.Optional(Type.Integer({ minimum: 10, maximum: LIMIT_CEILINGS.wallMs })),
    queries: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMIT_CEILINGS.queries })),
    recordsRead: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMIT_CEILINGS.recordsRead })),
    recordsWritten: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMIT_CEILINGS.recordsWritten })),
    outboundCalls: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMIT_CEILINGS.outboundCalls })),
    logBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMIT_CEILINGS.logBytes })),
  },
  { additionalProperties: false },
);

const HostPattern = Type.String({ pattern: '^(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$', maxLength: 253 });

/** A script as an admin writes it: what the API accepts on create and on every save (a new version). */
export const ScriptInput = Type.Object(
  {
    apiName: Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }),
    label: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2_000 })),
    kind: Type.Union(SCRIPT_KINDS.map((k) => Type.Literal(k))),
    /** The object a trigger or an action belongs to (API name). */
    object: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    /** Which saves fire a trigger: create/update before save; created/updated/deleted/restored after. */
    events: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 4, uniqueItems: true })),
    /** A scheduled script's cron pattern (five fields, or six with seconds), in `timeZone` or the tenant's. */
    cron: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    language: Type.Union([Type.Literal('typescript'), Type.Literal('javascript')]),
    source: Type.String({ maxLength: 100_000 }),
    /** JSON Schema of the input (an action's parameters: its form is drawn from it). */
    inputSchema: Type.Optional(Type.Object({}, { additionalProperties: true })),
    outputSchema: Type.Optional(Type.Object({}, { additionalProperties: true })),
    /** Hosts ctx.http may reach (`api.example.com`, `*.example.com`). */
    allowedHosts: Type.Optional(Type.Array(HostPattern, { maxItems: 20, uniqueItems: true })),
    limits: Type.Optional(LimitsSchema),
    active: Type.Optional(Type.Boolean()),
    /**
     * The profile of the automation principal the script acts as: its record calls read and write
     * what that profile allows (ADR 0014). A new script without one takes its author's; a later
     * save without one keeps the script's.
     */
    profile: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    /** Says what this version changes (kept with the version). */
    message: Type.Optional(Type.String({ maxLength: 1_000 })),
  },
  { additionalProperties: false },
);
export type ScriptInput = Static<typeof ScriptInput>;

/** What a version stores: the input as accepted, with the object resolved to its immutable id. */
export type ScriptDefinition = Omit<ScriptInput, 'message' | 'profile'> & { objectId?: string };

/**
 * Checks what the schema cannot: the object exists and suits the kind, the events suit the
 * kind, a scheduled script has a valid cron pattern and zone, and the declared schemas are
 * JSON Schemas. Returns every problem at once.
 */
export function checkDefinition(input: ScriptInput, model: TenantModel): { definition: ScriptDefinition; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  // The profile belongs to the script's principal, not to a version: restoring a version keeps it.
  const { message: _message, profile: _profile, ...rest } = input;
  const definition: ScriptDefinition = { ...rest };
  const needsObject = input.kind !== 'scheduled';
  if (needsObject) {
    const object = input.object ? model.object(input.object) : undefined;
    if (!input.object) problems.push({ field: 'object', code: 'required', message: `a ${input.kind} script belongs to an object` });
    else if (!object) problems.push({ field: 'object', code: 'unknown', message: `no object named '${input.object}'` });
    else {
      definition.object = object.apiName;
      definition.objectId = object.id;
    }
  } else if (input.object) problems.push({ field: 'object', code: 'unexpected', message: 'a scheduled script belongs to no object' });
  const allowedEvents: readonly string[] = input.kind === 'beforeSave' ? BEFORE_SAVE_EVENTS : input.kind === 'afterSave' ? AFTER_SAVE_EVENTS : [];
  if (input.kind === 'beforeSave' || input.kind === 'afterSave') {
    const events = input.events ?? [...allowedEvents.slice(0, 2)];
    for (const event of events) if (!allowedEvents.includes(event)) problems.push({ field: 'events', code: 'enum', message: `'${event}' is not one of ${allowedEvents.join(', ')}` });
    if (events.length === 0) problems.push({ field: 'events', code: 'required', message: 'a trigger fires on at least one event' });
    definition.events = events;
  } else if (input.events?.length) problems.push({ field: 'events', code: 'unexpected', message: `a ${input.kind} script fires on no save events` });
  if (input.kind === 'scheduled') {
    if (!input.cron) problems.push({ field: 'cron', code: 'required', message: 'a scheduled script needs a cron pattern' });
    if (input.timeZone && !isTimeZone(input.timeZone)) problems.push({ field: 'timeZone', code: 'enum', message: `'${input.timeZone}' is not an IANA time zone` });
    else if (input.cron) {
      try {
        nextOccurrence(input.cron, input.timeZone ?? 'UTC', new Date());
      } catch (error) {
        const first = (error as { errors?: FieldProblem[] }).errors?.[0];
        problems.push({ field: 'cron', code: 'invalid', message: first?.message ?? 'is not a cron pattern' });
      }
    }
  } else if (input.cron) problems.push({ field: 'cron', code: 'unexpected', message: 'only a scheduled script has a cron pattern' });
  for (const key of ['inputSchema', 'outputSchema'] as const) {
    const schema = input[key];
    if (schema) problems.push(...tenantSchemaProblems(schema, key));
  }
  return { definition, problems };
}

export function invalidScript(problems: FieldProblem[]) {
  return validationError(problems.length === 1 ? `${problems[0]!.field}: ${problems[0]!.message}` : `${problems.length} problems in the script`, problems);
}
