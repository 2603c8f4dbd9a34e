/** The static type of an expression or one of its parts. */
export type ExprType =
  | { kind: 'bool' }
  | { kind: 'number' }
  | { kind: 'date' }
  | { kind: 'datetime' }
  | { kind: 'duration' }
  | { kind: 'null' }
  /** Only where an error was already reported: accepted everywhere so one mistake is reported once. */
  | { kind: 'error' }
  /** Text; a picklist's text also carries its value names, so a literal compared with it is checked. */
  | { kind: 'string'; values?: readonly string[]; fieldLabel?: string; fieldId?: string }
  | { kind: 'list'; of: ExprType }
  /** A lookup: its value is the related record's id; `.field` reads a field of that record. */
  | { kind: 'ref'; objectId: string; lookupFieldId: string }
  /** A named group of values (`user`, `record`): only its members are values. */
  | { kind: 'scope'; name: string };

export const T = {
  bool: { kind: 'bool' },
  number: { kind: 'number' },
  string: { kind: 'string' },
  date: { kind: 'date' },
  datetime: { kind: 'datetime' },
  duration: { kind: 'duration' },
  null: { kind: 'null' },
  error: { kind: 'error' },
} as const satisfies Record<string, ExprType>;

export function typeName(type: ExprType): string {
  switch (type.kind) {
    case 'bool':
      return 'bool';
    case 'list':
      return `list(${typeName(type.of)})`;
    case 'ref':
      return 'lookup';
    case 'scope':
      return type.name;
    case 'error':
      return 'unknown';
    default:
      return type.kind;
  }
}

/** The kind values of a type compare as: a lookup compares as its id text. */
export function baseKind(type: ExprType): ExprType['kind'] {
  return type.kind === 'ref' ? 'string' : type.kind;
}

/** Whether a value of `actual` may stand where `expected` is wanted (null fits every type). */
export function fits(actual: ExprType, expected: ExprType): boolean {
  if (actual.kind === 'null' || actual.kind === 'error' || expected.kind === 'error') return true;
  if (expected.kind === 'list') return actual.kind === 'list' && fits(actual.of, expected.of);
  return baseKind(actual) === baseKind(expected);
}

/** The common type of two branches (conditional, list items), or null when they differ. */
export function unify(a: ExprType, b: ExprType): ExprType | null {
  if (a.kind === 'null' || a.kind === 'error') return b;
  if (b.kind === 'null' || b.kind === 'error') return a;
  if (a.kind === 'list' && b.kind === 'list') {
    const of = unify(a.of, b.of);
    return of ? { kind: 'list', of } : null;
  }
  if (baseKind(a) !== baseKind(b)) return null;
  return a.kind === 'ref' || b.kind === 'ref' ? T.string : a;
}

/** The result types a formula field may declare, and the expression type each stands for. */
export const formulaResultTypes = ['number', 'text', 'boolean', 'date', 'datetime'] as const;
export type FormulaResultType = (typeof formulaResultTypes)[number];

export function resultExprType(result: FormulaResultType): ExprType {
  switch (result) {
    case 'number':
      return T.number;
    case 'text':
      return T.string;
    case 'boolean':
      return T.bool;
    case 'date':
      return T.date;
    case 'datetime':
      return T.datetime;
  }
}
