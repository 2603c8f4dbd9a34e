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
