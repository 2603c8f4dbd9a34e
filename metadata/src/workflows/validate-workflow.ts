import type { MetadataError } from '../change/metadata-error.ts';
import { compileMetadataSchema, schemaErrors, type LazyValidator } from '../validate/schema-validator.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { compileConditionExpression, describeExpressionError } from './expression-conditions.ts';
import { conditionSchema, stepCatalog, stepConfigSchema, workflowDefinitionSchema, type Duration, type StepType, type WorkflowCondition, type WorkflowDefinition } from './workflow-schemas.ts';
import { durationMs, MAX_WAIT_MS } from './evaluate.ts';
import { planQuery } from '../query/plan-query.ts';

/** What validation needs to know of the tenant's model: objects and their fields by API name. */
export interface WorkflowModel {
  /** `lookup`: the API name of the object a lookup field points at. */
  fields(objectApiName: string): readonly { apiName: string; type: string; lookup?: string | undefined }[] | undefined;
  /** The model itself, for type-checking expression conditions (without it they are only parsed at run time). */
  snapshot?: Snapshot;
}

/** Steps that name the fields of a record (`values`, or a find's `where`): of their own `object`, else the trigger's. */
const RECORD_STEPS: ReadonlySet<StepType> = new Set(['createRecord', 'updateRecord', 'findRecords']);

const definitionValidator = compileMetadataSchema({ ...workflowDefinitionSchema, $defs: { condition: conditionSchema } });
const stepValidators = new Map<StepType, LazyValidator>(
  Object.keys(stepCatalog).map((type) => [type as StepType, compileMetadataSchema(stepConfigSchema(type as StepType))]),
);

export const workflowLimits = { steps: 200, branchesPerStep: 21 };

/**
 * Every problem of a definition at once, each with its JSON pointer: the document's shape, each
 * step's configuration against its type's schema, then the graph (missing targets, unreachable
 * steps, cycles, branches a type does not have) and, with a model, the objects and fields named.
 */
export function validateWorkflow(definition: unknown, model?: WorkflowModel): MetadataError[] {
  const shape = schemaErrors(definitionValidator, definition, '');
  if (shape.length) return shape;
  const def = definition as WorkflowDefinition;
  const errors: MetadataError[] = [];
  const byId = new Map<string, number>();
  def.steps.forEach((step, i) => {
    if (byId.has(step.id)) errors.push({ path: `/steps/${i}/id`, code: 'duplicate', message: `another step is already called '${step.id}'` });
    byId.set(step.id, i);
  });
  if (!byId.has(def.start)) errors.push({ path: '/start', code: 'unknown_step', message: `no step '${def.start}'` });

  const objectOf = triggerObject(def);
  def.steps.forEach((step, i) => {
    const base = `/steps/${i}`;
    const validator = stepValidators.get(step.type)!;
    const configErrors = schemaErrors(validator, step.config, `${base}/config`);
    errors.push(...(step.type === 'approval' ? approverShapeErrors(configErrors, step.config, base) : configErrors));
    const allowed = allowedBranches(step.type, step.config);
    for (const [branch, target] of Object.entries(step.branches ?? {})) {
      if (!allowed.includes(branch)) errors.push({ path: `${base}/branches/${branch}`, code: 'unknown_branch', message: `a ${step.type} step has no way out called '${branch}' (it has ${allowed.join(', ') || 'none'})` });
      if (!byId.has(target)) errors.push({ path: `${base}/branches/${branch}`, code: 'unknown_step', message: `no step '${target}'` });
    }
    if (step.next !== undefined && !byId.has(step.next)) errors.push({ path: `${base}/next`, code: 'unknown_step', message: `no step '${step.next}'` });
    if (step.type === 'end' && (step.next !== undefined || Object.keys(step.branches ?? {}).length)) errors.push({ path: `${base}/next`, code: 'after_end', message: 'nothing follows an end step' });
    if (step.type === 'loop' && !step.branches?.['each']) errors.push({ path: `${base}/branches/each`, code: 'required', message: 'a loop needs the steps it runs for each item' });
    errors.push(...templateProblems(step.config, `${base}/config`), ...durationProblems(step.config, `${base}/config`));
    if (step.type === 'wait' && errors.length === 0) errors.push(...waitProblems(step.config, base));
    if (step.type === 'approval') errors.push(...approverProblems(step.config, base, objectOf, model));
    // Steps naming an object of their own are checked without a trigger object too (a manual workflow's find).
    const named = (step.config as Record<string, unknown>)['object'];
    const stepObject = objectOf ?? (RECORD_STEPS.has(step.type) && typeof named === 'string' ? named : undefined);
    if (model && stepObject) errors.push(...fieldProblems(step.type, step.config, stepObject, model, base, priorKnown(def)));
  });
  if (model && objectOf && !model.fields(objectOf)) errors.push({ path: '/trigger/object', code: 'unknown_object', message: `no object '${objectOf}'` });
  if (model && objectOf && 'condition' in def.trigger && def.trigger.condition) errors.push(...conditionProblems(def.trigger.condition, objectOf, model, '/trigger/condition', priorKnown(def)));
  errors.push(...objectlessExpressions(def));
  if (model && def.trigger.type === 'relativeTime') {
    const field = model.fields(def.trigger.object)?.find((f) => f.apiName === (def.trigger as { field: string }).field);
    if (!field || !['date', 'datetime'].includes(field.type)) errors.push({ path: '/trigger/field', code: 'invalid', message: 'must be a date or date-time field of the object' });
  }
  if (errors.length) return errors;
  errors.push(...graphProblems(def, byId));
  return errors;
}

