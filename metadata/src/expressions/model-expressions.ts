import type { Dependent, MetadataError } from '../change/metadata-error.ts';
import { findField, findObject } from '../model/find.ts';
import type { FieldDef } from '../schemas/field-def.ts';
import type { LayoutDef } from '../schemas/layout-def.ts';
import type { ObjectDef } from '../schemas/object-def.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { compileExpression, compileFormula, rewriteFieldReferences, type CompileOptions, type CompileResult, type ExpressionContext } from './compile.ts';
import { parse } from './parse.ts';
import { isStandardLayoutName } from '../terms/layout-name.ts';
import type { FormulaResultType } from './types.ts';

/** One expression held by the model, with what it reads and how to write it back. */
export interface ModelExpression {
  kind: 'formula' | 'rollupFilter' | 'defaultValue' | 'validationRule' | 'layoutRule';
  /** The object whose records it reads. */
  objectId: string;
  /** The field, rule or layout that holds it. */
  ownerId: string;
  /** How a person finds it: "formula deal.net", "validation rule deal.needs_reason". */
  label: string;
  source: string;
  context: ExpressionContext;
  expect?: CompileOptions['expect'];
  formulaField?: FieldDef;
  /** Writes a new source into the snapshot it came from. */
  replace(source: string): void;
}

/** The result type a default expression must give for a field, or null when the type takes none. */
export function defaultResultType(field: FieldDef): FormulaResultType | null {
  switch (field.type) {
    case 'number':
    case 'currency':
    case 'percent':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    case 'text':
    case 'longText':
    case 'email':
    case 'phone':
    case 'url':
    case 'picklist':
    case 'lookup':
    case 'owner':
      return 'text';
    default:
      return null;
  }
}

/** Every expression of the model, live fields and active metadata only. */
export function modelExpressions(snapshot: Snapshot): ModelExpression[] {
  const out: ModelExpression[] = [];
  for (const object of snapshot.objects) {
    for (const field of object.fields) {
      if (field.deletedAt !== undefined) continue;
      const formula = field.formula;
      if (field.type === 'formula' && formula) {
        out.push({ kind: 'formula', objectId: object.id, ownerId: field.id, label: `formula ${object.apiName}.${field.apiName}`, source: formula.expression, context: 'formula', expect: formula.resultType, formulaField: field, replace: (s) => { formula.expression = s; } });
      }
      const rollup = field.rollup;
      if (field.type === 'rollup' && rollup?.filter !== undefined) {
        const child = findObject(snapshot, rollup.childObjectId);
        if (child) out.push({ kind: 'rollupFilter', objectId: child.id, ownerId: field.id, label: `roll-up ${object.apiName}.${field.apiName}`, source: rollup.filter, context: 'formula', expect: 'bool', replace: (s) => { rollup.filter = s; } });
      }
      const expect = defaultResultType(field);
      if (field.defaultExpression !== undefined && expect) {
        out.push({ kind: 'defaultValue', objectId: object.id, ownerId: field.id, label: `default value of ${object.apiName}.${field.apiName}`, source: field.defaultExpression, context: 'default', expect, replace: (s) => { field.defaultExpression = s; } });
      }
    }
    for (const rule of object.validationRules ?? []) {
      out.push({ kind: 'validationRule', objectId: object.id, ownerId: rule.id ?? rule.apiName, label: `validation rule ${object.apiName}.${rule.apiName}`, source: rule.condition, context: 'validation', expect: 'bool', replace: (s) => { rule.condition = s; } });
    }
  }
  for (const layout of snapshot.layouts) {
    const object = findObject(snapshot, layout.objectId);
    const named = object && isStandardLayoutName(layout.name, object) ? `the standard layout of '${object.apiName}'` : `layout '${layout.name}'`;
    (layout.rules ?? []).forEach((rule, i) => {
      out.push({ kind: 'layoutRule', objectId: layout.objectId, ownerId: rule.id ?? `${layout.id}#${i}`, label: `layout rule ${i + 1} of ${named}`, source: rule.when, context: 'layout', expect: 'bool', replace: (s) => { rule.when = s; } });
    });
  }
  return out;
}

