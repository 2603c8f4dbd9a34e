import { createHash, createHmac, type KeyObject } from 'node:crypto';
import { fieldType, systemFieldIds, type FieldDef, type ObjectDef, type SortKey } from '@protean/metadata';
import type { Database } from '../db/database.ts';
import { platformKey } from '../platform/platform-keys.ts';
import { validationError } from '../errors/problems.ts';
import { UUID } from './record-problems.ts';
import { signatureMatches } from '../auth/signatures.ts';

/** Where a page ended: the sort values of its last row, and that row's id. */
export interface CursorPosition {
  values: unknown[];
  id: string;
}

/** What a cursor is checked against: the list it came from, and what each sort value must be. */
export interface CursorScope {
  /** Tenant, object, filter and sort, as `listScope` or `recycleBinScope` spell them. */
  binding: string;
  checks: readonly ValueCheck[];
}

/** A cursor a request brought, with the scope of the list it asks for. */
export interface CursorRequest {
  token: string | undefined;
  scope: CursorScope;
}

type ValueCheck = (value: unknown) => boolean;

const SECRET_KEY = 'list_cursor_hmac_key';

const isUuid: ValueCheck = (v) => typeof v === 'string' && UUID.test(v);
const isTimestampText: ValueCheck = (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) && v.length <= 40;
const isNumber: ValueCheck = (v) => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v));
const isText: ValueCheck = (v) => typeof v === 'string' && !v.includes('\u0000') && v.isWellFormed();
const isAnything: ValueCheck = () => true;
const isPosition: ValueCheck = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** What a sort value of `key` looks like as the list query returns it (null is always allowed). */
function checkFor(key: SortKey): ValueCheck {
  const { field } = key;
  // created_at sorts by the time-ordered record id, the other system columns by themselves.
  if (field.id === 'id' || field.id === 'created_at') return isUuid;
  if (field.id === 'updated_at') return isTimestampText;
  // A picklist sorts by its value's position in the value list.
  if (field.type === 'picklist') return isPosition;
  switch (fieldType(field).stored) {
    case 'number':
      return isNumber;
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'date':
    case 'datetime':
      return isTimestampText;
    case 'json':
      return isAnything;
    default:
      return isText;
  }
}

/**
 * A list cursor is bound to the tenant, the object, the filter and the sort it was made for,
 * including each sort field's id and type (and a picklist's value order): a cursor replayed
 * against another list, another tenant, or a field whose type or order has changed is refused.
 */
export function listScope(tenantId: string, object: ObjectDef, filter: string | undefined, sortText: string | undefined, sort: readonly SortKey[]): CursorScope {
  // A text field sorts by its lowered value (':lower'): a cursor made when a field without a slot
  // sorted by the value as stored would skip or repeat rows, so it is refused.
  const lowered = (k: SortKey) => !systemFieldIds.has(k.field.id) && fieldType(k.field).stored === 'ciText';
  // A picklist sorts by position in its value list (':order=…'): a cursor made before the values
  // were reordered, added or removed holds a position in another order, so it is refused.
  const order = (k: SortKey) => (k.field.type === 'picklist' ? `:order=${valueOrder(k.field)}` : '');
  const key = (k: SortKey) => `${k.field.id}:${k.field.type}:${k.direction}${lowered(k) ? ':lower' : ''}${order(k)}`;
  const binding = JSON.stringify(['list', tenantId, object.id, filter ?? '', sortText ?? '', sort.map(key)]);
  return { binding, checks: sort.map(checkFor) };
}

/** A short digest of a picklist's value ids in their order. */
function valueOrder(field: FieldDef): string {
  return createHash('sha256').update(JSON.stringify((field.values ?? []).map((v) => v.id))).digest('base64url').slice(0, 16);
}

/** The recycle bin pages over (deleted_at, id), of one object or of all. */
export function recycleBinScope(tenantId: string, object: ObjectDef | undefined): CursorScope {
  return { binding: JSON.stringify(['recycle-bin', tenantId, object?.id ?? '*']), checks: [isTimestampText] };
}

const refused = (why: string) => validationError('The cursor is invalid', [{ field: 'cursor', code: 'cursor', message: why }], 400);

/**
 * Signs and checks list cursors with HMAC-SHA256. The key is shared by every server process of
 * a deployment (they must accept each other's cursors): `PROTEAN_CURSOR_SECRET` when set, else a
 * random key kept in `platform_secret`, made by whichever process needs it first.
 */
export class ListCursors {
  // A key object, imported once: every list page with a next page signs a cursor.
  readonly #keyOnce: () => Promise<KeyObject>;

  constructor(db: Database, secret: string | undefined = process.env['PROTEAN_CURSOR_SECRET']) {
    this.#keyOnce = platformKey(db, SECRET_KEY, secret || undefined);
  }

  async encode(scope: CursorScope, position: CursorPosition): Promise<string> {
    const payload = Buffer.from(JSON.stringify({ v: position.values, id: position.id })).toString('base64url');
    return `${payload}.${this.#sign(await this.#keyOnce(), scope.binding, payload).toString('base64url')}`;
  }

  async decode(request: CursorRequest): Promise<CursorPosition | undefined> {
    const { token, scope } = request;
    if (token === undefined) return undefined;
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) throw refused('is not a cursor returned by this list');
    if (!signatureMatches(signature, this.#sign(await this.#keyOnce(), scope.binding, payload).toString('base64url'))) {
      throw refused('was not made for this list (another filter, sort, object or tenant, or a changed field)');
    }
    let parsed: { v?: unknown; id?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { v?: unknown; id?: unknown };
    } catch {
      throw refused('is not a cursor returned by this list');
    }
    const { v: values, id } = parsed;
    if (!Array.isArray(values) || values.length !== scope.checks.length || !isUuid(id)) throw refused('does not match the sort of this list');
    if (!values.every((value, i) => value === null || scope.checks[i]!(value))) throw refused('holds a value of the wrong type for its sort field');
    return { values, id: id as string };
  }

  #sign(key: KeyObject, binding: string, payload: string): Buffer {
    return createHmac('sha256', key).update(binding).update('\n').update(payload).digest();
  }
}
