import { Type } from '@sinclair/typebox';
import { validateFieldValue } from '../compile/create-record-validator.ts';
import { findField, findObject, liveFields } from '../model/find.ts';
import type { FieldDef, FieldDraft, PicklistValue, PicklistValueDraft } from '../schemas/field-def.ts';
import type { IndexDef, ObjectDef } from '../schemas/object-def.ts';
import type { LayoutDef } from '../schemas/layout-def.ts';
import { operationSchemas, type ChangeRequest, type Operation, type OperationName } from '../schemas/operation.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import type { Locale } from '../schemas/labels.ts';
import { checkField } from '../validate/field-rules.ts';
import { checkLayout, checkObject } from '../validate/object-rules.ts';
import { compileMetadataSchema, schemaErrors } from '../validate/schema-validator.ts';
import { validateMetadata } from '../validate/validate-metadata.ts';
import { checkTerms } from '../validate/term-rules.ts';
import { fieldDataChecks, typeConversion, type DataCheck } from './data-checks.ts';
import { diffSnapshots, type DiffEntry } from './diff-snapshots.ts';
import type { Dependent, MetadataError } from './metadata-error.ts';
import { effectiveTerms, layoutName, objectLabel, termUsage } from '../terms/glossary.ts';
import { STANDARD_LAYOUT_NAME } from '../terms/layout-name.ts';
import { standardTerm } from '../terms/standard-terms.ts';
import type { TermDef } from '../terms/term-def.ts';
import { followFieldRename, followPicklistValueRenames, logicDependents, picklistValueDependents, resolveLogicRefs } from '../expressions/model-expressions.ts';

export interface PlanContext {
  /** A fresh id with the given prefix (`o_`, `f_`, `v_`, `l_`), unique in the workspace for good (`revisionIds`). */
  newId(prefix: string): string;
  /** ISO time of the change, written as a deleted field's `deletedAt`. */
  now: string;
  /** Who asks; not stored in the snapshot (the revision row records it). */
  author?: string;
  /** The asker's locale: objects and layouts named in error messages use its words. */
  locale?: Locale;
}

/** What a deleted object's records become (deleteObject `records`), for the server to carry out in the change's transaction. */
export interface ObjectRecordsAction {
  objectId: string;
  apiName: string;
  records: 'keep' | 'delete' | 'refuse';
  /** The operation, e.g. /operations/0. */
  path: string;
}

export type PlanResult =
  | { ok: true; next: Snapshot; diff: DiffEntry[]; dataChecks: DataCheck[]; objectRecords?: ObjectRecordsAction[] }
  | { ok: false; errors: MetadataError[] };

const validateEnvelope = compileMetadataSchema(
  Type.Object(
    { message: Type.Optional(Type.String({ maxLength: 1000 })), operations: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 200 }) },
    { additionalProperties: false },
  ),
);
const operationValidators = Object.fromEntries(
  Object.entries(operationSchemas).map(([name, schema]) => [name, compileMetadataSchema(schema)]),
) as Record<OperationName, ReturnType<typeof compileMetadataSchema>>;

const termOperations = new Set<string>(['upsertTerm', 'resetTerm', 'deleteTerm']);

function isOperationName(value: unknown): value is OperationName {
  return typeof value === 'string' && Object.hasOwn(operationSchemas, value);
}

/** Drops keys whose value is undefined, so snapshots stay plain JSON. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function rename(target: { apiName: string; apiNameAliases: string[] }, apiName: string): void {
  if (target.apiName === apiName) return;
  const aliases = target.apiNameAliases.filter((a) => a !== apiName);
  if (!aliases.includes(target.apiName)) aliases.push(target.apiName);
  target.apiNameAliases = aliases;
  target.apiName = apiName;
}

/**
 * Plans a change request against a snapshot without touching data: validates each operation's
 * shape, applies the operations in order to a copy (later ones see earlier ones), checks every
 * rule, and returns all errors, or the next snapshot (revision + 1), its diff and the data
 * checks the server must answer before writing it.
 */
