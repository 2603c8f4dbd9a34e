import { compileExpression, ExpressionEvaluationError, parseExpression, planQuery, type ExprNode, type ObjectDef, type Snapshot } from '@protean/metadata';
import { listWhere } from '../data/sql/compile-list-query.ts';
import type { Database, Queryable } from '../db/database.ts';
import { validationError, type FieldProblem } from '../errors/problems.ts';
import type { TenantModel } from '../data/tenant-model.ts';
import type { NamedHook, SaveEvent } from '../data/save-hooks.ts';

const RULES_CHANNEL = 'protean_sharing_rules';
const RECALC_PAGE = 5_000;

export interface SharingRule {
  id: string;
  object_id: string;
  name: string;
  condition: string;
  grantee_kind: 'role' | 'group' | 'user';
  grantee_id: string;
  access: 'read' | 'edit';
  active: boolean;
}

/** The narrow part of the expression language a sharing rule needs: a verdict over a stored record. */
export interface RecordCondition {
  test(record: Readonly<Record<string, unknown>>): boolean;
  /** The fields it reads, by id: a recalculation reads only these of each record. */
  fieldIds: readonly string[];
}

/** Compiles a rule's condition against the object's fields (CEL, ADR 0013); refuses it with the reason otherwise. */
export function compileRuleCondition(model: TenantModel, object: ObjectDef, source: string): RecordCondition {
  const compiled = compileExpression(source, { snapshot: model.snapshot, object: object.id, context: 'condition' }, { expect: 'bool' });
  if (!compiled.ok) throw validationError('The sharing rule condition is invalid', compiled.errors.map((e) => ({ field: 'condition', code: e.code, message: e.message })));
  const expression = compiled.expression;
  if (expression.references.related.length) {
    throw validationError('The sharing rule condition is invalid', [{ field: 'condition', code: 'related', message: 'may read only the record’s own fields, not those of related records' }]);
  }
  return { test: (record) => expression.test({ record }), fieldIds: expression.references.fieldIds };
}

/**
 * Sharing rules live outside the model, so a metadata change follows them here, in its own
 * transaction (a guard of the metadata service): a condition naming a field or picklist value the
 * change renames is rewritten to the new name, as the model's own expressions are. A rule kept the
 * old name, and once that alias was removed (or at once, for a renamed value) every save of the
 * object was refused as 'The sharing rule condition is invalid'. A change that breaks a rule
 * another way (a field it reads deleted) is refused, naming the rule.
 */
export async function followSharingRules(tx: Queryable, tenantId: string, current: Snapshot, next: Snapshot): Promise<FieldProblem[]> {
  const rules = await tx.query<Pick<SharingRule, 'id' | 'object_id' | 'name' | 'condition'>>('select id, object_id, name, condition from acl_sharing_rule where tenant_id = $1', [tenantId]);
  const problems: FieldProblem[] = [];
  const fieldIn = (snapshot: Snapshot, objectId: string, fieldId: string) => snapshot.objects.find((o) => o.id === objectId)?.fields.find((f) => f.id === fieldId && f.deletedAt === undefined);
  for (const rule of rules) {
    const before = compileExpression(rule.condition, { snapshot: current, object: rule.object_id, context: 'condition' }, { expect: 'bool' });
    // Broken before this change, or its object deleted by it: neither is this change's to answer for.
    if (!before.ok || !next.objects.some((o) => o.id === rule.object_id)) continue;
    const edits = new Map<number, { end: number; text: string }>();
    for (const span of before.expression.references.spans) {
      const field = fieldIn(next, span.objectId, span.fieldId);
      if (field) edits.set(span.start, { end: span.end, text: field.apiName });
    }
    for (const literal of before.expression.references.values) {
      const id = fieldIn(current, rule.object_id, literal.fieldId)?.values?.find((v) => v.apiName === literal.value)?.id;
      const renamed = fieldIn(next, rule.object_id, literal.fieldId)?.values?.find((v) => v.id === id);
      if (renamed) edits.set(literal.start, { end: literal.end, text: `'${renamed.apiName}'` });
    }
    let source = rule.condition;
    for (const [start, { end, text }] of [...edits].sort((a, b) => b[0] - a[0])) source = source.slice(0, start) + text + source.slice(end);
    const after = compileExpression(source, { snapshot: next, object: rule.object_id, context: 'condition' }, { expect: 'bool' });
    if (!after.ok) {
      problems.push({ field: 'condition', code: 'has_dependents', message: `The change breaks the sharing rule '${rule.name}': ${after.errors[0]?.message ?? 'its condition no longer compiles'}`, dependents: [{ kind: 'sharingRule', id: rule.id, label: rule.name }] });
    } else if (source !== rule.condition) {
      await tx.query('update acl_sharing_rule set condition = $3, updated_at = now() where tenant_id = $1 and id = $2', [tenantId, rule.id, source]);
    }
  }
  return problems;
}

