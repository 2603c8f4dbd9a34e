import { ExpressionEvaluationError, effectiveMaxLength, toStoredValue, type EvaluationInput, type FieldDef, type ObjectDef } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';
import type { FieldProblem } from '../errors/problems.ts';
import type { TenantModel } from '../data/tenant-model.ts';
import type { NamedHook, RecordDraft, SaveEvent } from '../data/save-hooks.ts';
import { compileObjectLogic, type ObjectLogic } from './object-logic.ts';
import { updateRollups } from './rollups.ts';
import type { TenantZones } from './tenant-zones.ts';

// The last model each object definition was compiled for: a list asks once or twice a row, and
// the model's memo builds and hashes a key string each time.
const lastCompiled = new WeakMap<ObjectDef, { model: TenantModel; logic: ObjectLogic }>();

export function objectLogic(model: TenantModel, object: ObjectDef): ObjectLogic {
  const last = lastCompiled.get(object);
  if (last?.model === model) return last.logic;
  const logic = model.memo(`logic:${object.id}`, () => compileObjectLogic(model.snapshot, object));
  lastCompiled.set(object, { model, logic });
  return logic;
}

/** Where a run-time evaluation failure is reported (the record and the rule); the write is never left half-done. */
export type LogicReporter = (report: { tenantId: string; objectId: string; recordId: string; rule: string; error: string }) => void;

const empty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/**
 * The save pipeline's declarative logic (ADR 0013), one beforeSave hook in this order:
 * default expressions (create) → stored formulas → dependent picklists → layout rules (require,
 * read-only) → validation rules. Every problem is answered at once with the pipeline's own.
 * Roll-ups are an afterWrite hook: the parents are recomputed in the child's transaction.
 */
export function logicHooks(zones: TenantZones, report: LogicReporter): { beforeSave: NamedHook<(event: SaveEvent) => Promise<FieldProblem[] | void>>; afterWrite: NamedHook<(event: SaveEvent) => Promise<void>> } {
  return {
    beforeSave: {
      name: 'declarative-logic',
      // Unknown until a save with this model marked its objects: then the transactional path, which marks them.
      appliesTo: (object, action) => action !== 'delete' && action !== 'restore' && (beforeSaveMarks.get(object) ?? true),
      // It reads (the tenant's time zone, related records) and computes: a create need not open a transaction for it.
      outsideTransaction: (object, action) => action === 'create' && beforeSaveMarks.has(object),
      run: async (event) => {
        markLogic(event.scope.model);
        if (event.action === 'delete' || event.action === 'restore') return;
        const logic = objectLogic(event.scope.model, event.object);
        if (!logic.any) return;
        const timeZone = await zones.of(event.scope.tx, event.ctx.principal.tenantId);
        const related = await loadRelated(event.scope.tx, event.ctx.principal.tenantId, event.records, logic.relatedLookups);
        // The principal carries the user's id and name; the email is read only when an expression uses `user`.
        const email = logic.readsUser ? await emailOf(event.scope.tx, event.ctx.principal.tenantId, event.ctx.principal.userId) : undefined;
        const problems: FieldProblem[] = [];
        for (const draft of event.records) problems.push(...runRecordLogic(event, logic, draft, timeZone, related, email, report));
        return problems;
      },
    },
    afterWrite: {
      name: 'rollups',
      appliesTo: (object) => rollupMarks.get(object) ?? true,
      run: async (event) => {
        const model = event.scope.model;
        markLogic(model);
        const logic = objectLogic(model, event.object);
        if (logic.rollupsOver.length) await updateRollups(event, logic.rollupsOver);
        if (event.action !== 'delete') return;
        // Children a delete cascaded to left their roll-ups through no save of their own: the rows this
        // transaction deleted (deleted_at is the transaction's time) are taken out of them here.
        for (const child of cascadeRollupChildren(model, event.object)) {
          const rows = await event.scope.tx.query<{ id: string; data: Record<string, unknown> }>(
            'select id, data from record where tenant_id = $1 and object_id = $2 and deleted_at = now() and deleted_by = $3',
            [event.ctx.principal.tenantId, child.id, event.ctx.principal.userId],
          );
          if (rows.length) await updateRollups({ ...event, object: child, records: rows.map((r) => ({ id: r.id, data: r.data })) }, objectLogic(model, child).rollupsOver);
        }
      },
    },
  };
}