/** The object whose record a run carries (record, relative-time, no-activity and manual triggers). */
export function triggerObject(def: WorkflowDefinition): string | undefined {
  return 'object' in def.trigger ? def.trigger.object : undefined;
}

export function allowedBranches(type: StepType, config: Record<string, unknown>): string[] {
  const fixed: string[] = [...stepCatalog[type].branches];
  if (type === 'switch' && Array.isArray(config['cases'])) {
    for (const c of config['cases'] as { name?: unknown }[]) if (typeof c.name === 'string') fixed.push(c.name);
  }
  return fixed;
}

/** A placeholder as `renderTemplate` fills it: a dotted path of names, e.g. `{{record.owner.email}}`. */
const PLACEHOLDER = /\{\{\s*[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*\s*\}\}/g;

/** A duration anywhere in a step (a wait, a timeout, an escalation) of more than MAX_WAIT_MS. */
function durationProblems(value: unknown, path: string): MetadataError[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => durationProblems(item, `${path}/${i}`));
  if (!value || typeof value !== 'object') return [];
  const d = value as { amount?: unknown; unit?: unknown };
  if (typeof d.amount === 'number' && typeof d.unit === 'string' && durationMs(d as Duration) > MAX_WAIT_MS) {
    return [{ path, code: 'limit', message: 'is longer than a run may wait (ten years)' }];
  }
  return Object.entries(value).flatMap(([key, item]) => durationProblems(item, `${path}/${key}`));
}