/**
 * Sharing rules as share rows. A rule's matches are written as rows `source = 'rule:<id>'`, so a
 * read narrows by an index probe, never by evaluating rules per row; a save re-evaluates the
 * rules of its records (an afterWrite hook), and a changed rule is recalculated over the
 * object's records in pages.
 */
export class SharingRules {
  readonly #db: Database;
  /** Objects (by id, across tenants) with an active rule: the hook applies only to them, so other creates keep their one-statement path. */
  #objects = new Set<string>();

  constructor(db: Database) {
    this.#db = db;
  }

  async start(): Promise<void> {
    await this.#reload();
    await this.#db.listen(RULES_CHANNEL, () => void this.#reload());
    this.#db.onReconnect(() => void this.#reload());
  }

  async #reload(): Promise<void> {
    const rows = await this.#db.system((q) => q.query<{ object_id: string }>('select distinct object_id from acl_sharing_rule where active'));
    this.#objects = new Set(rows.map((r) => r.object_id));
  }

  async rulesChanged(objectId: string): Promise<void> {
    this.#objects.add(objectId);
    await this.#db.notify(RULES_CHANNEL, objectId);
  }

  /** Re-evaluates the rules of the saved records in the save's transaction. */
  hook(): NamedHook<(event: SaveEvent) => Promise<void>> {
    return {
      name: 'sharing-rules',
      appliesTo: (object, action) => action !== 'delete' && this.#objects.has(object.id),
      run: async ({ ctx, scope, object, action, records }) => {
        if (action === 'delete') return;
        const tenantId = ctx.principal.tenantId;
        const rules = await activeRules(scope.tx, tenantId, object.id);
        if (rules.length === 0) return;
        const ids = records.map((r) => r.id);
        await scope.tx.query(`delete from record_share where tenant_id = $1 and record_id = any($2::uuid[]) and source like 'rule:%'`, [tenantId, ids]);
        for (const rule of rules) {
          const condition = compileRuleCondition(scope.model, object, rule.condition);
          const matched = records.filter((r) => safeTest(condition, r.data)).map((r) => r.id);
          await insertShares(scope.tx, tenantId, object.id, rule, matched);
        }
      },
    };
  }

  /**
   * Applies a rule to every record of its object again: its share rows are replaced in one
   * transaction, so readers see the old grants or the new ones, never half of them.
   */
  async recalculate(tenantId: string, model: TenantModel, ruleId: string): Promise<{ matched: number }> {
    return this.#db.transaction(tenantId, async (q) => {
      const rule = (await q.query<SharingRule>('select * from acl_sharing_rule where tenant_id = $1 and id = $2', [tenantId, ruleId]))[0];
      await q.query('delete from record_share where tenant_id = $1 and source = $2', [tenantId, `rule:${ruleId}`]);
      if (!rule || !rule.active) return { matched: 0 };
      const object = model.objectById(rule.object_id);
      if (!object) return { matched: 0 };
      const condition = compileRuleCondition(model, object, rule.condition);
      // Candidates come from SQL when the condition has a shape the list filter can narrow by (a
      // superset of its matches); each candidate is then tested with the condition itself.
      const prefilter = candidatesWhere(model, object, rule.condition, tenantId);
      let after = '00000000-0000-0000-0000-000000000000';
      let matched = 0;
      for (;;) {
        // Only the fields the condition reads travel, not whole records.
        const n = prefilter.params.length;
        const page = await q.query<{ id: string; data: Record<string, unknown> }>(
          `select r.id, jsonb_build_object(${condition.fieldIds.map((_, i) => `$${n + 3 + i}::text, r.data->$${n + 3 + i}`).join(', ') || "'_', null"}) as data
             from record r where ${prefilter.sql} and r.id > $${n + 1} order by r.id limit $${n + 2}`,
          [...prefilter.params, after, RECALC_PAGE, ...condition.fieldIds],
        );
        if (page.length === 0) break;
        const ids = page.filter((r) => safeTest(condition, r.data)).map((r) => r.id);
        await insertShares(q, tenantId, object.id, rule, ids);
        matched += ids.length;
        after = page[page.length - 1]!.id;
        if (page.length < RECALC_PAGE) break;
      }
      return { matched };
    });
  }
}

