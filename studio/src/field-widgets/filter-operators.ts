// The operators the list filter builder offers per widget, in menu order: a subset of what the
// type accepts (filters.test.ts checks it), limited to those the builder has an editor for.
import type { FieldWidgetName } from '@protean/metadata/field-types';
import type { FilterOp } from '../api/types.ts';

const textOps: readonly FilterOp[] = ['contains', 'eq', 'ne', 'startsWith', 'isNull'];
const rangeOps: readonly FilterOp[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'isNull'];
const idOps: readonly FilterOp[] = ['eq', 'ne', 'isNull'];

export const filterOperatorsByWidget: Record<FieldWidgetName, readonly FilterOp[]> = {
  text: textOps,
  textarea: ['contains', 'startsWith', 'isNull'],
  email: textOps,
  phone: textOps,
  url: textOps,
  autonumber: textOps,
  number: rangeOps,
  currency: rangeOps,
  percent: rangeOps,
  date: rangeOps,
  datetime: rangeOps,
  checkbox: ['eq', 'isNull'],
  select: ['in', 'nin', 'eq', 'ne', 'isNull'],
  multiSelect: ['contains', 'in', 'nin', 'isNull'],
  lookup: idOps,
  owner: idOps,
  json: ['isNull'],
};