// appliesTo sees only the object, not its model (layouts and roll-ups live elsewhere in the snapshot):
// a model's objects are marked once when a save first uses it. Objects are immutable per revision.
const beforeSaveMarks = new WeakMap<ObjectDef, boolean>();
const rollupMarks = new WeakMap<ObjectDef, boolean>();

/** Records which objects carry logic in a model; called when a model is first used for a save. */
export function markLogic(model: TenantModel): void {
  for (const object of model.snapshot.objects) {
    if (beforeSaveMarks.has(object)) continue;
    const logic = objectLogic(model, object);
    beforeSaveMarks.set(object, logic.defaults.length + logic.storedFormulas.length + logic.rules.length + logic.layoutRules.length + logic.dependentPicklists.length > 0);
    rollupMarks.set(object, logic.rollupsOver.length > 0 || cascadeRollupChildren(model, object).length > 0);
  }
}

/** Objects whose records a delete of `object` cascades to (through cascade lookups, any depth) that roll-ups summarise. */
function cascadeRollupChildren(model: TenantModel, object: ObjectDef): ObjectDef[] {
  return model.memo(`cascade-rollups:${object.id}`, () => {
    const seen = new Set<string>([object.id]);
    const found: ObjectDef[] = [];
    const walk = (target: ObjectDef) => {
      for (const { object: source, field } of model.referencesTo(target)) {
        if (field.lookup?.onDelete !== 'cascade' || seen.has(source.id)) continue;
        seen.add(source.id);
        if (objectLogic(model, source).rollupsOver.length) found.push(source);
        walk(source);
      }
    };
    walk(object);
    return found;
  });
}

type Related = Map<string, Record<string, unknown>>;

async function emailOf(tx: Queryable, tenantId: string, userId: string): Promise<string | undefined> {
  const [row] = await tx.query<{ email: string }>('select email from app_user where tenant_id = $1 and id = $2', [tenantId, userId]);
  return row?.email;
}

async function loadRelated(tx: Queryable, tenantId: string, drafts: RecordDraft[], lookups: string[]): Promise<Related> {
  const ids = new Set<string>();
  for (const d of drafts) for (const l of lookups) {
    const v = d.data[l];
    if (typeof v === 'string') ids.add(v);
  }
  if (ids.size === 0) return new Map();
  const rows = await tx.query<{ id: string; data: Record<string, unknown> }>('select id, data from record where tenant_id = $1 and id = any($2::uuid[]) and deleted_at is null', [tenantId, [...ids]]);
  return new Map(rows.map((r) => [r.id, r.data]));
}