export function planChange(snapshot: Snapshot, request: unknown, ctx: PlanContext): PlanResult {
  const envelope = schemaErrors(validateEnvelope, request, '');
  if (envelope.length) return { ok: false, errors: envelope };
  const operations = (request as { operations: unknown[] }).operations;

  // The glossary is always written out in full, so snapshots stored before terms gain it here.
  // A request that only changes terms shares the (untouched) objects and layouts instead of
  // copying them, and is checked by the glossary rules alone: a rename stays cheap at 200 objects.
  const termOnly = operations.every((raw) => typeof raw === 'object' && raw !== null && termOperations.has(String((raw as { op?: unknown }).op)));
  const state = termOnly ? { ...snapshot } : structuredClone(snapshot);
  state.terms = structuredClone(effectiveTerms(snapshot));
  const planner = new Planner(state, ctx);
  operations.forEach((raw, i) => {
    const path = `/operations/${i}`;
    const name = typeof raw === 'object' && raw !== null ? (raw as { op?: unknown }).op : undefined;
    if (!isOperationName(name)) {
      planner.errors.push({ path: `${path}/op`, code: 'unknown_operation', message: `unknown operation ${JSON.stringify(name ?? null)}` });
      return;
    }
    const shape = schemaErrors(operationValidators[name], raw, path);
    if (shape.length) {
      planner.errors.push(...shape);
      return;
    }
    planner.apply(raw as Operation, path);
  });
  if (planner.errors.length) return { ok: false, errors: planner.errors };
  planner.addDefaultLayouts();

  const next = { ...planner.state, revision: snapshot.revision + 1 };
  // Safety net: the per-operation checks should already have caught anything this finds.
  const invariant = termOnly ? checkTerms(next) : validateMetadata(next);
  if (invariant.length) return { ok: false, errors: invariant };

  const live = (check: DataCheck) =>
    next.objects.some((o) => o.id === check.objectId && o.fields.some((f) => f.id === check.fieldId && f.deletedAt === undefined));
  return { ok: true, next, diff: diffSnapshots(snapshot, next), dataChecks: planner.checks.filter(live), objectRecords: planner.objectRecords };
}

/** Typed convenience for callers holding an already typed request. */
export type { ChangeRequest };

class Planner {
  readonly state: Snapshot;
  readonly errors: MetadataError[] = [];
  /** Objects created by this request. */
  readonly created: string[] = [];
  readonly checks: DataCheck[] = [];
  readonly objectRecords: ObjectRecordsAction[] = [];
  readonly #ctx: PlanContext;

  constructor(state: Snapshot, ctx: PlanContext) {
    this.state = state;
    this.#ctx = ctx;
  }

  apply(op: Operation, path: string): void {
    switch (op.op) {
      case 'createObject':
        return this.createObject(op, path);
      case 'updateObject':
        return this.updateObject(op, path);
      case 'deleteObject':
        return this.deleteObject(op, path);
      case 'createField':
        return this.createField(op, path);
      case 'updateField':
        return this.updateField(op, path);
      case 'deleteField':
        return this.deleteField(op, path);
      case 'restoreField':
        return this.restoreField(op, path);
      case 'purgeField':
        return this.purgeField(op, path);
      case 'removeAlias':
        return this.removeAlias(op, path);
      case 'upsertLayout':
        return this.upsertLayout(op, path);
      case 'deleteLayout':
        return this.deleteLayout(op, path);
      case 'upsertTerm':
        return this.upsertTerm(op, path);
      case 'resetTerm':
        return this.resetTerm(op, path);
      case 'deleteTerm':
        return this.deleteTerm(op, path);
    }
  }

