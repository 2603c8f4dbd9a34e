/**
 * The search text of a record's stored values, before lower-casing: the same text as the SQL
 * function `record_search_text` (migration 57) gives, which the insert statement lower-cases and
 * stores (migration 66). Computed here because Postgres ran the function's regular expression
 * over every string value of every inserted record (~11 µs a record, a sixth of a bulk-inserted
 * record's backend CPU); V8 runs the same expression for a fraction of that. A test holds the two
 * equal. The text is the JSON array of the top-level string values in JSONB's key order (shorter
 * keys first, then bytewise), leaving out values longer than 200 characters and values that no
 * search can match (UUIDs, picklist value ids, dates and date-times), as `jsonb::text` writes it.
 */
const UNSEARCHABLE = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|v_[0-9a-f]{10}|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.][0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?)$/;

/** Only these lengths can match UNSEARCHABLE (a date 10, a value id 12, a date-time 19-29, a UUID 36): most values skip the test. */
const unsearchableLength = (n: number) => n === 10 || n === 12 || n === 36 || (n >= 19 && n <= 29);

const ASCII = /^[\x00-\x7f]*$/;

/** JSONB's order of object keys: by length in bytes, then by their bytes. */
export function jsonbKeyOrder(a: string, b: string): number {
  // ASCII keys (field ids are): lengths and code units compare as bytes do.
  if (ASCII.test(a) && ASCII.test(b)) return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
  const la = Buffer.byteLength(a);
  const lb = Buffer.byteLength(b);
  return la !== lb ? la - lb : Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Length in characters (code points), as Postgres counts it. */
const characters = (s: string) => (s.length <= 200 ? s.length : [...s].length);

export function searchText(data: Readonly<Record<string, unknown>>): string {
  const keys: string[] = [];
  for (const key in data) {
    const value = data[key];
    if (typeof value === 'string' && characters(value) <= 200 && !(unsearchableLength(value.length) && UNSEARCHABLE.test(value))) keys.push(key);
  }
  if (keys.length > 1) keys.sort(jsonbKeyOrder);
  return `[${keys.map((k) => JSON.stringify(data[k])).join(', ')}]`;
}
