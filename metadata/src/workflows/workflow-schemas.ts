/*
 * Workflow definitions: JSON documents, each part described by a JSON Schema. The step catalog
 * holds, per step type, the schema of its configuration (what the studio renders with rjsf and
 * the server validates with ajv) and the branches it may leave by.
 */

export type WorkflowCondition =
  | { all: WorkflowCondition[] }
  | { any: WorkflowCondition[] }
  | { not: WorkflowCondition }
  | { path: string; op: ConditionOp; value?: unknown }
  /** The expression language (ADR 0013) over the trigger object's fields, e.g. `status == 'contacted' && amount > 10000`. */
  | { expression: string };

export const conditionOps = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'in', 'isEmpty', 'isNotEmpty', 'changed', 'changedTo', 'changedFrom'] as const;
export type ConditionOp = (typeof conditionOps)[number];

export type DurationUnit = 'seconds' | 'minutes' | 'hours' | 'days' | 'weeks';
export interface Duration {
  amount: number;
  unit: DurationUnit;
}

export type WorkflowTrigger =
  | { type: 'record'; object: string; events: ('created' | 'updated' | 'deleted')[]; condition?: WorkflowCondition }
  | { type: 'schedule'; cron: string; timeZone?: string }
  | { type: 'relativeTime'; object: string; field: string; offset: Duration; direction: 'before' | 'after'; condition?: WorkflowCondition }
  | { type: 'noActivity'; object: string; days: number; condition?: WorkflowCondition }
  | { type: 'manual'; object?: string; inputSchema?: Record<string, unknown> }
  | { type: 'webhook' };

export type TriggerType = WorkflowTrigger['type'];

export interface WorkflowStep {
  id: string;
  type: StepType;
  label?: string;
  config: Record<string, unknown>;
  /** The step after this one (steps with a single way out). */
  next?: string;
  /** Named ways out (condition: true/false; switch: each case and default; approval: approved/rejected; wait: done/timeout; loop: each). */
  branches?: Record<string, string>;
  retry?: { maxAttempts: number; backoffMs: number };
  /** Where the studio draws it; ignored by the engine. */
  position?: { x: number; y: number };
}

export interface WorkflowVariable {
  name: string;
  type: 'text' | 'number' | 'boolean' | 'date' | 'datetime' | 'list' | 'json';
  default?: unknown;
}

export interface WorkflowDefinition {
  trigger: WorkflowTrigger;
  /** The first step. */
  start: string;
  steps: WorkflowStep[];
  variables?: WorkflowVariable[];
  /** Where the studio draws the trigger; ignored by the engine. */
  triggerPosition?: { x: number; y: number };
}

const id = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' } as const;
const template = { type: 'string', maxLength: 10_000 } as const;
const durationSchema = {
  type: 'object',
  required: ['amount', 'unit'],
  additionalProperties: false,
  properties: {
    amount: { type: 'number', minimum: 0, maximum: 1_000_000, title: 'Amount' },
    unit: { type: 'string', enum: ['seconds', 'minutes', 'hours', 'days', 'weeks'], title: 'Unit' },
  },
} as const;

/** A path to a user field of the trigger record (`owner`), or of the record one of its lookups points at (`organization.owner`). */
const userFieldPath = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}(\\.[a-z][a-z0-9_]{0,62})?$' } as const;

/** Who an approval step asks, one entry each (ADR 0015, "Approvers by profile, role, field or manager"). */
export type ApproverDefinition = { user: string } | { profile: string } | { role: string } | { field: string } | { manager: string };