  /** A new object without a layout gets one of all its fields, so its record page is usable at once. */
  addDefaultLayouts(): void {
    for (const id of this.created) {
      const object = this.state.objects.find((o) => o.id === id);
      if (!object || this.state.layouts.some((l) => l.objectId === id)) continue;
      this.state.layouts.push({
        id: this.#ctx.newId('l_'),
        objectId: id,
        name: STANDARD_LAYOUT_NAME,
        sections: [{ id: this.#ctx.newId('s_'), labels: { en: 'Details', 'zh-CN': '详细信息' }, columns: 2, fields: liveFields(object).map((f) => ({ fieldId: f.id })) }],
      });
    }
  }

  fail(path: string, code: string, message: string, dependents?: Dependent[]): void {
    this.errors.push(dependents ? { path, code, message, dependents } : { path, code, message });
  }

  object(ref: string, path: string): ObjectDef | undefined {
    const object = findObject(this.state, ref);
    if (!object) this.fail(path, 'not_found', `object '${ref}' does not exist`);
    return object;
  }

  field(object: ObjectDef, ref: string, path: string, includeDeleted = false): FieldDef | undefined {
    const field = findField(object, ref, { includeDeleted });
    if (!field) this.fail(path, 'not_found', `field '${ref}' does not exist on '${object.apiName}'`);
    return field;
  }

  values(drafts: PicklistValueDraft[], existing: PicklistValue[] = []): PicklistValue[] {
    return drafts.map((draft) => {
      const match = draft.id === undefined ? existing.find((v) => v.apiName === draft.apiName) : undefined;
      return compact({
        id: draft.id ?? match?.id ?? this.#ctx.newId('v_'),
        apiName: draft.apiName,
        labels: draft.labels,
        active: draft.active ?? true,
        color: draft.color,
      });
    });
  }

  buildField(draft: FieldDraft, object: ObjectDef, path: string): FieldDef {
    if (draft.id !== undefined && object.fields.some((f) => f.id === draft.id)) {
      this.fail(`${path}/id`, 'duplicate_id', `field id '${draft.id}' already exists on '${object.apiName}'`);
    }
    const { values, lookup, ...rest } = draft;
    const field: FieldDef = compact({ ...rest, id: draft.id ?? this.#ctx.newId('f_'), apiNameAliases: [] });
    if (values) field.values = this.values(values);
    if (lookup) field.lookup = { ...lookup, objectId: findObject(this.state, lookup.objectId)?.id ?? lookup.objectId };
    return field;
  }

  indexes(object: ObjectDef, indexes: IndexDef[]): IndexDef[] {
    // Unresolvable field references stay as written; checkObject reports them with their path.
    return indexes.map((index) => ({
      id: index.id,
      fields: index.fields.map((part) => ({ ...part, fieldId: findField(object, part.fieldId)?.id ?? part.fieldId })),
    }));
  }

  createObject(op: Extract<Operation, { op: 'createObject' }>, path: string): void {
    const draft = op.object;
    const base = `${path}/object`;
    if (draft.id !== undefined && this.state.objects.some((o) => o.id === draft.id)) {
      this.fail(`${base}/id`, 'duplicate_id', `object id '${draft.id}' already exists`);
    }
    const object: ObjectDef = compact({
      id: draft.id ?? this.#ctx.newId('o_'),
      apiName: draft.apiName,
      apiNameAliases: [],
      labels: draft.labels,
      standard: false,
      nameFieldId: '',
      description: draft.description,
      helpText: draft.helpText,
      term: draft.term,
      navOrder: draft.navOrder,
      validationRules: draft.validationRules?.map((rule) => ({ ...rule, id: rule.id ?? this.#ctx.newId('r_') })),
      fields: [],
    });
    this.state.objects.push(object);
    (draft.fields ?? []).forEach((fieldDraft, j) => object.fields.push(this.buildField(fieldDraft, object, `${base}/fields/${j}`)));
    for (const field of object.fields) resolveLogicRefs(field, object, this.state);
    for (const rule of object.validationRules ?? []) if (rule.fieldId !== undefined) rule.fieldId = findField(object, rule.fieldId)?.id ?? rule.fieldId;

    if (draft.nameFieldId !== undefined) {
      object.nameFieldId = this.field(object, draft.nameFieldId, `${base}/nameFieldId`)?.id ?? draft.nameFieldId;
    } else {
      const named = findField(object, 'name');
      if (named) object.nameFieldId = named.id;
      else {
        const nameField: FieldDef = {
          id: this.#ctx.newId('f_'),
          apiName: 'name',
          apiNameAliases: [],
          labels: { en: 'Name', 'zh-CN': '名称' },
          type: 'text',
          required: true,
        };
        object.fields.unshift(nameField);
        object.nameFieldId = nameField.id;
      }
    }
    if (draft.indexes) object.indexes = this.indexes(object, draft.indexes);

    this.created.push(object.id);
    this.errors.push(...checkObject(object, this.state, base));
    const drafted = draft.fields ?? [];
    for (const field of object.fields) {
      const j = drafted.findIndex((d) => d.apiName === field.apiName);
      this.errors.push(...checkField(field, object, this.state, j === -1 ? base : `${base}/fields/${j}`));
    }
  }

  updateObject(op: Extract<Operation, { op: 'updateObject' }>, path: string): void {
    const object = this.object(op.object, `${path}/object`);
    if (!object) return;
    const patch = op.patch;
    const base = `${path}/patch`;
    if (patch.apiName !== undefined) rename(object, patch.apiName);
    if (patch.labels !== undefined) object.labels = patch.labels;
    if (patch.nameFieldId !== undefined) {
      const field = this.field(object, patch.nameFieldId, `${base}/nameFieldId`);
      if (field) object.nameFieldId = field.id;
    }
    for (const key of ['description', 'helpText', 'term', 'navOrder'] as const) {
      const value = patch[key];
      if (value === null) delete object[key];
      else if (value !== undefined) Object.assign(object, { [key]: value });
    }
    if (patch.indexes === null) delete object.indexes;
    else if (patch.indexes !== undefined) object.indexes = this.indexes(object, patch.indexes);
    if (patch.validationRules === null) delete object.validationRules;
    else if (patch.validationRules !== undefined) {
      object.validationRules = patch.validationRules.map((rule) => ({
        ...rule,
        id: rule.id ?? object.validationRules?.find((r) => r.apiName === rule.apiName)?.id ?? this.#ctx.newId('r_'),
        ...(rule.fieldId === undefined ? {} : { fieldId: findField(object, rule.fieldId)?.id ?? rule.fieldId }),
      }));
    }
    this.errors.push(...checkObject(object, this.state, base));
  }

  deleteObject(op: Extract<Operation, { op: 'deleteObject' }>, path: string): void {
    const object = this.object(op.object, `${path}/object`);
    if (!object) return;
    if (object.standard) {
      this.fail(`${path}/object`, 'standard_object', `'${object.apiName}' is a standard object and cannot be deleted`);
      return;
    }
    const dependents: Dependent[] = [];
    for (const other of this.state.objects) {
      if (other.id === object.id) continue;
      for (const field of other.fields) {
        if (field.lookup?.objectId === object.id) {
          // A deleted lookup still counts (restoring it would point at nothing): say so, or the refusal names a field no one sees.
          dependents.push({ kind: 'field', id: field.id, label: `${other.apiName}.${field.apiName}${field.deletedAt === undefined ? '' : ' (deleted, not yet purged)'}` });
        }
        if (field.deletedAt === undefined && field.rollup?.childObjectId === object.id) {
          dependents.push({ kind: 'rollup', id: field.id, label: `roll-up ${other.apiName}.${field.apiName}` });
        }
      }
    }
    if (dependents.length) {
      // A roll-up does not look the object up, it summarises it: each kind is said as what it is.
      const lookups = dependents.filter((d) => d.kind === 'field');
      const rollups = dependents.filter((d) => d.kind === 'rollup');
      if (lookups.length) this.fail(`${path}/object`, 'has_dependents', `'${object.apiName}' is looked up by ${lookups.map((d) => `'${d.label}'`).join(', ')}`, lookups);
      if (rollups.length) this.fail(`${path}/object`, 'has_dependents', `'${object.apiName}' is summarised by ${rollups.map((d) => d.label).join(', ')}`, rollups);
      return;
    }
    // Its own layouts go with it. Its records stay stored under the object id unless the request
    // says otherwise, so restoring an earlier revision brings them back.
    this.objectRecords.push({ objectId: object.id, apiName: object.apiName, records: op.records ?? 'keep', path });
    this.state.objects = this.state.objects.filter((o) => o.id !== object.id);
    this.state.layouts = this.state.layouts.filter((l) => l.objectId !== object.id);
  }

  createField(op: Extract<Operation, { op: 'createField' }>, path: string): void {
    const object = this.object(op.object, `${path}/object`);
    if (!object) return;
    const field = this.buildField(op.field, object, `${path}/field`);
    object.fields.push(field);
    resolveLogicRefs(field, object, this.state);
    this.errors.push(...checkField(field, object, this.state, `${path}/field`));
    this.checks.push(...fieldDataChecks(object.id, undefined, field, path));
  }

  updateField(op: Extract<Operation, { op: 'updateField' }>, path: string): void {
    const object = this.object(op.object, `${path}/object`);
    if (!object) return;
    const before = this.field(object, op.field, `${path}/field`, true);
    if (!before) return;
    const base = `${path}/patch`;
    if (before.deletedAt !== undefined) {
      this.fail(`${path}/field`, 'field_deleted', `field '${before.apiName}' is deleted; restore it first`);
      return;
    }
    const after: FieldDef = structuredClone(before);
    const writable = after as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(op.patch)) {
      if (value === undefined) continue;
      switch (key) {
        case 'apiName':
          // Expressions that name the field follow it; compiled against the model before the rename.
          if (value !== before.apiName) followFieldRename(this.state, object.id, before.id, value as string);
          rename(after, value as string);
          break;
        case 'values': {
          after.values = this.values(value as PicklistValueDraft[], before.values);
          // Expressions comparing the picklist with a renamed value follow it (as they follow a field's
          // rename); a value removed while an expression names it is refused with the expression named.
          const renames = new Map<string, string>();
          const removed = new Set<string>();
          for (const old of before.values ?? []) {
            const now = after.values.find((v) => v.id === old.id);
            if (!now) removed.add(old.apiName);
            else if (now.apiName !== old.apiName) renames.set(old.apiName, now.apiName);
          }
          for (const v of after.values) removed.delete(v.apiName);
          const users = picklistValueDependents(this.state, before.id, removed);
          if (users.length) {
            this.fail(`${base}/values`, 'has_dependents', `value ${[...new Set(users.map((u) => `'${u.value}'`))].join(', ')} of '${before.apiName}' is used by ${users.map((u) => `'${u.label}'`).join(', ')}`, users.map(({ value: _, ...d }) => d));
          }
          followPicklistValueRenames(this.state, before.id, renames);
          // The field's own default may have followed too: that edit landed on `before`, which `after` replaces.
          if (op.patch.defaultExpression === undefined && before.defaultExpression !== undefined) after.defaultExpression = before.defaultExpression;
          break;
        }
        case 'type': {
          const to = value as FieldDef['type'];
          if (!typeConversion(before.type, to)) {
            this.fail(`${base}/type`, 'type_change_not_allowed', `a ${before.type} field cannot become ${to}; create a new field and copy the data`);
          }
          after.type = to;
          break;
        }
        case 'lookup': {
          if (value === null) {
            delete after.lookup;
            break;
          }
          const lookup = value as NonNullable<FieldDef['lookup']>;
          const objectId = findObject(this.state, lookup.objectId)?.id ?? lookup.objectId;
          if (before.lookup && before.lookup.objectId !== objectId) {
            this.fail(`${base}/lookup/objectId`, 'lookup_target_change', 'a lookup cannot be pointed at another object; its values are ids of the current one');
          }
          after.lookup = { ...lookup, objectId };
          break;
        }
        default:
          if (value === null) delete writable[key];
          else writable[key] = value;
      }
    }
    object.fields[object.fields.indexOf(before)] = after;
    resolveLogicRefs(after, object, this.state);
    this.errors.push(...checkField(after, object, this.state, base));
    this.errors.push(...checkObject(object, this.state, path).filter((e) => e.path === `${path}/nameFieldId`));
    if (op.backfill !== undefined) {
      const problem = validateFieldValue(after, op.backfill);
      if (problem) this.fail(`${path}/backfill`, 'invalid', `backfill ${problem.message}`);
    }
    this.checks.push(...fieldDataChecks(object.id, before, after, path, op.backfill));
  }

  fieldDependents(object: ObjectDef, field: FieldDef): Dependent[] {
    const dependents: Dependent[] = [];
    if (object.nameFieldId === field.id) {
      dependents.push({ kind: 'object', id: object.id, label: `name field of ${objectLabel(this.state, object, this.#ctx.locale ?? 'en')}` });
    }
    for (const index of object.indexes ?? []) {
      if (index.fields.some((p) => p.fieldId === field.id)) dependents.push({ kind: 'index', id: index.id, label: `index ${index.id}` });
    }
    for (const layout of this.state.layouts) {
      if (layout.objectId === object.id && layout.sections.some((s) => s.fields.some((f) => f.fieldId === field.id))) {
        dependents.push({ kind: 'layout', id: layout.id, label: layoutName(this.state, layout, this.#ctx.locale ?? 'en') });
      }
    }
    return dependents;
  }

  deleteField(op: Extract<Operation, { op: 'deleteField' }>, path: string): void {
    const object = this.object(op.object, `${path}/object`);
    if (!object) return;
    const field = this.field(object, op.field, `${path}/field`, true);
    if (!field) return;
    if (field.deletedAt !== undefined) return this.fail(`${path}/field`, 'already_deleted', `field '${field.apiName}' is already deleted`);
    if (op.removeFromLayouts) {
      for (const layout of this.state.layouts) {
        if (layout.objectId !== object.id) continue;
        layout.sections = layout.sections.map((section) => ({ ...section, fields: section.fields.filter((f) => f.fieldId !== field.id) }));
        // Layout rules stop naming it too; a rule left with nothing to act on goes.
        if (layout.rules) {
          layout.rules = layout.rules
            .map((rule) => (rule.fieldIds ? { ...rule, fieldIds: rule.fieldIds.filter((id) => id !== field.id) } : rule))
            .filter((rule) => (rule.fieldIds?.length ?? 0) + (rule.sectionIds?.length ?? 0) > 0);
        }
      }
    }
    const ruleTargets: Dependent[] = this.state.layouts
      .filter((l) => l.objectId === object.id && (l.rules ?? []).some((r) => r.fieldIds?.includes(field.id)))
      .map((l) => ({ kind: 'layoutRule', id: l.id, label: `a rule of layout '${layoutName(this.state, l, this.#ctx.locale ?? 'en')}'` }));
    const dependents = [...this.fieldDependents(object, field), ...ruleTargets, ...logicDependents(this.state, object.id, field.id)];
    if (dependents.length) {
      const list = dependents.map((d) => `${d.kind} '${d.label}'`).join(', ');
      return this.fail(`${path}/field`, 'has_dependents', `field '${field.apiName}' is used by ${list}`, dependents);
    }
    field.deletedAt = this.#ctx.now;
  }

  restoreField(op: Extract<Operation, { op: 'restoreField' }>, path: string): void {
    const object = this.object(op.object, `${path}/object`);
    if (!object) return;
    const field = this.field(object, op.field, `${path}/field`, true);
    if (!field) return;
    if (field.deletedAt === undefined) return this.fail(`${path}/field`, 'not_deleted', `field '${field.apiName}' is not deleted`);
    delete field.deletedAt;
    this.errors.push(...checkField(field, object, this.state, `${path}/field`));
    this.checks.push(...fieldDataChecks(object.id, undefined, { ...field, defaultValue: undefined }, path));
  }

  purgeField(op: Extract<Operation, { op: 'purgeField' }>, path: string): void {
    const object = this.object(op.object, `${path}/object`);
    if (!object) return;
    const field = this.field(object, op.field, `${path}/field`, true);
    if (!field) return;
    if (field.deletedAt === undefined) {
      return this.fail(`${path}/field`, 'not_deleted', `field '${field.apiName}' must be deleted before it is purged`);
    }
    object.fields = object.fields.filter((f) => f.id !== field.id);
  }

  removeAlias(op: Extract<Operation, { op: 'removeAlias' }>, path: string): void {
    const object = this.object(op.object, `${path}/object`);
    if (!object) return;
    const target = op.field === undefined ? object : this.field(object, op.field, `${path}/field`, true);
    if (!target) return;
    if (!target.apiNameAliases.includes(op.apiName)) {
      return this.fail(`${path}/apiName`, 'not_found', `'${op.apiName}' is not an alias of '${target.apiName}'`);
    }
    target.apiNameAliases = target.apiNameAliases.filter((a) => a !== op.apiName);
  }

  upsertLayout(op: Extract<Operation, { op: 'upsertLayout' }>, path: string): void {
    const base = `${path}/layout`;
    const object = this.object(op.layout.objectId, `${base}/objectId`);
    if (!object) return;
    const layout: LayoutDef = {
      id: op.layout.id ?? this.#ctx.newId('l_'),
      objectId: object.id,
      name: op.layout.name,
      sections: op.layout.sections.map((section) => ({
        ...section,
        fields: section.fields.map((item) => ({ ...item, fieldId: findField(object, item.fieldId)?.id ?? item.fieldId })),
      })),
      ...(op.layout.rules
        ? { rules: op.layout.rules.map((rule) => ({ ...rule, id: rule.id ?? this.#ctx.newId('lr_'), ...(rule.fieldIds ? { fieldIds: rule.fieldIds.map((ref) => findField(object, ref)?.id ?? ref) } : {}) })) }
        : {}),
    };
    const index = this.state.layouts.findIndex((l) => l.id === layout.id);
    const existing = this.state.layouts[index];
    if (existing && existing.objectId !== layout.objectId) {
      return this.fail(`${base}/objectId`, 'layout_object_change', `layout '${layoutName(this.state, existing, this.#ctx.locale ?? 'en')}' belongs to another object`);
    }
    if (index === -1) this.state.layouts.push(layout);
    else this.state.layouts[index] = layout;
    this.errors.push(...checkLayout(layout, this.state, base));
  }

  deleteLayout(op: Extract<Operation, { op: 'deleteLayout' }>, path: string): void {
    if (!this.state.layouts.some((l) => l.id === op.id)) return this.fail(`${path}/id`, 'not_found', `layout '${op.id}' does not exist`);
    this.state.layouts = this.state.layouts.filter((l) => l.id !== op.id);
  }

  get terms(): TermDef[] {
    return (this.state.terms ??= []);
  }

  upsertTerm(op: Extract<Operation, { op: 'upsertTerm' }>, path: string): void {
    const draft = op.term;
    const existing = this.terms.find((t) => t.key === draft.key);
    if (existing) {
      if (draft.forms.en) existing.forms.en = draft.forms.en;
      if (draft.forms['zh-CN']) existing.forms['zh-CN'] = draft.forms['zh-CN'];
      if (draft.description) existing.description = draft.description;
      return;
    }
    if (!draft.forms.en) return this.fail(`${path}/term/forms/en`, 'required', `a new term needs its English forms`);
    const term: TermDef = { key: draft.key, standard: false, forms: { en: draft.forms.en } };
    if (draft.forms['zh-CN']) term.forms['zh-CN'] = draft.forms['zh-CN'];
    if (draft.description) term.description = draft.description;
    this.terms.push(term);
  }

  resetTerm(op: Extract<Operation, { op: 'resetTerm' }>, path: string): void {
    const index = this.terms.findIndex((t) => t.key === op.key);
    if (index === -1) return this.fail(`${path}/key`, 'not_found', `term '${op.key}' does not exist`);
    const standard = standardTerm(op.key);
    if (!standard) return this.fail(`${path}/key`, 'not_standard', `'${op.key}' is a custom term with no standard forms; change its forms or delete it`);
    this.terms[index] = standard;
  }

  deleteTerm(op: Extract<Operation, { op: 'deleteTerm' }>, path: string): void {
    const term = this.terms.find((t) => t.key === op.key);
    if (!term) return this.fail(`${path}/key`, 'not_found', `term '${op.key}' does not exist`);
    if (term.standard) return this.fail(`${path}/key`, 'standard_term', `'${op.key}' is a standard term and cannot be deleted; reset it instead`);
    const dependents = termUsage(this.state, op.key).map((use): Dependent => {
      const object = this.state.objects.find((o) => o.id === use.objectId);
      const field = object?.fields.find((f) => f.id === use.fieldId);
      const layout = this.state.layouts.find((l) => l.id === use.layoutId);
      const owner = layout ? `layout '${layout.id}'` : [object?.apiName, field?.apiName].filter(Boolean).join('.');
      const kind = use.kind === 'layoutSection' ? 'layout' : use.kind;
      return { kind, id: use.valueId ?? use.fieldId ?? use.layoutId ?? use.objectId ?? '', label: `${owner} ${use.path.split('/').slice(-2).join('/')}` };
    });
    if (dependents.length) {
      return this.fail(`${path}/key`, 'has_dependents', `term '${op.key}' is used by ${dependents.map((d) => `'${d.label}'`).join(', ')}`, dependents);
    }
    this.state.terms = this.terms.filter((t) => t.key !== op.key);
  }
}
