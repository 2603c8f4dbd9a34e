import type { Snapshot } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';
import type { FieldProblem } from '../errors/problems.ts';
import { goneNames } from '../metadata/gone-names.ts';
import { scriptSources } from './script-store.ts';

/**
 * The metadata service's dependency check for scripts: renaming or deleting an object or a field
 * that a script's source names is refused, naming the script and the line, as Salesforce refuses
 * to rename a field Apex uses. A script reaches records by API name (its record's properties,
 * `ctx.records` calls), so after such a change it would read `undefined` or fail at run time
 * instead of at the change. An object is named by a string (`'customer'`); a field by an
 * identifier or a string equal to its name, in a script bound to the field's object or one that
 * names that object. Comments do not count.
 */
export async function scriptDependents(tx: Queryable, tenantId: string, current: Snapshot, next: Snapshot): Promise<FieldProblem[]> {
  const gone = goneNames(current, next);
  if (!gone.length) return [];
  const problems: FieldProblem[] = [];
  for (const script of await scriptSources(tx, tenantId)) {
    const tokens = scanSource(script.source);
    const namesObject = (apiName: string) => tokens.find((t) => t.string && t.text === apiName);
    for (const g of gone) {
      const where = g.field === undefined ? namesObject(g.objectApiName) : (script.objectId === g.objectId || namesObject(g.objectApiName)) && tokens.find((t) => t.text === g.field);
      if (!where) continue;
      problems.push({
        field: g.name,
        code: 'has_dependents',
        message: `'${g.name}' is used by the script '${script.label}' (line ${where.line})`,
        dependents: [{ kind: 'script', id: script.id, label: script.label, apiName: script.apiName, version: script.version }],
      });
      break;
    }
  }
  return problems;
}

interface Token {
  text: string;
  line: number;
  /** A string literal's content rather than an identifier. */
  string: boolean;
}

const IDENTIFIER_START = /[A-Za-z_$]/;
const IDENTIFIER_PART = /[\w$]/;

/**
 * The identifiers and string literals of a script's source with their lines, comments left out.
 * A scanner, not a parser: a template literal counts as one string, and a regular-expression
 * literal is read as code (a quote inside one may hide what follows it until the line's end).
 */
export function scanSource(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      for (; i < stop; i++) if (source[i] === '\n') line++;
    } else if (c === "'" || c === '"' || c === '`') {
      const start = line;
      let text = '';
      i++;
      while (i < source.length && source[i] !== c) {
        if (source[i] === '\n') {
          if (c !== '`') break;
          line++;
        }
        if (source[i] === '\\' && i + 1 < source.length) {
          text += source[i + 1];
          i += 2;
          continue;
        }
        text += source[i];
        i++;
      }
      i++;
      tokens.push({ text, line: start, string: true });
    } else if (IDENTIFIER_START.test(c)) {
      let end = i + 1;
      while (end < source.length && IDENTIFIER_PART.test(source[end]!)) end++;
      tokens.push({ text: source.slice(i, end), line, string: false });
      i = end;
    } else {
      i++;
    }
  }
  return tokens;
}