function runRecordLogic(event: SaveEvent, logic: ObjectLogic, draft: RecordDraft, timeZone: string, related: Related, email: string | undefined, report: LogicReporter): FieldProblem[] {
  const { ctx, object, action } = event;
  const words = event.scope.model.words(ctx.principal.locale);
  const problems: FieldProblem[] = [];
  const problem = (p: FieldProblem) => problems.push(draft.index === undefined ? p : { ...p, index: draft.index });
  const data = draft.data;
  const relatedOf: Record<string, Record<string, unknown> | null> = {};
  for (const l of logic.relatedLookups) {
    const v = data[l];
    relatedOf[l] = typeof v === 'string' ? (related.get(v) ?? null) : null;
  }
  const input: EvaluationInput = {
    record: data,
    prior: draft.previous ?? null,
    related: relatedOf,
    user: { id: ctx.principal.userId, name: ctx.principal.userName, ...(email === undefined ? {} : { email }) },
    now: Date.now(),
    timeZone,
  };
  const failed = (rule: string, field: string, error: unknown, code: string) => {
    const message = error instanceof ExpressionEvaluationError ? error.message : String(error);
    report({ tenantId: ctx.principal.tenantId, objectId: object.id, recordId: draft.id, rule, error: message });
    problem({ field, code, message: `${rule} could not be evaluated: ${message}`, rule });
  };

  if (action === 'create') {
    for (const { field, expression } of logic.defaults) {
      if (!empty(data[field.id])) continue;
      let value: unknown;
      try {
        value = expression.evaluate(input);
      } catch (error) {
        failed(`the default value of ${field.apiName}`, field.apiName, error, 'defaultValue');
        continue;
      }
      const refused = defaultProblem(field, value);
      if (refused) {
        problem({ field: field.apiName, code: 'defaultValue', message: refused });
        continue;
      }
      const stored = toStoredValue(field, value);
      if (!empty(stored)) data[field.id] = stored;
    }
    for (const { field } of logic.defaults) {
      if (field.required && empty(data[field.id])) problem({ field: field.apiName, code: 'required', message: 'is required' });
    }
  }

  for (const { field, expression } of logic.storedFormulas) {
    let value: unknown = null;
    try {
      value = expression.evaluate(input);
    } catch (error) {
      // A formula that cannot be computed for this record stores nothing rather than a wrong value.
      const message = error instanceof ExpressionEvaluationError ? error.message : String(error);
      report({ tenantId: ctx.principal.tenantId, objectId: object.id, recordId: draft.id, rule: `formula ${field.apiName}`, error: message });
    }
    if (value === null || value === undefined) delete data[field.id];
    else data[field.id] = value;
  }

  const touched = (field: FieldDef) => action === 'create' || !sameValue(data[field.id], draft.previous?.[field.id]);
  for (const { field, controlling } of logic.dependentPicklists) {
    const value = data[field.id];
    if (empty(value) || (!touched(field) && !touched(controlling))) continue;
    const key = data[controlling.id];
    const allowed = key === undefined || key === null ? [] : (field.dependsOn!.map[String(key)] ?? []);
    const chosen = Array.isArray(value) ? (value as string[]) : [value as string];
    const bad = chosen.filter((v) => !allowed.includes(v)).map((id) => field.values?.find((x) => x.id === id)?.apiName ?? id);
    if (bad.length) {
      const controllingValue = controlling.type === 'boolean' ? String(key ?? 'empty') : (controlling.values?.find((v) => v.id === key)?.apiName ?? 'empty');
      problem({ field: field.apiName, code: 'dependentValue', message: `'${bad.join("', '")}' cannot be chosen while ${controlling.apiName} is ${controllingValue}` });
    }
  }

  for (const { rule, fieldIds, expression } of logic.layoutRules) {
    let holds: boolean;
    // Read-only follows what the person saw: the record before this save (a create has nothing to protect).
    if (rule.action === 'readOnly' && action === 'create') continue;
    try {
      holds = expression.test(rule.action === 'readOnly' ? { ...input, record: draft.previous ?? {} } : input);
    } catch (error) {
      failed(`a layout rule (${rule.when})`, '', error, 'layoutRule');
      continue;
    }
    if (!holds) continue;
    for (const id of fieldIds) {
      const field = object.fields.find((f) => f.id === id && f.deletedAt === undefined);
      if (!field) continue;
      if (rule.action === 'require' && empty(data[id])) problem({ field: field.apiName, code: 'required', message: `is required when ${rule.when}` });
      if (rule.action === 'readOnly' && touched(field)) problem({ field: field.apiName, code: 'readOnly', message: `is read-only when ${rule.when}` });
    }
  }

  for (const { rule, field, expression } of logic.rules) {
    let holds: boolean;
    try {
      holds = expression.test(input);
    } catch (error) {
      failed(`validation rule ${rule.apiName}`, field?.apiName ?? '', error, 'validationRule');
      continue;
    }
    if (!holds) continue;
    const template = words.locale === 'zh-CN' ? (rule.message['zh-CN'] ?? rule.message.en) : rule.message.en;
    problem({ field: field?.apiName ?? '', code: 'validationRule', message: words.text(template), rule: rule.apiName });
  }
  return problems;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Why a default expression's value does not fit its field (its type was checked when the expression was saved). */
function defaultProblem(field: FieldDef, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (field.type === 'picklist' && !(field.values ?? []).some((v) => v.active && v.apiName === value)) return `the default value '${String(value)}' is not an active value`;
  if (typeof value === 'string') {
    const max = effectiveMaxLength(field);
    if (max !== undefined && value.length > max) return `the default value is longer than ${max} characters`;
  }
  if (typeof value === 'number' && ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max))) return `the default value ${value} is out of range`;
  return undefined;
}