/** A `{{` that opens no placeholder would be sent as written, at every run: refused when saved. */
function templateProblems(value: unknown, path: string): MetadataError[] {
  if (typeof value === 'string') {
    if (!value.includes('{{') || !value.replace(PLACEHOLDER, '').includes('{{')) return [];
    return [{ path, code: 'template', message: 'has a {{ that opens no placeholder: write {{record.name}}, a path of names between double braces' }];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => templateProblems(item, `${path}/${i}`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => templateProblems(item, `${path}/${key}`));
  return [];
}

function waitProblems(config: Record<string, unknown>, base: string): MetadataError[] {
  const mode = config['mode'];
  const needs: Record<string, string> = { duration: 'duration', until: 'until', condition: 'condition', event: 'event' };
  const key = needs[String(mode)];
  if (key && config[key] === undefined) return [{ path: `${base}/config/${key}`, code: 'required', message: `a wait for ${String(mode)} needs '${key}'` }];
  return [];
}

const approverKinds = (stepCatalog.approval.schema.properties.approvers.items.oneOf as readonly { properties: Record<string, unknown> }[]).map((branch) => ({
  kind: Object.keys(branch.properties)[0]!,
  validator: compileMetadataSchema(branch),
}));

/**
 * An approver entry that fits none of its kinds makes the schema report every kind's complaint
 * (five lines for one slip); it gets one: which kinds there are, or what is wrong with the value
 * of the one it names.
 */
function approverShapeErrors(errors: MetadataError[], config: Record<string, unknown>, base: string): MetadataError[] {
  const approvers = config['approvers'];
  if (!Array.isArray(approvers)) return errors;
  const prefix = `${base}/config/approvers/`;
  const entries = new Set(errors.filter((e) => e.path.startsWith(prefix)).map((e) => Number(e.path.slice(prefix.length).split('/')[0])));
  const out = errors.filter((e) => !e.path.startsWith(prefix));
  for (const i of entries) {
    const entry: unknown = approvers[i];
    const keys = entry && typeof entry === 'object' && !Array.isArray(entry) ? Object.keys(entry) : [];
    const named = approverKinds.filter((k) => keys.includes(k.kind));
    if (named.length === 1 && keys.length === 1) out.push(...schemaErrors(named[0]!.validator, entry, `${prefix}${i}`));
    else {
      const kinds = approverKinds.map((k) => k.kind).join(', ');
      out.push({ path: `${prefix}${i}`, code: 'invalid', message: `an approver names one of ${kinds}${keys.length ? ` (this one has ${keys.join(', ')})` : ''}` });
    }
  }
  return out;
}

/**
 * An approval names its approvers (`approvers`, or the earlier `assignees`); each field an approver
 * reads must be a user field (type owner) of the trigger record, or of the record one of its
 * lookups points at. Profiles and roles are the workspace's access data, checked by the server.
 */
function approverProblems(config: Record<string, unknown>, base: string, objectName: string | undefined, model: WorkflowModel | undefined): MetadataError[] {
  const approvers = config['approvers'];
  if (approvers === undefined && config['assignees'] === undefined) return [{ path: `${base}/config/approvers`, code: 'required', message: 'an approval needs at least one approver' }];
  if (!Array.isArray(approvers)) return [];
  const out: MetadataError[] = [];
  approvers.forEach((entry: unknown, i) => {
    if (!entry || typeof entry !== 'object') return;
    const key = 'field' in entry ? 'field' : 'manager' in entry ? 'manager' : undefined;
    const path = key ? (entry as Record<string, unknown>)[key] : undefined;
    if (!key || typeof path !== 'string') return;
    const at = `${base}/config/approvers/${i}/${key}`;
    if (!objectName) {
      out.push({ path: at, code: 'invalid', message: 'a field approver reads the trigger record; this trigger has none' });
      return;
    }
    const problem = model ? userFieldProblem(model, objectName, path) : undefined;
    if (problem) out.push({ path: at, code: problem.code, message: problem.message });
  });
  return out;
}

function userFieldProblem(model: WorkflowModel, objectName: string, path: string): { code: string; message: string } | undefined {
  const [first, second] = path.split('.') as [string, string | undefined];
  const fields = model.fields(objectName);
  if (!fields) return undefined;
  const field = fields.find((f) => f.apiName === first);
  if (!field) return { code: 'unknown_field', message: `'${objectName}' has no field '${first}'` };
  if (second === undefined) return field.type === 'owner' ? undefined : { code: 'not_user_field', message: `'${first}' is of type ${field.type}, not a user field` };
  if (field.type !== 'lookup' || !field.lookup) return { code: 'not_lookup', message: `'${first}' is of type ${field.type}, not a lookup to another record` };
  const target = model.fields(field.lookup)?.find((f) => f.apiName === second);
  if (!target) return { code: 'unknown_field', message: `'${field.lookup}' has no field '${second}'` };
  return target.type === 'owner' ? undefined : { code: 'not_user_field', message: `'${field.lookup}.${second}' is of type ${target.type}, not a user field` };
}

/** Only a record-updated trigger knows the values before the change (`isChanged`, `priorValue`). */
function priorKnown(def: WorkflowDefinition): boolean {
  return def.trigger.type === 'record' && def.trigger.events.includes('updated');
}

/** Every condition of a definition with its JSON pointer. */
function conditionsOf(def: WorkflowDefinition): { condition: WorkflowCondition; path: string }[] {
  const out: { condition: WorkflowCondition; path: string }[] = [];
  if ('condition' in def.trigger && def.trigger.condition) out.push({ condition: def.trigger.condition, path: '/trigger/condition' });
  def.steps.forEach((step, i) => {
    const config = step.config as Record<string, unknown>;
    if (config['condition'] && typeof config['condition'] === 'object') out.push({ condition: config['condition'] as WorkflowCondition, path: `/steps/${i}/config/condition` });
    if (step.type === 'switch' && Array.isArray(config['cases'])) {
      (config['cases'] as { condition: WorkflowCondition }[]).forEach((c, j) => out.push({ condition: c.condition, path: `/steps/${i}/config/cases/${j}/condition` }));
    }
  });
  return out;
}

function hasExpression(condition: WorkflowCondition): boolean {
  if ('expression' in condition) return true;
  if ('all' in condition) return condition.all.some(hasExpression);
  if ('any' in condition) return condition.any.some(hasExpression);
  if ('not' in condition) return hasExpression(condition.not);
  return false;
}

/** Expressions read a record's fields: a workflow without a trigger object has none to read. */
function objectlessExpressions(def: WorkflowDefinition): MetadataError[] {
  if (triggerObject(def)) return [];
  return conditionsOf(def)
    .filter((c) => hasExpression(c.condition))
    .map((c) => ({ path: c.path, code: 'invalid', message: 'an expression condition reads the trigger record; use a structured condition for a trigger without an object' }));
}

function fieldProblems(type: StepType, config: Record<string, unknown>, triggerObjectName: string, model: WorkflowModel, base: string, prior = false): MetadataError[] {
  const out: MetadataError[] = [];
  if ((type === 'condition' || type === 'wait') && config['condition'] && typeof config['condition'] === 'object') {
    out.push(...conditionProblems(config['condition'] as WorkflowCondition, triggerObjectName, model, `${base}/config/condition`, prior));
  }
  if (type === 'switch') {
    (config['cases'] as { condition: WorkflowCondition }[]).forEach((c, i) => out.push(...conditionProblems(c.condition, triggerObjectName, model, `${base}/config/cases/${i}/condition`, prior)));
  }
  if (RECORD_STEPS.has(type)) {
    const objectName = typeof config['object'] === 'string' && config['object'] ? config['object'] : triggerObjectName;
    const fields = model.fields(objectName);
    if (!fields) return [...out, { path: `${base}/config/object`, code: 'unknown_object', message: `no object '${objectName}'` }];
    const names = new Set(fields.map((f) => f.apiName));
    const values = (config[type === 'findRecords' ? 'where' : 'values'] ?? {}) as Record<string, unknown>;
    for (const name of Object.keys(values)) {
      if (!names.has(name)) out.push({ path: `${base}/config/${type === 'findRecords' ? 'where' : 'values'}/${name}`, code: 'unknown_field', message: `'${objectName}' has no field '${name}'` });
      else if (type === 'findRecords' && model.snapshot) out.push(...whereFieldProblems(model.snapshot, objectName, name, values[name], `${base}/config/where/${name}`));
    }
  }
  return out;
}

/** Paths into `record.` / `previous.` name fields of the trigger's object; each comparison must fit the field's type. */
export function conditionProblems(condition: WorkflowCondition, objectName: string, model: WorkflowModel, path: string, prior = false): MetadataError[] {
  if ('all' in condition) return condition.all.flatMap((c, i) => conditionProblems(c, objectName, model, `${path}/all/${i}`, prior));
  if ('any' in condition) return condition.any.flatMap((c, i) => conditionProblems(c, objectName, model, `${path}/any/${i}`, prior));
  if ('not' in condition) return conditionProblems(condition.not, objectName, model, `${path}/not`, prior);
  if ('expression' in condition) {
    if (!model.snapshot || !model.fields(objectName)) return [];
    const result = compileConditionExpression(model.snapshot, objectName, condition.expression);
    if (!result.ok) {
      return result.errors.map((e) => ({ path: `${path}/expression`, code: 'invalid_expression', message: describeExpressionError(e), position: { start: e.start, end: e.end, line: e.line, column: e.column } }));
    }
    if (result.expression.references.prior && !prior) {
      return [{ path: `${path}/expression`, code: 'invalid_expression', message: 'isChanged(), priorValue() and isNew() need a trigger on record updates, where the values before the change are known' }];
    }
    return [];
  }
  const [root, name] = condition.path.split('.');
  if ((root !== 'record' && root !== 'previous') || !name) return [];
  const fields = model.fields(objectName);
  if (!fields) return [];
  const field = fields.find((f) => f.apiName === name) ?? (['id', 'created_at', 'updated_at', 'owner'].includes(name) ? { apiName: name, type: 'text' } : undefined);
  if (!field) return [{ path: `${path}/path`, code: 'unknown_field', message: `'${objectName}' has no field '${name}'` }];
  const numeric = ['number', 'currency', 'percent'].includes(field.type);
  const value = condition.value;
  if (['gt', 'gte', 'lt', 'lte'].includes(condition.op) && numeric && typeof value !== 'number') {
    return [{ path: `${path}/value`, code: 'type_mismatch', message: `${field.apiName} is a number; compare it with a number` }];
  }
  if (['eq', 'neq', 'changedTo', 'changedFrom'].includes(condition.op) && numeric && value !== null && typeof value !== 'number') {
    return [{ path: `${path}/value`, code: 'type_mismatch', message: `${field.apiName} is a number; compare it with a number` }];
  }
  if (field.type === 'boolean' && ['eq', 'neq', 'changedTo', 'changedFrom'].includes(condition.op) && typeof value !== 'boolean') {
    return [{ path: `${path}/value`, code: 'type_mismatch', message: `${field.apiName} is yes/no; compare it with true or false` }];
  }
  if (['gt', 'gte', 'lt', 'lte'].includes(condition.op) && ['boolean', 'picklist', 'multiPicklist', 'lookup'].includes(field.type)) {
    return [{ path: `${path}/op`, code: 'type_mismatch', message: `${field.apiName} cannot be ordered` }];
  }
  return [];
}

/** Unreachable steps and cycles; a loop's body returns to the loop without being a cycle. */
function graphProblems(def: WorkflowDefinition, byId: Map<string, number>): MetadataError[] {
  const errors: MetadataError[] = [];
  const edges = (stepId: string): string[] => {
    const step = def.steps[byId.get(stepId)!]!;
    return [...(step.next ? [step.next] : []), ...Object.values(step.branches ?? {})];
  };
  const reached = new Set<string>();
  const stack = [def.start];
  while (stack.length) {
    const current = stack.pop()!;
    if (reached.has(current)) continue;
    reached.add(current);
    stack.push(...edges(current));
  }
  def.steps.forEach((step, i) => {
    if (!reached.has(step.id)) errors.push({ path: `/steps/${i}`, code: 'unreachable', message: `no path from the trigger reaches '${step.label ?? step.id}'` });
  });
  const state = new Map<string, 'open' | 'done'>();
  const visit = (stepId: string, trail: string[]): void => {
    if (state.get(stepId) === 'done') return;
    if (state.get(stepId) === 'open') {
      const i = byId.get(stepId)!;
      errors.push({ path: `/steps/${i}`, code: 'cycle', message: `the steps ${[...trail.slice(trail.indexOf(stepId)), stepId].join(' → ')} go round in a circle; use a loop step` });
      return;
    }
    state.set(stepId, 'open');
    for (const next of edges(stepId)) visit(next, [...trail, stepId]);
    state.set(stepId, 'done');
  };
  visit(def.start, []);
  return errors;
}

/**
 * A find step's `where` field must take the comparison the step makes of it (equality, or "is
 * empty" for null), or every run would fail on it: a formula computed on read, for one, cannot be
 * filtered. Values are not checked here: they may be placeholders filled in at run time.
 */
function whereFieldProblems(snapshot: Snapshot, objectName: string, field: string, value: unknown, path: string): MetadataError[] {
  const filter = value === null ? { field, op: 'isNull', value: true } : { field, op: 'eq', value };
  const planned = planQuery(snapshot, objectName, { filter: JSON.stringify(filter) });
  if (planned.ok) return [];
  return planned.errors.filter((e) => e.code === 'operator_not_allowed').map((e) => ({ path, code: 'not_filterable', message: `'${field}' ${e.message}` }));
}
