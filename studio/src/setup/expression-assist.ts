import { compileExpression, expressionFunctions, expressionSpecialFunctions, typeName, type ExpressionContext, type ExpressionError } from '@protean/metadata/expressions';
import type { FieldDef, Snapshot } from '@protean/metadata';

export interface Suggestion {
  /** What replaces the word being typed. */
  insert: string;
  label: string;
  detail: string;
  /** A field's suggestion: shown by its label and type in the reader's language. */
  field?: FieldDef;
}

/** The word being typed before the cursor, and where it starts (after a '.', members of that name). */
export function wordAt(source: string, cursor: number): { start: number; word: string; after: string | null } {
  let start = cursor;
  while (start > 0 && /[A-Za-z0-9_]/.test(source[start - 1]!)) start--;
  let after: string | null = null;
  if (source[start - 1] === '.') {
    let s = start - 1;
    while (s > 0 && /[A-Za-z0-9_]/.test(source[s - 1]!)) s--;
    after = source.slice(s, start - 1);
  }
  return { start, word: source.slice(start, cursor), after };
}

/**
 * What may be typed at the cursor: fields of the object (of the looked-up object after `lookup.`,
 * members of `user`), then functions, each with its type or signature; best matches first.
 */
export function suggestions(snapshot: Snapshot, objectRef: string, source: string, cursor: number): Suggestion[] {
  const object = snapshot.objects.find((o) => o.id === objectRef || o.apiName === objectRef);
  if (!object) return [];
  const { word, after } = wordAt(source, cursor);
  // Nothing is being typed: the field picker offers the fields; completions wait for a letter or a dot.
  if (word === '' && after === null) return [];
  const live = (fields: typeof object.fields) => fields.filter((f) => f.deletedAt === undefined);
  let candidates: Suggestion[];
  if (after === 'user') {
    candidates = ['id', 'name', 'email'].map((m) => ({ insert: m, label: m, detail: 'text' }));
  } else if (after !== null) {
    const lookup = live(object.fields).find((f) => f.apiName === after && f.type === 'lookup');
    const target = lookup?.lookup ? snapshot.objects.find((o) => o.id === lookup.lookup!.objectId) : undefined;
    const methods = expressionFunctions.filter((f) => f.style !== 'global').map((f) => ({ insert: `${f.name}(`, label: f.name, detail: f.signature }));
    candidates = target ? live(target.fields).map((f) => ({ insert: f.apiName, label: f.apiName, detail: f.type, field: f })) : methods;
  } else {
    candidates = [
      ...live(object.fields).map((f) => ({ insert: f.apiName, label: f.apiName, detail: f.type, field: f })),
      { insert: 'user', label: 'user', detail: 'id, name, email' },
      ...expressionFunctions.filter((f) => f.style !== 'method').map((f) => ({ insert: `${f.name}(`, label: f.name, detail: f.signature })),
      ...expressionSpecialFunctions.map((f) => ({ insert: `${f.name}(`, label: f.name, detail: f.signature })),
    ];
  }
  const w = word.toLowerCase();
  return candidates
    .filter((c) => c.label.toLowerCase().includes(w))
    .sort((a, b) => Number(!a.label.toLowerCase().startsWith(w)) - Number(!b.label.toLowerCase().startsWith(w)) || a.label.localeCompare(b.label))
    .slice(0, 12);
}

/** The source with a suggestion in place of the word at the cursor, and the new cursor. */
export function applySuggestion(source: string, cursor: number, s: Suggestion): { source: string; cursor: number } {
  const { start } = wordAt(source, cursor);
  const next = source.slice(0, start) + s.insert + source.slice(cursor);
  return { source: next, cursor: start + s.insert.length };
}

/** The checker's verdict, as the editor shows it: errors with positions, or the result type. */
export function diagnose(snapshot: Snapshot, objectRef: string, source: string, context: ExpressionContext, expect?: 'bool' | 'number' | 'text' | 'boolean' | 'date' | 'datetime'): { errors: ExpressionError[]; type: string | null } {
  const r = compileExpression(source, { snapshot, object: objectRef, context, recordForm: 'api' }, expect ? { expect } : {});
  return r.ok ? { errors: [], type: typeName(r.expression.type) } : { errors: r.errors, type: null };
}