type FilterJson = { and: FilterJson[] } | { or: FilterJson[] } | { field: string; op: string; value: unknown };

const COMPARE: Record<string, string> = { '==': 'eq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };
const FLIPPED: Record<string, string> = { '==': '==', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/**
 * The part of a rule's condition the list filter can express, loosened so it matches every record
 * the condition does (text equality and prefixes compare case-insensitively there, numbers and
 * booleans exactly); anything else narrows nothing. Undefined: read every record.
 */
function toFilter(model: TenantModel, object: ObjectDef, node: ExprNode): FilterJson | undefined {
  const field = (n: ExprNode) => (n.kind === 'ident' ? model.field(object, n.name) : undefined);
  // Only types whose CEL value is the stored value itself (no picklist labels, no computed fields).
  const kindOf = (n: ExprNode): 'number' | 'text' | 'boolean' | undefined => {
    const type = field(n)?.type;
    if (type === 'number' || type === 'currency') return 'number';
    if (type === 'text' || type === 'email' || type === 'phone' || type === 'url') return 'text';
    return type === 'boolean' ? 'boolean' : undefined;
  };
  switch (node.kind) {
    case 'binary': {
      if (node.op === '&&' || node.op === '||') {
        const left = toFilter(model, object, node.left);
        const right = toFilter(model, object, node.right);
        if (node.op === '&&') return left && right ? { and: [left, right] } : (left ?? right);
        return left && right ? { or: [left, right] } : undefined;
      }
      const op = COMPARE[node.op];
      if (!op) return undefined;
      const [ident, literal, cmp] = node.left.kind === 'ident' ? [node.left, node.right, node.op] : [node.right, node.left, FLIPPED[node.op]!];
      if (ident.kind !== 'ident' || literal.kind !== 'literal' || literal.value === null) return undefined;
      const stored = kindOf(ident);
      if (stored === 'number' && typeof literal.value === 'number') return { field: ident.name, op: COMPARE[cmp]!, value: literal.value };
      if (stored === 'text' && typeof literal.value === 'string' && cmp === '==') return { field: ident.name, op: 'eq', value: literal.value };
      if (stored === 'boolean' && typeof literal.value === 'boolean' && cmp === '==') return { field: ident.name, op: 'eq', value: literal.value };
      return undefined;
    }
    case 'ident':
      return kindOf(node) === 'boolean' ? { field: node.name, op: 'eq', value: true } : undefined;
    case 'call':
      if (node.name === 'startsWith' && node.target && kindOf(node.target) === 'text' && node.args[0]?.kind === 'literal' && typeof node.args[0].value === 'string') {
        return { field: (node.target as { name: string }).name, op: 'startsWith', value: node.args[0].value };
      }
      return undefined;
    default:
      return undefined;
  }
}

function candidatesWhere(model: TenantModel, object: ObjectDef, condition: string, tenantId: string): { sql: string; params: unknown[] } {
  const parsed = parseExpression(condition);
  const filter = parsed.ok ? toFilter(model, object, parsed.node) : undefined;
  const planned = filter ? planQuery(model.snapshot, object.id, { filter: JSON.stringify(filter) }) : undefined;
  return listWhere(tenantId, object, planned?.ok ? planned.plan.where : undefined);
}

async function activeRules(q: Queryable, tenantId: string, objectId: string): Promise<SharingRule[]> {
  return q.query<SharingRule>('select * from acl_sharing_rule where tenant_id = $1 and object_id = $2 and active order by created_at', [tenantId, objectId]);
}

async function insertShares(q: Queryable, tenantId: string, objectId: string, rule: SharingRule, recordIds: string[]): Promise<void> {
  if (recordIds.length === 0) return;
  await q.query(
    `insert into record_share (tenant_id, record_id, grantee, object_id, access, source)
     select $1, id, $3, $4, $5, $6 from unnest($2::uuid[]) as id on conflict do nothing`,
    [tenantId, recordIds, rule.grantee_id, objectId, rule.access, `rule:${rule.id}`],
  );
}

/** A condition that cannot be evaluated for a record (a value of the wrong shape) shares nothing. */
function safeTest(condition: RecordCondition, data: Record<string, unknown>): boolean {
  try {
    return condition.test(data);
  } catch (error) {
    if (error instanceof ExpressionEvaluationError) return false;
    throw error;
  }
}