const approverSchemas = [
  { title: 'A user', type: 'object', required: ['user'], additionalProperties: false, properties: { user: { ...template, minLength: 1, title: 'User', description: 'A user id (templates allowed)' } } },
  {
    title: 'Everyone with a profile',
    type: 'object',
    required: ['profile'],
    additionalProperties: false,
    properties: { profile: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$', title: 'Profile', description: 'The key of a profile (Setup › Access)' } },
  },
  {
    title: 'Everyone in a role',
    type: 'object',
    required: ['role'],
    additionalProperties: false,
    properties: { role: { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', title: 'Role', description: 'The id of a role (Setup › Access)' } },
  },
  {
    title: 'The user in a field of the record',
    type: 'object',
    required: ['field'],
    additionalProperties: false,
    properties: { field: { ...userFieldPath, title: 'Field', description: 'A user field of the record (owner), or of a record it looks up (organization.owner)' } },
  },
  {
    title: 'The manager of the user in a field',
    type: 'object',
    required: ['manager'],
    additionalProperties: false,
    properties: { manager: { ...userFieldPath, default: 'owner', title: 'Manager of', description: 'Whoever holds the role above that user’s role (owner: the record owner’s manager)' } },
  },
];

export const conditionSchema = {
  title: 'Condition',
  oneOf: [
    // Each kind has a title: the form offers them by it (a form without one says 'option 4').
    { title: 'All of these', type: 'object', required: ['all'], additionalProperties: false, properties: { all: { type: 'array', maxItems: 50, items: { $ref: '#/$defs/condition' }, title: 'Conditions' } } },
    { title: 'Any of these', type: 'object', required: ['any'], additionalProperties: false, properties: { any: { type: 'array', maxItems: 50, items: { $ref: '#/$defs/condition' }, title: 'Conditions' } } },
    { title: 'Not this', type: 'object', required: ['not'], additionalProperties: false, properties: { not: { $ref: '#/$defs/condition' } } },
    { title: 'An expression', type: 'object', required: ['expression'], additionalProperties: false, properties: { expression: { type: 'string', minLength: 1, maxLength: 4000, title: 'Expression' } } },
    {
      title: 'A value compared',
      type: 'object',
      required: ['path', 'op'],
      additionalProperties: false,
      properties: {
        path: { type: 'string', pattern: '^(record|previous|vars|input|trigger|steps)(\\.[A-Za-z0-9_]+)*$', title: 'Value of' },
        op: { type: 'string', enum: [...conditionOps], title: 'Operator' },
        value: { title: 'Compared with' },
      },
    },
  ],
} as const;

const valuesSchema = { type: 'object', title: 'Values', description: 'API names of fields and the values (templates allowed)', maxProperties: 200, additionalProperties: true } as const;

/** Per step type: its configuration's JSON Schema, its branches, and whether it reaches outside the database. */
export const stepCatalog = {
  condition: {
    branches: ['true', 'false'],
    external: false,
    schema: { type: 'object', required: ['condition'], additionalProperties: false, properties: { condition: { $ref: '#/$defs/condition' } } },
  },
  switch: {
    branches: ['default'],
    external: false,
    schema: {
      type: 'object',
      required: ['cases'],
      additionalProperties: false,
      properties: {
        cases: {
          type: 'array',
          minItems: 1,
          maxItems: 20,
          title: 'Cases',
          items: { type: 'object', required: ['name', 'condition'], additionalProperties: false, properties: { name: { ...id, title: 'Branch name' }, condition: { $ref: '#/$defs/condition' } } },
        },
      },
    },
  },
  createRecord: {
    branches: [],
    external: false,
    schema: { type: 'object', required: ['object', 'values'], additionalProperties: false, properties: { object: { type: 'string', title: 'Object' }, values: valuesSchema } },
  },
  updateRecord: {
    branches: [],
    external: false,
    schema: {
      type: 'object',
      required: ['values'],
      additionalProperties: false,
      properties: {
        object: { type: 'string', title: 'Object', description: 'The trigger record’s object when empty' },
        recordId: { ...template, title: 'Record id', description: 'The trigger record when empty' },
        values: valuesSchema,
      },
    },
  },
  findRecords: {
    branches: [],
    external: false,
    schema: {
      type: 'object',
      required: ['object'],
      additionalProperties: false,
      properties: {
        object: { type: 'string', title: 'Object' },
        id: { ...template, title: 'Record id', description: 'Only the record with this id (templates allowed)' },
        where: { type: 'object', title: 'Field equals', maxProperties: 20, additionalProperties: true },
        limit: { type: 'integer', minimum: 1, maximum: 200, default: 20, title: 'At most' },
      },
    },
  },
  createTask: {
    branches: [],
    external: false,
    schema: {
      type: 'object',
      required: ['subject'],
      additionalProperties: false,
      properties: {
        subject: { ...template, minLength: 1, title: 'Subject' },
        dueInDays: { type: 'integer', minimum: 0, maximum: 3650, title: 'Due in (days)' },
        assignee: { ...template, title: 'Assignee', description: 'A user id; the record’s owner when empty' },
        priority: { type: 'string', enum: ['low', 'normal', 'high'], title: 'Priority' },
        description: { ...template, title: 'Description' },
      },
    },
  },
  sendEmail: {
    branches: [],
    external: true,
    schema: {
      type: 'object',
      required: ['to', 'subject', 'body'],
      additionalProperties: false,
      properties: {
        to: { ...template, minLength: 1, title: 'To' },
        subject: { ...template, minLength: 1, title: 'Subject' },
        body: { ...template, minLength: 1, title: 'Body' },
      },
    },
  },
  notify: {
    branches: [],
    external: false,
    schema: {
      type: 'object',
      required: ['message'],
      additionalProperties: false,
      properties: {
        user: { ...template, title: 'User', description: 'A user id; the record’s owner when empty' },
        message: { ...template, minLength: 1, title: 'Message' },
      },
    },
  },
  wait: {
    branches: ['done', 'timeout'],
    external: false,
    schema: {
      type: 'object',
      required: ['mode'],
      additionalProperties: false,
      properties: {
        mode: { type: 'string', enum: ['duration', 'until', 'condition', 'event'], title: 'Wait for' },
        duration: { ...durationSchema, title: 'Duration' },
        until: { ...template, title: 'Until (date and time)' },
        condition: { $ref: '#/$defs/condition' },
        event: { type: 'string', pattern: '^[a-z][a-z0-9_.]{0,62}$', title: 'Event name' },
        timeout: { ...durationSchema, title: 'Give up after' },
      },
    },
  },
  approval: {
    branches: ['approved', 'rejected'],
    external: false,
    schema: {
      type: 'object',
      required: ['message'],
      additionalProperties: false,
      properties: {
        approvers: {
          type: 'array',
          minItems: 1,
          maxItems: 20,
          title: 'Approvers',
          description: 'Who decides, resolved to users when the step starts and kept with the request',
          items: { title: 'Approver', oneOf: approverSchemas },
        },
        decision: {
          type: 'string',
          title: 'Decided by',
          oneOf: [
            { const: 'first', title: 'The first response' },
            { const: 'unanimous', title: 'Every approver (one rejection rejects)' },
          ],
        },
        assignees: { type: 'array', minItems: 1, maxItems: 20, items: template, title: 'Approvers (user ids)', description: 'User ids or templates that render to them; the earlier form of a user approver' },
        message: { ...template, minLength: 1, title: 'Request' },
        escalateAfter: { ...durationSchema, title: 'Escalate after' },
        escalateTo: { ...template, title: 'Escalate to' },
        allowSelfApproval: {
          type: 'boolean',
          title: 'Self-approval',
          description: 'The user whose change or start asked for the approval may decide it when they are its only approver',
        },
      },
    },
  },
  script: {
    branches: [],
    external: true,
    schema: {
      type: 'object',
      required: ['script'],
      additionalProperties: false,
      properties: {
        script: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$', title: 'Script', description: 'The API name of an active script (Setup › Scripts)' },
        input: { type: 'object', title: 'Input', description: 'Given to the script (templates allowed)', maxProperties: 100, additionalProperties: true },
      },
    },
  },
  http: {
    branches: [],
    external: true,
    schema: {
      type: 'object',
      required: ['method', 'url'],
      additionalProperties: false,
      properties: {
        method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], title: 'Method' },
        url: { ...template, minLength: 1, title: 'URL' },
        headers: { type: 'object', maxProperties: 30, additionalProperties: { type: 'string', maxLength: 2000 }, title: 'Headers' },
        body: { ...template, title: 'Body' },
        timeoutMs: { type: 'integer', minimum: 100, maximum: 30_000, title: 'Time limit (ms)' },
      },
    },
  },
  loop: {
    branches: ['each'],
    external: false,
    schema: {
      type: 'object',
      required: ['over', 'max'],
      additionalProperties: false,
      properties: {
        over: { type: 'string', pattern: '^(record|vars|input|steps)(\\.[A-Za-z0-9_]+)*$', title: 'List' },
        as: { ...id, title: 'Item variable' },
        max: { type: 'integer', minimum: 1, maximum: 1000, title: 'At most (items)' },
      },
    },
  },
  setVariable: {
    branches: [],
    external: false,
    schema: { type: 'object', required: ['name', 'value'], additionalProperties: false, properties: { name: { ...id, title: 'Variable' }, value: { title: 'Value' } } },
  },
  end: {
    branches: [],
    external: false,
    schema: { type: 'object', additionalProperties: false, properties: { outcome: { type: 'string', maxLength: 200, title: 'Outcome' } } },
  },
} as const satisfies Record<string, { branches: readonly string[]; external: boolean; schema: Record<string, unknown> }>;

export type StepType = keyof typeof stepCatalog;
export const stepTypes = Object.keys(stepCatalog) as StepType[];

export const triggerSchema = {
  title: 'Trigger',
  oneOf: [
    {
      type: 'object',
      required: ['type', 'object', 'events'],
      additionalProperties: false,
      properties: {
        type: { const: 'record' },
        object: { type: 'string', title: 'Object' },
        events: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: ['created', 'updated', 'deleted'] }, title: 'When a record is' },
        condition: { $ref: '#/$defs/condition' },
      },
    },
    { type: 'object', required: ['type', 'cron'], additionalProperties: false, properties: { type: { const: 'schedule' }, cron: { type: 'string', minLength: 9, maxLength: 100, title: 'Cron' }, timeZone: { type: 'string', maxLength: 64, title: 'Time zone' } } },
    {
      type: 'object',
      required: ['type', 'object', 'field', 'offset', 'direction'],
      additionalProperties: false,
      properties: {
        type: { const: 'relativeTime' },
        object: { type: 'string', title: 'Object' },
        field: { type: 'string', title: 'Date field' },
        offset: { ...durationSchema, title: 'Offset' },
        direction: { type: 'string', enum: ['before', 'after'], title: 'Before or after' },
        condition: { $ref: '#/$defs/condition' },
      },
    },
    {
      type: 'object',
      required: ['type', 'object', 'days'],
      additionalProperties: false,
      properties: {
        type: { const: 'noActivity' },
        object: { type: 'string', title: 'Object' },
        days: { type: 'number', exclusiveMinimum: 0, maximum: 3650, title: 'Days without activity' },
        condition: { $ref: '#/$defs/condition' },
      },
    },
    { type: 'object', required: ['type'], additionalProperties: false, properties: { type: { const: 'manual' }, object: { type: 'string', title: 'Object' }, inputSchema: { type: 'object', title: 'Input form (JSON Schema)' } } },
    { type: 'object', required: ['type'], additionalProperties: false, properties: { type: { const: 'webhook' } } },
  ],
} as const;

