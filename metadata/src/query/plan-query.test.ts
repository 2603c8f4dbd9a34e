import { describe, expect, it } from 'vitest';
import { standardSnapshot } from '../standard/standard-objects.ts';
import { planQuery } from './plan-query.ts';
import type { QueryPlanResult } from './query-plan.ts';

const snapshot = standardSnapshot();
const ok = (result: QueryPlanResult) => {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.plan;
};
const errors = (result: QueryPlanResult) => {
  if (result.ok) throw new Error('expected errors');
  return result.errors;
};

describe('planQuery', () => {
  it('resolves a nested filter, one lookup hop, sort, fields and expand', () => {
    const plan = ok(
      planQuery(snapshot, 'deal', {
        filter: JSON.stringify({
          and: [
            { field: 'stage', op: 'in', value: ['proposal', 'negotiation'] },
            { or: [{ field: 'amount', op: 'gte', value: '1000' }, { not: { field: 'organization.name', op: 'startsWith', value: 'Acme' } }] },
          ],
        }),
        sort: '-close_date,name',
        fields: 'name,amount',
        expand: 'organization',
      }),
    );
    expect(plan.objectId).toBe('deal');
    expect(plan.sort.map((s) => `${s.field.id}:${s.direction}`)).toEqual(['close_date:desc', 'name:asc']);
    expect(plan.select.map((f) => f.id)).toEqual(['name', 'amount']);
    expect(plan.expand.map((f) => f.id)).toEqual(['organization']);
    const where = plan.where;
    if (where?.kind !== 'and') throw new Error('expected and');
    expect(where.conditions[0]).toMatchObject({ kind: 'compare', op: 'in', value: ['proposal', 'negotiation'] });
    const or = where.conditions[1];
    if (or?.kind !== 'or') throw new Error('expected or');
    expect(or.conditions[0]).toMatchObject({ op: 'gte', value: 1000 });
    expect(or.conditions[1]).toMatchObject({ kind: 'not', condition: { field: { id: 'name' }, via: { lookupField: { id: 'organization' }, object: { id: 'organization' } } } });
  });

  it('a filter on an unknown field names the field', () => {
    expect(errors(planQuery(snapshot, 'deal', { filter: { field: 'stge', op: 'eq', value: 'x' } }))).toEqual([
      { param: 'filter', field: 'stge', code: 'unknown_field', message: "is not a field of 'deal'", path: '/field' },
    ]);
    expect(errors(planQuery(snapshot, 'deal', { filter: { field: 'organization.nme', op: 'eq', value: 'x' } }))[0]?.message).toBe("is not a field reference: 'organization' has no field 'nme'");
  });

  it('refuses unknown operators, operators that do not fit the type and values of the wrong type', () => {
    const errs = errors(
      planQuery(snapshot, 'deal', {
        filter: {
          and: [
            { field: 'amount', op: 'like', value: 1 },
            { field: 'amount', op: 'contains', value: 1 },
            { field: 'close_date', op: 'gt', value: '30/09/2025' },
            { field: 'stage', op: 'eq', value: 'won' },
            { field: 'customer', op: 'eq', value: "1; drop table record" },
          ],
        },
      }),
    );
    expect(errs.map((e) => [e.field, e.code])).toEqual([
      ['amount', 'unknown_operator'],
      ['amount', 'operator_not_allowed'],
      ['close_date', 'bad_value'],
      ['stage', 'bad_value'],
      ['customer', 'bad_value'],
    ]);
  });

  it('accepts field aliases and system fields, and normalises date-times to UTC', () => {
    const renamed = structuredClone(snapshot);
    const amount = renamed.objects.find((o) => o.id === 'deal')?.fields.find((f) => f.id === 'amount');
    if (amount) Object.assign(amount, { apiName: 'value', apiNameAliases: ['amount'] });
    const plan = ok(planQuery(renamed, 'deal', { filter: { and: [{ field: 'amount', op: 'isNull', value: false }, { field: 'created_at', op: 'gte', value: '2025-01-01T08:00:00+08:00' }] }, sort: '-created_at' }));
    if (plan.where?.kind !== 'and') throw new Error('expected and');
    expect(plan.where.conditions[0]).toMatchObject({ field: { id: 'amount' }, value: false });
    expect(plan.where.conditions[1]).toMatchObject({ value: '2025-01-01T00:00:00.000Z' });
  });

  it('refuses malformed filters rather than guessing', () => {
    expect(errors(planQuery(snapshot, 'deal', { filter: '{not json' }))[0]?.code).toBe('malformed');
    expect(errors(planQuery(snapshot, 'deal', { filter: { and: [] } }))[0]?.code).toBe('malformed');
    expect(errors(planQuery(snapshot, 'deal', { filter: { field: 'name', op: 'eq', value: 'x', extra: 1 } }))[0]?.code).toBe('malformed');
    expect(errors(planQuery(snapshot, 'deal', { filter: { field: 'name', op: 'isNull', value: 'yes' } }))[0]?.code).toBe('bad_value');
  });

  it('limits sort to five known, sortable, distinct keys', () => {
    expect(errors(planQuery(snapshot, 'deal', { sort: 'a,b,c,d,e,f' }))[0]?.code).toBe('limit_exceeded');
    expect(errors(planQuery(snapshot, 'deal', { sort: 'name;drop' }))[0]).toMatchObject({ param: 'sort', code: 'unknown_field' });
    expect(errors(planQuery(snapshot, 'customer', { sort: 'notes' }))[0]?.code).toBe('not_sortable');
    expect(errors(planQuery(snapshot, 'deal', { sort: 'name,-name' }))[0]?.code).toBe('duplicate');
  });

  it('expands only lookup fields', () => {
    expect(errors(planQuery(snapshot, 'deal', { expand: 'amount' }))[0]).toMatchObject({ param: 'expand', field: 'amount', code: 'not_a_lookup' });
  });

  it('an unknown object is an error, not an exception', () => {
    expect(errors(planQuery(snapshot, 'nope'))[0]?.code).toBe('unknown_object');
  });
});