export function compileModelExpression(snapshot: Snapshot, e: ModelExpression, recordForm: 'stored' | 'api' = 'stored'): CompileResult {
  const env = { snapshot, object: e.objectId, context: e.context, recordForm };
  if (e.formulaField) return compileFormula(e.formulaField, e.source, env, e.expect as FormulaResultType);
  return compileExpression(e.source, env, e.expect ? { expect: e.expect } : {});
}

/** Expressions, roll-ups and dependent picklists that use a field: deleting it is refused while any does. */
export function logicDependents(snapshot: Snapshot, objectId: string, fieldId: string): Dependent[] {
  const dependents: Dependent[] = [];
  for (const e of modelExpressions(snapshot)) {
    if (e.formulaField?.id === fieldId && e.objectId === objectId) continue;
    const r = compileModelExpression(snapshot, e);
    if (!r.ok) continue;
    const refs = r.expression.references;
    if (refs.spans.some((s) => s.objectId === objectId && s.fieldId === fieldId) || (e.objectId === objectId && refs.fieldIds.includes(fieldId) && !refs.formulaFieldIds.includes(fieldId))) {
      dependents.push({ kind: e.kind, id: e.ownerId, label: e.label });
    }
  }
  for (const object of snapshot.objects) {
    for (const field of object.fields) {
      if (field.deletedAt !== undefined) continue;
      const rollup = field.rollup;
      if (field.type === 'rollup' && rollup && rollup.childObjectId === objectId && (rollup.lookupFieldId === fieldId || rollup.fieldId === fieldId)) {
        dependents.push({ kind: 'rollup', id: field.id, label: `roll-up ${object.apiName}.${field.apiName}` });
      }
      if (object.id === objectId && field.dependsOn?.fieldId === fieldId) {
        dependents.push({ kind: 'dependentPicklist', id: field.id, label: `dependent picklist ${object.apiName}.${field.apiName}` });
      }
    }
  }
  return dependents;
}

/**
 * Rewrites every expression that names a field to use its new api name. Call with the snapshot
 * as it is before the rename (the old name must still resolve).
 */
export function followFieldRename(snapshot: Snapshot, objectId: string, fieldId: string, newApiName: string): void {
  const edits: { e: ModelExpression; source: string }[] = [];
  for (const e of modelExpressions(snapshot)) {
    const r = compileModelExpression(snapshot, e);
    if (!r.ok) continue;
    const spans = r.expression.references.spans.filter((s) => s.objectId === objectId && s.fieldId === fieldId);
    if (spans.length) edits.push({ e, source: rewriteFieldReferences(e.source, spans, () => newApiName) });
  }
  for (const { e, source } of edits) e.replace(source);
}

/**
 * Rewrites every text literal compared with a picklist field that names a renamed value
 * (`stage == 'won'` → `stage == 'closed_won'`), as field renames are followed. `renames` maps old
 * api names to new ones; call with the snapshot as it is before the rename.
 */
export function followPicklistValueRenames(snapshot: Snapshot, fieldId: string, renames: ReadonlyMap<string, string>): void {
  if (renames.size === 0) return;
  const edits: { e: ModelExpression; source: string }[] = [];
  for (const e of modelExpressions(snapshot)) {
    const r = compileModelExpression(snapshot, e);
    if (!r.ok) continue;
    const spans = [...r.expression.references.values.filter((v) => v.fieldId === fieldId && renames.has(v.value)), ...defaultResults(e, fieldId, renames)];
    if (!spans.length) continue;
    let source = e.source;
    const unique = [...new Map(spans.map((span) => [span.start, span])).values()];
    for (const span of unique.sort((a, b) => b.start - a.start)) source = `${source.slice(0, span.start)}'${renames.get(span.value)!}'${source.slice(span.end)}`;
    edits.push({ e, source });
  }
  for (const { e, source } of edits) e.replace(source);
}

