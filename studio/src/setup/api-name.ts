/** Suggests an API name from an English label: "Annual Revenue" → "annual_revenue". */
export function suggestApiName(label: string): string {
  const base = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
  if (!base) return '';
  return /^[a-z]/.test(base) ? base : `f_${base}`;
}

/** Fills apiName from labels.en while the user has not typed an API name of their own. */
export function deriveApiName(next: Record<string, unknown>, prev: Record<string, unknown>): Record<string, unknown> {
  const en = (l: unknown) => (l && typeof l === 'object' ? ((l as { en?: unknown }).en ?? '') : '');
  const labelOf = (d: Record<string, unknown>) => {
    const v = en(d['labels']);
    return typeof v === 'string' ? v : typeof v === 'object' && v ? String((v as { singular?: unknown }).singular ?? '') : '';
  };
  const prevSuggested = suggestApiName(labelOf(prev));
  const untouched = !prev['apiName'] || prev['apiName'] === prevSuggested;
  if (!untouched) return next;
  const suggestion = suggestApiName(labelOf(next));
  return suggestion ? { ...next, apiName: suggestion } : next;
}
