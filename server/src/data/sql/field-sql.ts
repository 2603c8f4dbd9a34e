import { fieldType, foldCase, slotOf, systemFieldIds, writeSlots, type FieldDef, type IndexSlot, type ObjectDef, type StoredKind } from '@protean/metadata';

/** Field ids are validated identifiers; quoting keeps the literal safe regardless. */
export const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

export type SqlKind = 'text' | 'ci_text' | 'numeric' | 'boolean' | 'timestamp' | 'uuid' | 'jsonb';

const sqlKinds: Record<StoredKind, SqlKind> = {
  text: 'text',
  ciText: 'ci_text',
  number: 'numeric',
  boolean: 'boolean',
  date: 'text',
  datetime: 'text',
  json: 'jsonb',
};

/** How a field's values compare in SQL, from what its type stores. Text compares case-insensitively, as people search. */
export function sqlKind(field: FieldDef): SqlKind {
  return sqlKinds[fieldType(field).stored];
}

export interface FieldSql {
  /** The SQL expression of the value. */
  sql: string;
  /** The cast a bound parameter needs to compare with it. */
  cast: string;
  kind: SqlKind;
  /** The expression already holds lower-cased text (a text slot). */
  lowered: boolean;
}

/**
 * The one SQL expression for a field's value: its typed index slot when it has one (ADR 0002),
 * a record column for system fields, else a JSONB expression. The field id is inlined, never a
 * parameter, and the same text is produced every time so plans are stable.
 */
export function fieldSql(object: ObjectDef, field: FieldDef, alias: string): FieldSql {
  if (systemFieldIds.has(field.id)) {
    if (field.id === 'created_at' || field.id === 'updated_at') return { sql: `${alias}.${field.id}`, cast: '::timestamptz', kind: 'timestamp', lowered: false };
    return { sql: `${alias}.${field.id}`, cast: '::uuid', kind: 'uuid', lowered: false };
  }
  const kind = sqlKind(field);
  const slot = slotOf(object, field.id);
  if (slot) {
    const column = `${alias}.ix_${slot}`;
    // Number slots are float8: its comparisons are LEAKPROOF, so Postgres may use them as index
    // conditions under row-level security (numeric's are not). Numbers reach the API as JSON,
    // that is as doubles, so float8 holds every stored value exactly.
    if (slot.startsWith('n')) return { sql: column, cast: '::float8', kind: 'numeric', lowered: false };
    if (slot.startsWith('d')) return { sql: column, cast: '::timestamptz', kind: 'timestamp', lowered: false };
    return { sql: column, cast: '::text', kind, lowered: kind === 'ci_text' };
  }
  const id = literal(field.id);
  switch (kind) {
    case 'numeric':
      return { sql: `((${alias}.data->>${id})::numeric)`, cast: '::numeric', kind, lowered: false };
    case 'boolean':
      return { sql: `((${alias}.data->>${id})::boolean)`, cast: '::boolean', kind, lowered: false };
    case 'jsonb':
      return { sql: `(${alias}.data->${id})`, cast: '::jsonb', kind, lowered: false };
    default:
      // Dates and datetimes are stored as fixed-width ISO strings, so text order is time order.
      return { sql: `(${alias}.data->>${id})`, cast: '::text', kind, lowered: false };
  }
}

/**
 * The expression case-insensitive text filters and sorts by: lower() of the value, which a text
 * slot holds already. Filter parameters and cursor values compared with it are lowered alike.
 */
export function foldedSql(f: FieldSql): string {
  return f.kind === 'ci_text' && !f.lowered ? `lower(${f.sql})` : f.sql;
}

/**
 * The value a field puts into its slot column, or null. Case-insensitive text is stored as
 * Postgres' lower() lowers it (foldCase): search's prefix match lowers its text with lower().
 */
export function slotValue(slot: IndexSlot, field: FieldDef, stored: unknown): string | number | null {
  if (stored === undefined || stored === null) return null;
  if (slot.startsWith('n')) return typeof stored === 'number' ? stored : null;
  // A date's slot holds midnight UTC of that day.
  if (slot.startsWith('d')) return typeof stored === 'string' ? (fieldType(field).stored === 'date' ? `${stored}T00:00:00Z` : stored) : null;
  if (typeof stored !== 'string') return null;
  return sqlKind(field) === 'ci_text' ? foldCase(stored) : stored;
}

export const SLOT_COLUMNS = ['ix_t1', 'ix_t2', 'ix_t3', 'ix_t4', 'ix_n1', 'ix_n2', 'ix_d1', 'ix_d2'] as const;
export const SLOT_TYPES: Record<(typeof SLOT_COLUMNS)[number], string> = {
  ix_t1: 'text',
  ix_t2: 'text',
  ix_t3: 'text',
  ix_t4: 'text',
  ix_n1: 'float8',
  ix_n2: 'float8',
  ix_d1: 'timestamptz',
  ix_d2: 'timestamptz',
};

const slotFields = new WeakMap<ObjectDef, ({ slot: IndexSlot; field: FieldDef } | null)[]>();

/**
 * Every slot column's value for one record (null where the object has no field in the slot).
 * Pending slots are written too, so every row written after a slot was given is already right
 * when its backfill finishes.
 */
export function slotRow(object: ObjectDef, data: Record<string, unknown>): (string | number | null)[] {
  let columns = slotFields.get(object);
  if (!columns) {
    const slots = writeSlots(object);
    columns = SLOT_COLUMNS.map((column) => {
      const slot = column.slice(3) as IndexSlot;
      const field = slots[slot] ? object.fields.find((f) => f.id === slots[slot]) : undefined;
      return field ? { slot, field } : null;
    });
    slotFields.set(object, columns);
  }
  return columns.map((c) => (c ? slotValue(c.slot, c.field, data[c.field.id]) : null));
}