/**
 * The text literals naming one of `values` in the default expression of the picklist `fieldId`
 * itself: what such a default produces is a value of that field, so it follows a rename and holds
 * the value against removal, as a comparison does.
 */
function defaultResults(e: ModelExpression, fieldId: string, values: { has(value: string): boolean }): { value: string; start: number; end: number }[] {
  if (e.kind !== 'defaultValue' || e.ownerId !== fieldId) return [];
  const parsed = parse(e.source);
  if (!parsed.ok) return [];
  const found: { value: string; start: number; end: number }[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const n = node as { kind?: unknown; value?: unknown; start?: number; end?: number };
    if (n.kind === 'literal' && typeof n.value === 'string' && values.has(n.value)) found.push({ value: n.value, start: n.start!, end: n.end! });
    else for (const child of Object.values(node)) visit(child);
  };
  visit(parsed.node);
  return found;
}

/** Expressions that compare a picklist with one of `values` (api names): removing such a value is refused while any does. */
export function picklistValueDependents(snapshot: Snapshot, fieldId: string, values: ReadonlySet<string>): (Dependent & { value: string })[] {
  const dependents: (Dependent & { value: string })[] = [];
  if (values.size === 0) return dependents;
  for (const e of modelExpressions(snapshot)) {
    const r = compileModelExpression(snapshot, e);
    if (!r.ok) continue;
    const used = r.expression.references.values.find((v) => v.fieldId === fieldId && values.has(v.value)) ?? defaultResults(e, fieldId, values)[0];
    if (used) dependents.push({ kind: e.kind, id: e.ownerId, label: e.label, value: used.value });
  }
  return dependents;
}

/** Resolves the references a formula, roll-up or dependent picklist makes by api name to ids, as snapshots keep them. */
export function resolveLogicRefs(field: FieldDef, object: ObjectDef, snapshot: Snapshot): void {
  const rollup = field.rollup;
  if (rollup) {
    const child = findObject(snapshot, rollup.childObjectId);
    if (child) {
      rollup.childObjectId = child.id;
      rollup.lookupFieldId = findField(child, rollup.lookupFieldId)?.id ?? rollup.lookupFieldId;
      if (rollup.fieldId !== undefined) {
        const summed = findField(child, rollup.fieldId);
        rollup.fieldId = summed?.id ?? rollup.fieldId;
        const kind = rollup.function === 'min' || rollup.function === 'max' ? summed?.type : undefined;
        if (kind === 'date' || kind === 'datetime') rollup.resultType = kind;
        else delete rollup.resultType;
      }
    }
  }
  const dependsOn = field.dependsOn;
  if (dependsOn) {
    const controlling = findField(object, dependsOn.fieldId);
    if (controlling) dependsOn.fieldId = controlling.id;
    const valueId = (values: FieldDef['values'], ref: string) => values?.find((v) => v.id === ref || v.apiName === ref)?.id ?? ref;
    dependsOn.map = Object.fromEntries(
      Object.entries(dependsOn.map).map(([key, values]) => [
        controlling?.type === 'boolean' ? key : valueId(controlling?.values, key),
        values.map((v) => valueId(field.values, v)),
      ]),
    );
  }
}

function expressionErrors(result: CompileResult, path: string): MetadataError[] {
  if (result.ok) return [];
  return result.errors.map((e) => ({
    path,
    code: 'invalid_expression',
    message: `${e.message} (line ${e.line}, column ${e.column})`,
    position: { start: e.start, end: e.end, line: e.line, column: e.column },
  }));
}

