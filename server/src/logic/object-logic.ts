import {
  compileExpression,
  compileFormula,
  defaultResultType,
  type CompiledExpression,
  type FieldDef,
  type LayoutRule,
  type ObjectDef,
  type Snapshot,
  type ValidationRule,
} from '@protean/metadata';

/** An object's declarative logic at one revision, compiled once (memoised on the tenant model). */
export interface ObjectLogic {
  defaults: { field: FieldDef; expression: CompiledExpression }[];
  /** Stored formulas; each computes the formulas it uses inline, so their order does not matter. */
  storedFormulas: { field: FieldDef; expression: CompiledExpression }[];
  readFormulas: { field: FieldDef; expression: CompiledExpression }[];
  rules: { rule: ValidationRule; field: FieldDef | undefined; expression: CompiledExpression }[];
  layoutRules: { rule: LayoutRule; fieldIds: string[]; expression: CompiledExpression }[];
  dependentPicklists: { field: FieldDef; controlling: FieldDef }[];
  /** Lookup field ids whose related records some expression reads. */
  relatedLookups: string[];
  /** Lookup field ids whose related records formulas computed on read use (loaded per page by the read path). */
  readRelatedLookups: string[];
  /** Some default, rule or layout rule reads `user`. */
  readsUser: boolean;
  /** Roll-ups on other objects that summarise this object's records. */
  rollupsOver: RollupTarget[];
  /** Whether a save of this object has any logic to run. */
  any: boolean;
}

export interface RollupTarget {
  parent: ObjectDef;
  child: ObjectDef;
  field: FieldDef;
  lookupFieldId: string;
  function: 'count' | 'sum' | 'min' | 'max';
  summedFieldId: string | undefined;
  filter: CompiledExpression | undefined;
}

/**
 * Compiles every expression the object's saves run. Metadata was checked when it was saved, so
 * an expression that does not compile now (a model restored from before a check) is skipped
 * rather than failing every write.
 */
export function compileObjectLogic(snapshot: Snapshot, object: ObjectDef): ObjectLogic {
  const live = object.fields.filter((f) => f.deletedAt === undefined);
  const env = { snapshot, object: object.id } as const;
  const defaults: ObjectLogic['defaults'] = [];
  const storedFormulas: ObjectLogic['storedFormulas'] = [];
  const readFormulas: ObjectLogic['readFormulas'] = [];
  for (const field of live) {
    const expect = defaultResultType(field);
    if (field.defaultExpression !== undefined && expect) {
      const r = compileExpression(field.defaultExpression, { ...env, context: 'default' }, { expect });
      if (r.ok) defaults.push({ field, expression: r.expression });
    }
    if (field.type === 'formula' && field.formula) {
      const r = compileFormula(field, field.formula.expression, { ...env, context: 'formula' }, field.formula.resultType);
      if (r.ok) (field.formula.stored ? storedFormulas : readFormulas).push({ field, expression: r.expression });
    }
  }
  const rules: ObjectLogic['rules'] = [];
  for (const rule of object.validationRules ?? []) {
    if (rule.active === false) continue;
    const r = compileExpression(rule.condition, { ...env, context: 'validation' }, { expect: 'bool' });
    if (r.ok) rules.push({ rule, field: rule.fieldId ? live.find((f) => f.id === rule.fieldId) : undefined, expression: r.expression });
  }
  const layoutRules: ObjectLogic['layoutRules'] = [];
  for (const layout of snapshot.layouts) {
    if (layout.objectId !== object.id) continue;
    for (const rule of layout.rules ?? []) {
      if (rule.action !== 'require' && rule.action !== 'readOnly') continue;
      const r = compileExpression(rule.when, { ...env, context: 'layout' }, { expect: 'bool' });
      if (!r.ok) continue;
      const sectionFields = layout.sections.filter((s) => rule.sectionIds?.includes(s.id)).flatMap((s) => s.fields.map((f) => f.fieldId));
      layoutRules.push({ rule, fieldIds: [...new Set([...(rule.fieldIds ?? []), ...sectionFields])], expression: r.expression });
    }
  }
  const dependentPicklists: ObjectLogic['dependentPicklists'] = [];
  for (const field of live) {
    const controlling = field.dependsOn && live.find((f) => f.id === field.dependsOn!.fieldId);
    if (controlling) dependentPicklists.push({ field, controlling });
  }
  const rollupsOver: RollupTarget[] = [];
  for (const parent of snapshot.objects) {
    for (const field of parent.fields) {
      const rollup = field.rollup;
      if (field.deletedAt !== undefined || field.type !== 'rollup' || !rollup || rollup.childObjectId !== object.id) continue;
      let filter: CompiledExpression | undefined;
      if (rollup.filter !== undefined) {
        const r = compileExpression(rollup.filter, { ...env, context: 'formula' }, { expect: 'bool' });
        if (!r.ok) continue;
        filter = r.expression;
      }
      rollupsOver.push({ parent, child: object, field, lookupFieldId: rollup.lookupFieldId, function: rollup.function, summedFieldId: rollup.fieldId, filter });
    }
  }
  const related = new Set<string>();
  for (const e of [...defaults, ...rules, ...layoutRules]) for (const r of e.expression.references.related) related.add(r.lookupFieldId);
  return {
    defaults,
    storedFormulas,
    readFormulas,
    rules,
    layoutRules,
    dependentPicklists,
    relatedLookups: [...related],
    readRelatedLookups: [...new Set(readFormulas.flatMap((f) => f.expression.references.related.map((r) => r.lookupFieldId)))],
    readsUser: [...defaults, ...rules, ...layoutRules].some((e) => e.expression.references.user),
    rollupsOver,
    any: defaults.length + storedFormulas.length + rules.length + layoutRules.length + dependentPicklists.length + rollupsOver.length > 0,
  };
}
