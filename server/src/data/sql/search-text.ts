import { fieldType, foldCase, isAscii, type FieldDef, type ObjectDef } from '@protean/metadata';

/**
 * The search text of a record's stored values, before lower-casing: the same text as the SQL
 * function `record_search_text` (migration 57) gives, which the insert statement lower-cases and
 * stores (migration 66). Computed here because Postgres ran the function's regular expression
 * over every string value of every inserted record (~11 µs a record, a sixth of a bulk-inserted
 * record's backend CPU); V8 runs the same expression for a fraction of that. A test holds the two
 * equal. The text is the JSON array of the top-level string values in JSONB's key order (shorter
 * keys first, then bytewise), leaving out values longer than 200 characters and values that no
 * search can match (UUIDs, picklist value ids, dates and date-times), as `jsonb::text` writes it,
 * and last, when the texts hold Chinese, Japanese or Korean, their East Asian starts (below).
 */
const UNSEARCHABLE = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|v_[0-9a-f]{10}|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.][0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?)$/;

/** Only these lengths can match UNSEARCHABLE (a date 10, a value id 12, a date-time 19-29, a UUID 36): most values skip the test. */
const unsearchableLength = (n: number) => n === 10 || n === 12 || n === 36 || (n >= 19 && n <= 29);

/** JSONB's order of object keys: by length in bytes, then by their bytes. */
export function jsonbKeyOrder(a: string, b: string): number {
  // ASCII keys (field ids are): lengths and code units compare as bytes do.
  if (isAscii(a) && isAscii(b)) return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
  const la = Buffer.byteLength(a);
  const lb = Buffer.byteLength(b);
  return la !== lb ? la - lb : Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Length in characters (code points), as Postgres counts it. */
const characters = (s: string) => (s.length <= 200 ? s.length : [...s].length);

/**
 * Letters of Chinese, Japanese and Korean (Hangul jamo, 々, kana, Han and its extensions, Hangul
 * syllables), as one regular-expression class in JavaScript and in Postgres (migration 71).
 */
const EAST_ASIAN = '\\u1100-\\u11ff\\u3005\\u3040-\\u30ff\\u3130-\\u318f\\u3400-\\u4dbf\\u4e00-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff';
/** The same letters as the inside of a JavaScript character class (flag `u`). */
export const EAST_ASIAN_LETTERS = `${EAST_ASIAN}\\u{20000}-\\u{3134f}`;
const EAST_ASIAN_RUN = new RegExp(`[${EAST_ASIAN_LETTERS}]+`, 'gu');
const EAST_ASIAN_QUERY = new RegExp(`^[${EAST_ASIAN_LETTERS}]{1,2}$`, 'u');
export const EAST_ASIAN_SQL_CLASS = `[${EAST_ASIAN}\\U00020000-\\U0003134f]`;

/**
 * A search of one or two Chinese, Japanese or Korean characters ("美玲", "李"): most given names and
 * family names are that long, but a trigram needs three characters to be looked up in the middle
 * of a name. Such a search looks for a word that starts with it among the text's East Asian starts.
 */
export const isShortEastAsian = (text: string) => EAST_ASIAN_QUERY.test(text);

/**
 * Every East Asian character of the texts with the one after it, each as a word of its own
 * (" 陈美 美玲 玲" for "陈美玲"): whatever one or two characters a value holds start one of these
 * words, which the trigram index finds by the word's start. Texts without such letters add nothing.
 */
function eastAsianStarts(texts: readonly string[]): string {
  let starts = '';
  for (const text of texts) {
    if (isAscii(text)) continue;
    for (const [run] of text.matchAll(EAST_ASIAN_RUN)) {
      const chars = [...run];
      for (let i = 0; i < chars.length; i++) starts += ` ${chars[i]}${chars[i + 1] ?? ''}`;
    }
  }
  return starts;
}

/** Whether search matches a field's values: the object's name, and fields of a searchable type (email, phone, autonumber). */
export const isSearchedField = (object: ObjectDef, field: FieldDef) => field.id === object.nameFieldId || fieldType(field.type).searchable;

const searchedIds = new WeakMap<ObjectDef, ReadonlySet<string>>();
const searchedInKeyOrder = new WeakMap<ObjectDef, readonly string[]>();

/** The ids of the live fields search matches (`isSearchedField`): what a record's search text is made of when the server writes it. */
export function searchedFieldIds(object: ObjectDef): ReadonlySet<string> {
  let ids = searchedIds.get(object);
  if (!ids) searchedIds.set(object, (ids = new Set(object.fields.filter((f) => !f.deletedAt && isSearchedField(object, f)).map((f) => f.id))));
  return ids;
}

/** The search text the server stores with a record it writes: its searched fields' text, lowered as lower() lowers (ADR 0023). */
export function storedSearchText(object: ObjectDef, data: Readonly<Record<string, unknown>>): string {
  // A bulk insert makes this for every record: the searched ids are put in JSONB's order once per model, not checked per record.
  let keys = searchedInKeyOrder.get(object);
  if (!keys) searchedInKeyOrder.set(object, (keys = [...searchedFieldIds(object)].sort(jsonbKeyOrder)));
  return foldCase(textOfKeys(data, keys));
}

/**
 * With `fields`, the text of those fields' values only: what the server stores for a record it
 * writes (ADR 0018 addendum, searched texts only). Without, the text of every string value, as
 * `record_search_text` makes it for rows written by statements of their own.
 */
export function searchText(data: Readonly<Record<string, unknown>>, fields?: ReadonlySet<string>): string {
  const keys: string[] = [];
  for (const key in data) if (!fields || fields.has(key)) keys.push(key);
  return textOfKeys(data, keys.sort(jsonbKeyOrder));
}

/** A value search can match: a text of at most 200 characters that is not an id, a date or a date-time. */
const searchable = (value: unknown): value is string => typeof value === 'string' && characters(value) <= 200 && !(unsearchableLength(value.length) && UNSEARCHABLE.test(value));

/** The text of the values under `keys` (in JSONB's key order) that search can match; absent keys are passed over. */
function textOfKeys(data: Readonly<Record<string, unknown>>, keys: readonly string[]): string {
  let text = '';
  let ascii = true;
  for (const key of keys) {
    const value = data[key];
    if (!searchable(value)) continue;
    text += (text ? ', ' : '[') + JSON.stringify(value);
    if (ascii && !isAscii(value)) ascii = false;
  }
  if (!text) return '[]';
  const starts = ascii ? '' : eastAsianStarts(keys.map((k) => data[k]).filter(searchable));
  return starts ? `${text}, ${JSON.stringify(starts)}]` : `${text}]`;
}
