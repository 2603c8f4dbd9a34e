import type { FieldDef } from '@protean/metadata';

/** Field ids are validated identifiers; quoting keeps the literal safe regardless. */
export const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

export type SqlKind = 'text' | 'numeric' | 'boolean' | 'jsonb';

export function sqlKind(field: FieldDef): SqlKind {
  switch (field.type) {
    case 'number':
    case 'currency':
    case 'percent':
      return 'numeric';
    case 'boolean':
      return 'boolean';
    case 'multiPicklist':
    case 'json':
      return 'jsonb';
    default:
      // Dates and datetimes are stored as fixed-width ISO strings, so text order is time order.
      return 'text';
  }
}

/**
 * The one SQL expression for a field's value. The field id is inlined (never a parameter)
 * so that expression indexes built by the index manager match the query text exactly.
 */
export function valueSql(field: FieldDef, alias: string): string {
  const id = literal(field.id);
  switch (sqlKind(field)) {
    case 'numeric':
      return `((${alias}.data->>${id})::numeric)`;
    case 'boolean':
      return `((${alias}.data->>${id})::boolean)`;
    case 'jsonb':
      return `(${alias}.data->${id})`;
    default:
      return `(${alias}.data->>${id})`;
  }
}

export const castFor = (kind: SqlKind) => (kind === 'numeric' ? '::numeric' : kind === 'boolean' ? '::boolean' : kind === 'jsonb' ? '::jsonb' : '::text');