export const workflowDefinitionSchema = {
  type: 'object',
  required: ['trigger', 'start', 'steps'],
  additionalProperties: false,
  properties: {
    trigger: triggerSchema,
    start: id,
    steps: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      items: {
        type: 'object',
        required: ['id', 'type', 'config'],
        additionalProperties: false,
        properties: {
          id,
          type: { type: 'string', enum: stepTypes },
          label: { type: 'string', maxLength: 200 },
          config: { type: 'object' },
          next: id,
          branches: { type: 'object', maxProperties: 21, additionalProperties: id },
          retry: {
            type: 'object',
            required: ['maxAttempts', 'backoffMs'],
            additionalProperties: false,
            properties: { maxAttempts: { type: 'integer', minimum: 1, maximum: 20 }, backoffMs: { type: 'integer', minimum: 0, maximum: 86_400_000 } },
          },
          position: { type: 'object', required: ['x', 'y'], additionalProperties: false, properties: { x: { type: 'number' }, y: { type: 'number' } } },
        },
      },
    },
    variables: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        required: ['name', 'type'],
        additionalProperties: false,
        properties: { name: id, type: { type: 'string', enum: ['text', 'number', 'boolean', 'date', 'datetime', 'list', 'json'] }, default: {} },
      },
    },
    triggerPosition: { type: 'object', required: ['x', 'y'], additionalProperties: false, properties: { x: { type: 'number' }, y: { type: 'number' } } },
  },
} as const;

/** A step type's configuration schema as one document (with the condition definition it refers to), for ajv and rjsf. */
export function stepConfigSchema(type: StepType): Record<string, unknown> {
  return { ...stepCatalog[type].schema, $defs: { condition: conditionSchema } };
}
