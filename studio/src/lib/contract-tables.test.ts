import { describe, expect, it } from 'vitest';
import { fieldTypes, nameFieldTypes, operatorsByType, optionsByType } from '@protean/metadata';
import { FIELD_TYPES, NAME_FIELD_TYPES, OPTIONS_BY_TYPE } from './contract-tables.ts';
import { opsFor } from '../crm/filters.ts';

describe('studio contract tables match @protean/metadata', () => {
  it('lists every field type', () => {
    expect([...FIELD_TYPES].sort()).toEqual([...fieldTypes].sort());
  });
  it('offers the same options per field type as the field rules', () => {
    for (const type of fieldTypes) expect([...OPTIONS_BY_TYPE[type]].sort(), type).toEqual([...optionsByType[type]].sort());
  });
  it('knows which field types can name records', () => {
    expect([...NAME_FIELD_TYPES].sort()).toEqual([...nameFieldTypes].sort());
  });
  it('offers only filter operators the query planner accepts', () => {
    for (const type of fieldTypes) {
      for (const op of opsFor(type)) expect(operatorsByType[type], `${type} ${op}`).toContain(op);
    }
  });
});
