import { fieldType, systemFieldIds, type FieldDef, type ObjectDef } from '@protean/metadata';
import { literal } from './field-sql.ts';

/**
 * A list page written as the API's JSON by Postgres itself (ADR 0024): each row comes back as the
 * text of its API record, which the server joins into the answer without parsing the stored JSON,
 * building objects and serializing them again. What `toApiRecord` and the expansion build in the
 * server, key for key and in the same order; where a value needs the server (a formula computed
 * on read, a multi-picklist's names) there is no SQL form and the list takes the object path.
 */
export interface RecordJsonSpec {
  /** The record's fields, in the order the API gives them (system fields are columns, written first). */
  fields: readonly FieldDef[];
  /** Lookups shown as their record: in place of the field when it is among `fields`, else after them. */
  expansions: { field: FieldDef; target: ObjectDef; fields: readonly FieldDef[]; alias: string }[];
}

// A call has at most 100 arguments in Postgres; longer records nest calls.
const CONCAT_ARGS = 90;

/** Whether every value of these fields reads in SQL as the API gives it. */
export function expressibleInSql(fields: readonly FieldDef[]): boolean {
  return fields.every((field) => field.type === 'picklist' || !fieldType(field).fromStored);
}

/** The SQL text expression of a record's API JSON over the row `alias` (its columns and `data`). */
export function recordJsonSql(spec: RecordJsonSpec, alias: string): string {
  const pieces: Piece[] = [
    `{"id":"`, { sql: `${alias}.id` },
    `","version":`, { sql: `${alias}.version` },
    `,"created_at":"`, { sql: isoSql(`${alias}.created_at`) },
    `","created_by":`, { sql: quotedOrNull(`${alias}.created_by`) },
    `,"updated_at":"`, { sql: isoSql(`${alias}.updated_at`) },
    `","updated_by":`, { sql: quotedOrNull(`${alias}.updated_by`) },
  ];
  const placed = new Set<string>();
  for (const field of spec.fields) {
    if (systemFieldIds.has(field.id)) continue;
    pieces.push(`,${JSON.stringify(field.apiName)}:`);
    const expansion = spec.expansions.find((e) => e.field.id === field.id);
    if (!expansion) {
      pieces.push({ sql: valueSql(field, `${alias}.data`) });
      continue;
    }
    placed.add(field.id);
    // Without a looked-up record (none, deleted or out of reach) the field keeps its stored value.
    pieces.push({ sql: `case when ${expansion.alias}.id is null then ${valueSql(field, `${alias}.data`)} else ${expandedSql(expansion)} end` });
  }
  for (const expansion of spec.expansions) {
    if (placed.has(expansion.field.id)) continue;
    pieces.push({ sql: `case when ${expansion.alias}.id is null then '' else ${concatSql([`,${JSON.stringify(expansion.field.apiName)}:`, { sql: expandedSql(expansion) }])} end` });
  }
  pieces.push('}');
  return concatSql(pieces);
}

type Piece = string | { sql: string };

/** A looked-up record as `expanded` in read-path.ts builds it: id, display name, its readable fields. */
function expandedSql(expansion: RecordJsonSpec['expansions'][number]): string {
  const { target, alias } = expansion;
  const nameReadable = expansion.fields.some((f) => f.id === target.nameFieldId);
  const name = `${alias}.data->${literal(target.nameFieldId)}`;
  const displayName = nameReadable ? `case when jsonb_typeof(${name}) = 'string' and ${name} <> '""' then (${name})::text else '"' || ${alias}.id || '"' end` : `'"' || ${alias}.id || '"'`;
  const pieces: Piece[] = [`{"id":"`, { sql: `${alias}.id` }, `","display_name":`, { sql: displayName }];
  for (const field of expansion.fields) pieces.push(`,${JSON.stringify(field.apiName)}:`, { sql: valueSql(field, `${alias}.data`) });
  pieces.push('}');
  return concatSql(pieces);
}

/** A stored value as API JSON text: a picklist's value id as its api name, anything else as stored; none is null. */
function valueSql(field: FieldDef, data: string): string {
  const stored = `${data}->${literal(field.id)}`;
  if (field.type !== 'picklist') return `coalesce((${stored})::text, 'null')`;
  const values = field.values ?? [];
  if (values.length === 0) return `'null'`;
  return `case ${data}->>${literal(field.id)} ${values.map((v) => `when ${literal(v.id)} then ${literal(JSON.stringify(v.apiName))}`).join(' ')} else 'null' end`;
}

/** A timestamp as the API writes it (`toISOString()`: UTC, milliseconds cut, not rounded, as `timestampToIso` does). */
const isoSql = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const quotedOrNull = (column: string) => `coalesce('"' || ${column} || '"', 'null')`;

/** One `concat` over the pieces, adjacent texts merged; nested when longer than a call may be. */
function concatSql(pieces: Piece[]): string {
  const merged: string[] = [];
  let text = '';
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      text += piece;
      continue;
    }
    if (text) merged.push(literal(text));
    text = '';
    merged.push(piece.sql);
  }
  if (text) merged.push(literal(text));
  if (merged.length <= CONCAT_ARGS) return `concat(${merged.join(', ')})`;
  const chunks: string[] = [];
  for (let i = 0; i < merged.length; i += CONCAT_ARGS) chunks.push(`concat(${merged.slice(i, i + CONCAT_ARGS).join(', ')})`);
  return chunks.length <= CONCAT_ARGS ? `concat(${chunks.join(', ')})` : concatSql(chunks.map((sql) => ({ sql })));
}
