import { describe, expect, it } from 'vitest';
import { fieldType, fieldTypes } from '@protean/metadata/field-types';
import { fromFilter, opsFor, parseFilterParam, toFilter } from './filters.ts';

describe('list filters', () => {
  it('builds the REST filter language from rows and reads it back', () => {
    const state = {
      match: 'or' as const,
      rows: [
        { field: 'stage', op: 'in' as const, value: ['proposal', 'negotiation'] },
        { field: 'amount', op: 'gte' as const, value: 1000 },
      ],
    };
    const filter = toFilter(state);
    expect(filter).toEqual({ or: [{ field: 'stage', op: 'in', value: ['proposal', 'negotiation'] }, { field: 'amount', op: 'gte', value: 1000 }] });
    expect(fromFilter(filter)).toEqual(state);
  });

  it('drops rows without a value, keeps isNull rows, and collapses a single condition', () => {
    expect(toFilter({ match: 'and', rows: [{ field: 'name', op: 'contains', value: '' }, { field: 'email', op: 'isNull', value: true }] })).toEqual({
      field: 'email',
      op: 'isNull',
      value: true,
    });
    expect(toFilter({ match: 'and', rows: [] })).toBeNull();
  });

  it('ignores a malformed filter parameter', () => {
    expect(parseFilterParam('{nope')).toBeNull();
  });
});

describe('filter builder operators', () => {
  it('leads with the operator people use most for the type', () => {
    expect(opsFor('text')[0]).toBe('contains');
    expect(opsFor('picklist')[0]).toBe('in');
    expect(opsFor('currency')).toEqual(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'isNull']);
    expect(opsFor('boolean')).toEqual(['eq', 'isNull']);
    expect(opsFor('lookup')).toEqual(['eq', 'ne', 'isNull']);
  });

  it('offers only operators the field type accepts', () => {
    for (const type of fieldTypes) {
      for (const op of opsFor(type)) expect(fieldType(type).filterOperators, `${type} ${op}`).toContain(op);
    }
  });
});
