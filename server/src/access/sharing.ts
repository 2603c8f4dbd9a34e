import { compileExpression, ExpressionEvaluationError, type ObjectDef } from '@protean/metadata';
import type { Database, Queryable } from '../db/database.ts';
import { validationError } from '../errors/problems.ts';
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
      let after = '00000000-0000-0000-0000-000000000000';
      let matched = 0;
      for (;;) {
        // Only the fields the condition reads travel, not whole records.
        const page = await q.query<{ id: string; data: Record<string, unknown> }>(
          `select id, jsonb_build_object(${condition.fieldIds.map((_, i) => `$${i + 5}::text, data->$${i + 5}`).join(', ') || "'_', null"}) as data
             from record where tenant_id = $1 and object_id = $2 and id > $3 and deleted_at is null order by id limit $4`,
          [tenantId, object.id, after, RECALC_PAGE, ...condition.fieldIds],
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
