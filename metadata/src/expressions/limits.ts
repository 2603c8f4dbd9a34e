/**
 * Every expression is bounded before it runs: no loops or comprehensions exist in the language,
 * so a checked expression's evaluation cost is bounded by its size and these numbers.
 */
export const expressionLimits = {
  /** Characters of source. */
  maxLength: 4000,
  /** Nesting of operators, calls and parentheses. */
  maxDepth: 32,
  /** Parts (literals, names, operators, calls) of one expression. */
  maxNodes: 500,
  /** Items of a list literal. */
  maxListItems: 100,
  /** Static cost: every part costs 1, text functions more (see functions.ts), formulas used inline add their own. */
  maxCost: 2000,
  /** Characters of a text value an expression builds (concatenation, replace). */
  maxTextLength: 100_000,
  /** Characters of a `matches` pattern. */
  maxPatternLength: 200,
} as const;
