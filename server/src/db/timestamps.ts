const UTC_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;

/**
 * Postgres `timestamptz` text → ISO 8601 in UTC with milliseconds, as the API speaks it.
 * Sessions run with TimeZone UTC, so the common case is string surgery rather than a Date.
 */
export function timestampToIso(value: string): string {
  const match = UTC_TEXT.exec(value);
  if (!match) return new Date(value).toISOString();
  return `${match[1]}T${match[2]}.${(match[3] ?? '').slice(0, 3).padEnd(3, '0')}Z`;
}
