/**
 * How `matches()` runs a pattern. The browser uses JavaScript's engine: a pattern that runs long
 * there stalls only the tab of the tenant who wrote it. The server, one event loop for every
 * tenant, installs a linear-time engine at start (`usePatternEngine`), so no pattern and value a
 * tenant chooses can stall it, whatever slips past the checks in `compile.ts`.
 */
export interface PatternEngine {
  /** A test that searches a text as `RegExp.prototype.test` does; throws a PatternError when the engine refuses the pattern. */
  compile(source: string): (text: string) => boolean;
}

export class PatternError extends Error {
  readonly kind: 'syntax' | 'limit';
  constructor(kind: 'syntax' | 'limit', message: string) {
    super(message);
    this.name = 'PatternError';
    this.kind = kind;
  }
}

const javaScriptPatterns: PatternEngine = {
  compile(source) {
    let re: RegExp;
    try {
      re = new RegExp(source, 'u');
    } catch (error) {
      throw new PatternError('syntax', `invalid pattern: ${(error as Error).message}`);
    }
    return (text) => re.test(text);
  },
};

let engine: PatternEngine = javaScriptPatterns;

/** Installs the engine every later `matches()` compiles with (the server's, at start). */
export function usePatternEngine(next: PatternEngine): void {
  engine = next;
}

export const patternEngine = (): PatternEngine => engine;
