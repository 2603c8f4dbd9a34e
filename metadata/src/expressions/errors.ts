/** Why an expression was refused, where in its source: offsets [start, end) and 1-based line and column of start. */
export interface ExpressionError {
  code: 'syntax' | 'type' | 'unknownField' | 'unknownFunction' | 'recursion' | 'limit' | 'context';
  message: string;
  start: number;
  end: number;
  line: number;
  column: number;
}

export function errorAt(source: string, code: ExpressionError['code'], message: string, start: number, end: number): ExpressionError {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < start && i < source.length; i++) {
    if (source[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { code, message, start, end: Math.max(end, start), line, column: start - lineStart + 1 };
}

/** An evaluation failed at run time (division by zero, a malformed date text, …); `start`/`end` locate the part. */
export class ExpressionEvaluationError extends Error {
  readonly start: number;
  readonly end: number;
  constructor(message: string, start: number, end: number) {
    super(message);
    this.name = 'ExpressionEvaluationError';
    this.start = start;
    this.end = end;
  }
}
