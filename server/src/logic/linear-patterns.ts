import { PatternError, type PatternEngine } from '@protean/metadata/expressions';
import { RE2JS } from 're2js';

/**
 * Patterns a tenant writes (a formula's `matches()`, a JSON Schema's `pattern`) run on the server's
 * one event loop, where JavaScript's backtracking engine can take exponential time on a crafted
 * value: `^(a|aa)+$` against forty a's and a '!' blocks every tenant for minutes. RE2 matches in
 * time linear in the text, and refuses what it cannot do so (back-references, look-arounds).
 */
export const linearPatterns: PatternEngine = {
  compile(source) {
    let re: RE2JS;
    try {
      re = RE2JS.compile(source);
    } catch (error) {
      throw new PatternError('syntax', `invalid pattern: ${error instanceof Error ? error.message : String(error)}`);
    }
    return (text) => re.test(text);
  },
};