/** Checks a field's formula, roll-up, default expression and picklist dependency against the model. */
export function checkFieldLogic(field: FieldDef, object: ObjectDef, snapshot: Snapshot, base: string): MetadataError[] {
  const errors: MetadataError[] = [];
  const fail = (prop: string, code: string, message: string) => errors.push({ path: `${base}/${prop}`, code, message });
  if (field.deletedAt !== undefined) return errors;
  if (field.type === 'formula') {
    if (!field.formula) fail('formula', 'required', 'a formula field needs its formula (expression and result type)');
    else {
      const r = compileFormula(field, field.formula.expression, { snapshot, object: object.id, context: 'formula' }, field.formula.resultType);
      errors.push(...expressionErrors(r, `${base}/formula/expression`));
      if (r.ok) {
        const refs = r.expression.references;
        // A related record changes without its children being written: a value stored from it would go
        // stale, so a formula reading one is computed on read (lists load the related records in one query).
        if (refs.related.length && field.formula.stored) {
          const names = refs.related.flatMap((r) => {
            const related = findObject(snapshot, r.objectId);
            return r.fieldIds.map((id) => `'${findField(object, r.lookupFieldId)?.apiName ?? r.lookupFieldId}.${(related && findField(related, id)?.apiName) ?? id}'`);
          });
          fail('formula/stored', 'invalid_expression', `a stored formula cannot read related records (${names.join(', ')}): the stored value would go stale when the related record changes; compute it on read`);
        }
        if (refs.user) fail('formula/expression', 'invalid_expression', 'a formula field shows one value to everyone: it cannot use user (a validation rule or layout rule can)');
        else if (field.formula.stored && refs.clock) {
          fail('formula/stored', 'invalid_expression', 'a stored formula cannot use today() or now(): its stored value would go stale; compute it on read');
        }
      }
    }
  }
  if (field.type === 'rollup') {
    if (!field.rollup) fail('rollup', 'required', 'a roll-up field needs its summary (child object, lookup, function)');
    else errors.push(...checkRollup(field, object, snapshot, base));
  }
  if (field.defaultExpression !== undefined) {
    const expect = defaultResultType(field);
    if (!expect) fail('defaultExpression', 'option_not_allowed', `a ${field.type} field takes no default expression`);
    else {
      const r = compileExpression(field.defaultExpression, { snapshot, object: object.id, context: 'default' }, { expect });
      errors.push(...expressionErrors(r, `${base}/defaultExpression`));
    }
  }
  if (field.dependsOn) {
    const controlling = findField(object, field.dependsOn.fieldId);
    if (field.type !== 'picklist' && field.type !== 'multiPicklist') fail('dependsOn', 'option_not_allowed', 'only picklists can depend on another field');
    else if (!controlling) fail('dependsOn/fieldId', 'not_found', `field '${field.dependsOn.fieldId}' is not a live field of '${object.apiName}'`);
    else if (controlling.id === field.id) fail('dependsOn/fieldId', 'invalid', 'a picklist cannot depend on itself');
    else if (controlling.type !== 'picklist' && controlling.type !== 'boolean') fail('dependsOn/fieldId', 'invalid', `a picklist can depend on a picklist or a checkbox, not a ${controlling.type} field`);
    else {
      for (const [key, values] of Object.entries(field.dependsOn.map)) {
        const knownKey = controlling.type === 'boolean' ? key === 'true' || key === 'false' : (controlling.values ?? []).some((v) => v.id === key);
        if (!knownKey) fail(`dependsOn/map/${key}`, 'not_found', `'${key}' is not a value of '${controlling.apiName}'`);
        for (const v of values) if (!(field.values ?? []).some((x) => x.id === v)) fail(`dependsOn/map/${key}`, 'not_found', `'${v}' is not a value of '${field.apiName}'`);
      }
    }
  }
  return errors;
}

