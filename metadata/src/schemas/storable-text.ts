/**
 * Postgres refuses NUL in text and jsonb, and lone UTF-16 surrogates in jsonb; JavaScript strings
 * hold both. Such a string is refused at the edge (never silently replaced: a NUL is a sign of
 * binary data or an injection attempt, and replacing it would store something nobody sent).
 */
export function unstorableTextReason(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain a NUL character (\\u0000)';
  if (!value.isWellFormed()) return 'must not contain a lone UTF-16 surrogate (invalid Unicode)';
  return undefined;
}

/** Bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069). */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;

/**
 * Names and labels people read to tell the platform's own things apart (an API key, a user, a
 * role, a field) are refused with a bidirectional override or isolate control: U+202E makes
 * "admin\u202Eyek" read as "adminkey", so one key or user can pass for another ("Trojan Source").
 * Record values keep them, as they keep the marks (U+200E, U+200F) Arabic and Hebrew text needs.
 */
export function nameTextReason(value: string): string | undefined {
  if (BIDI_CONTROL.test(value)) return 'must not contain a Unicode bidirectional override or isolate control (U+202A–U+202E, U+2066–U+2069): it makes a name read other than it is';
  return undefined;
}