function checkRollup(field: FieldDef, object: ObjectDef, snapshot: Snapshot, base: string): MetadataError[] {
  const errors: MetadataError[] = [];
  const fail = (prop: string, code: string, message: string) => errors.push({ path: `${base}/rollup/${prop}`, code, message });
  const rollup = field.rollup!;
  const child = findObject(snapshot, rollup.childObjectId);
  if (!child) {
    fail('childObjectId', 'not_found', `object '${rollup.childObjectId}' does not exist`);
    return errors;
  }
  const lookup = findField(child, rollup.lookupFieldId);
  if (!lookup) fail('lookupFieldId', 'not_found', `field '${rollup.lookupFieldId}' is not a live field of '${child.apiName}'`);
  else if (lookup.type !== 'lookup' || lookup.lookup?.objectId !== object.id) fail('lookupFieldId', 'invalid', `'${child.apiName}.${lookup.apiName}' is not a lookup to '${object.apiName}'`);
  if (rollup.function === 'count') {
    if (rollup.fieldId !== undefined) fail('fieldId', 'option_not_allowed', 'count counts records; it takes no field');
  } else if (rollup.fieldId === undefined) {
    fail('fieldId', 'required', `${rollup.function} needs the child field it summarises`);
  } else {
    const summed = findField(child, rollup.fieldId);
    const allowed = rollup.function === 'sum' ? ['number', 'currency', 'percent'] : ['number', 'currency', 'percent', 'date', 'datetime'];
    if (!summed) fail('fieldId', 'not_found', `field '${rollup.fieldId}' is not a live field of '${child.apiName}'`);
    else if (!allowed.includes(summed.type)) fail('fieldId', 'invalid', `${rollup.function} takes a ${allowed.join(', ')} field, not ${summed.type}`);
  }
  if (rollup.filter !== undefined) {
    const r = compileExpression(rollup.filter, { snapshot, object: child.id, context: 'formula' }, { expect: 'bool' });
    errors.push(...expressionErrors(r, `${base}/rollup/filter`));
    if (r.ok) {
      const refs = r.expression.references;
      if (refs.related.length || refs.user || refs.clock || refs.formulaFieldIds.length) {
        fail('filter', 'invalid_expression', "a roll-up filter reads the child's own stored fields only (no related records, user, today() or formulas)");
      }
    }
  }
  return errors;
}

/** Checks an object's validation rules: unique names, a condition that holds for bad records, a live field. */
export function checkValidationRules(object: ObjectDef, snapshot: Snapshot, base: string): MetadataError[] {
  const errors: MetadataError[] = [];
  const names = new Set<string>();
  (object.validationRules ?? []).forEach((rule, i) => {
    const at = `${base}/validationRules/${i}`;
    if (names.has(rule.apiName)) errors.push({ path: `${at}/apiName`, code: 'duplicate_api_name', message: `validation rule '${rule.apiName}' appears twice` });
    names.add(rule.apiName);
    if (rule.fieldId !== undefined && !findField(object, rule.fieldId)) errors.push({ path: `${at}/fieldId`, code: 'not_found', message: `field '${rule.fieldId}' is not a live field of '${object.apiName}'` });
    errors.push(...expressionErrors(compileExpression(rule.condition, { snapshot, object: object.id, context: 'validation' }, { expect: 'bool' }), `${at}/condition`));
  });
  return errors;
}

/** Checks a layout's rules: conditions over its object, and fields and sections it has. */
export function checkLayoutRules(layout: LayoutDef, object: ObjectDef, snapshot: Snapshot, base: string): MetadataError[] {
  const errors: MetadataError[] = [];
  (layout.rules ?? []).forEach((rule, i) => {
    const at = `${base}/rules/${i}`;
    errors.push(...expressionErrors(compileExpression(rule.when, { snapshot, object: object.id, context: 'layout' }, { expect: 'bool' }), `${at}/when`));
    (rule.fieldIds ?? []).forEach((ref, j) => {
      if (!findField(object, ref)) errors.push({ path: `${at}/fieldIds/${j}`, code: 'not_found', message: `field '${ref}' is not a live field of '${object.apiName}'` });
    });
    (rule.sectionIds ?? []).forEach((id, j) => {
      if (!layout.sections.some((s) => s.id === id)) errors.push({ path: `${at}/sectionIds/${j}`, code: 'not_found', message: `section '${id}' is not in this layout` });
    });
    if (!rule.fieldIds?.length && !rule.sectionIds?.length) errors.push({ path: at, code: 'required', message: 'a layout rule names at least one field or section' });
  });
  return errors;
}
