import { expressionLimits } from './limits.ts';
import { errorAt, type ExpressionError } from './errors.ts';

/** A node of a parsed expression; `start`/`end` are offsets into the source ([start, end)). */
export type ExprNode =
  | { kind: 'literal'; value: string | number | boolean | null; start: number; end: number }
  | { kind: 'ident'; name: string; start: number; end: number }
  | { kind: 'member'; object: ExprNode; name: string; nameStart: number; start: number; end: number }
  | { kind: 'index'; object: ExprNode; index: ExprNode; start: number; end: number }
  | { kind: 'call'; target: ExprNode | null; name: string; nameStart: number; args: ExprNode[]; start: number; end: number }
  | { kind: 'unary'; op: '!' | '-'; operand: ExprNode; start: number; end: number }
  | { kind: 'binary'; op: BinaryOp; left: ExprNode; right: ExprNode; start: number; end: number }
  | { kind: 'conditional'; test: ExprNode; then: ExprNode; otherwise: ExprNode; start: number; end: number }
  | { kind: 'list'; items: ExprNode[]; start: number; end: number };

export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | '+' | '-' | '*' | '/' | '%';

type Token =
  | { t: 'num'; value: number; start: number; end: number }
  | { t: 'str'; value: string; start: number; end: number }
  | { t: 'ident'; value: string; start: number; end: number }
  | { t: 'op'; value: string; start: number; end: number }
  | { t: 'eof'; start: number; end: number };

const operators = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '+', '-', '*', '/', '%', '?', ':', '.', ',', '(', ')', '[', ']'];
const reserved = new Set(['as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

function tokenize(source: string): Token[] | ExpressionError {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const m = /^(?:0x[0-9a-fA-F]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)u?/.exec(source.slice(i));
      const text = m![0].replace(/u$/, '');
      i += m![0].length;
      if (/[A-Za-z_]/.test(source[i] ?? '')) return errorAt(source, 'syntax', `malformed number`, start, i + 1);
      tokens.push({ t: 'num', value: Number(text), start, end: i });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))!;
      i += m[0].length;
      const word = m[0];
      if ((word === 'r' || word === 'R') && (source[i] === '"' || source[i] === "'")) {
        const str = readString(source, i, true);
        if ('code' in str) return str;
        tokens.push({ t: 'str', value: str.value, start, end: str.end });
        i = str.end;
        continue;
      }
      if (reserved.has(word)) return errorAt(source, 'syntax', `'${word}' is a reserved word`, start, i);
      tokens.push(word === 'in' ? { t: 'op', value: 'in', start, end: i } : { t: 'ident', value: word, start, end: i });
      continue;
    }
    if (c === '"' || c === "'") {
      const str = readString(source, i, false);
      if ('code' in str) return str;
      tokens.push({ t: 'str', value: str.value, start, end: str.end });
      i = str.end;
      continue;
    }
    const op = operators.find((o) => source.startsWith(o, i));
    if (!op) return errorAt(source, 'syntax', `unexpected character '${c}'`, start, start + 1);
    i += op.length;
    tokens.push({ t: 'op', value: op, start, end: i });
  }
  tokens.push({ t: 'eof', start: source.length, end: source.length });
  return tokens;
}

const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '`': '`', '?': '?', a: '\x07', b: '\b', f: '\f', v: '\v' };

function readString(source: string, at: number, raw: boolean): { value: string; end: number } | ExpressionError {
  const quote = source[at]!;
  const start = raw ? at - 1 : at;
  let i = at + 1;
  let value = '';
  while (i < source.length) {
    const c = source[i]!;
    if (c === quote) return { value, end: i + 1 };
    if (c === '\n') break;
    if (c === '\\' && !raw) {
      const next = source[i + 1] ?? '';
      if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
        value += String.fromCharCode(parseInt(source.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      const e = escapes[next];
      if (e === undefined) return errorAt(source, 'syntax', `unknown escape '\\${next}'`, i, i + 2);
      value += e;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  return errorAt(source, 'syntax', 'unterminated string', start, i);
}

/** Parses CEL syntax (the subset described in ADR 0013) into a tree; every error carries its position. */
export function parse(source: string): { ok: true; node: ExprNode } | { ok: false; errors: ExpressionError[] } {
  if (source.length > expressionLimits.maxLength) {
    return { ok: false, errors: [errorAt(source, 'limit', `the expression is longer than ${expressionLimits.maxLength} characters`, expressionLimits.maxLength, source.length)] };
  }
  const tokens = tokenize(source);
  if (!Array.isArray(tokens)) return { ok: false, errors: [tokens] };
  if (tokens.length === 1) return { ok: false, errors: [errorAt(source, 'syntax', 'the expression is empty', 0, source.length)] };
  const parser = new Parser(source, tokens);
  try {
    const node = parser.expression(0);
    const rest = parser.peek();
    if (rest.t !== 'eof') parser.fail(`unexpected ${describe(rest)}`, rest);
    if (parser.nodes > expressionLimits.maxNodes) {
      return { ok: false, errors: [errorAt(source, 'limit', `the expression has more than ${expressionLimits.maxNodes} parts`, 0, source.length)] };
    }
    return { ok: true, node };
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, errors: [e.error] };
    throw e;
  }
}

class ParseFailure extends Error {
  readonly error: ExpressionError;
  constructor(error: ExpressionError) {
    super(error.message);
    this.error = error;
  }
}

function describe(token: Token): string {
  if (token.t === 'eof') return 'end of expression';
  if (token.t === 'str') return 'string';
  if (token.t === 'num') return 'number';
  return `'${token.value}'`;
}

class Parser {
  private pos = 0;
  nodes = 0;
  private readonly source: string;
  private readonly tokens: Token[];
  constructor(source: string, tokens: Token[]) {
    this.source = source;
    this.tokens = tokens;
  }

  peek(): Token {
    return this.tokens[this.pos]!;
  }
  private next(): Token {
    return this.tokens[this.pos++]!;
  }
  private isOp(value: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.value === value;
  }
  private expect(value: string): Token {
    const t = this.peek();
    if (t.t !== 'op' || t.value !== value) this.fail(`expected '${value}' but found ${describe(t)}`, t);
    return this.next();
  }
  fail(message: string, at: { start: number; end: number }): never {
    throw new ParseFailure(errorAt(this.source, 'syntax', message, at.start, Math.max(at.end, at.start + 1)));
  }
  private count(depth: number, at: { start: number; end: number }): void {
    this.nodes++;
    if (depth > expressionLimits.maxDepth) {
      throw new ParseFailure(errorAt(this.source, 'limit', `the expression nests deeper than ${expressionLimits.maxDepth} levels`, at.start, at.end));
    }
  }

  expression(depth: number): ExprNode {
    const test = this.binary(0, depth);
    if (!this.isOp('?')) return test;
    this.next();
    const then = this.binary(0, depth + 1);
    this.expect(':');
    const otherwise = this.expression(depth + 1);
    this.count(depth, test);
    return { kind: 'conditional', test, then, otherwise, start: test.start, end: otherwise.end };
  }

  private static readonly levels: readonly (readonly string[])[] = [
    ['||'],
    ['&&'],
    ['==', '!=', '<', '<=', '>', '>=', 'in'],
    ['+', '-'],
    ['*', '/', '%'],
  ];

  private binary(level: number, depth: number): ExprNode {
    if (level >= Parser.levels.length) return this.unary(depth);
    let left = this.binary(level + 1, depth + 1);
    const ops = Parser.levels[level]!;
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op' || !ops.includes(t.value)) return left;
      this.next();
      // Relations do not chain in CEL: `a < b < c` is refused rather than read as (a < b) < c.
      const right = this.binary(level + 1, depth + 1);
      this.count(depth, t);
      left = { kind: 'binary', op: t.value as BinaryOp, left, right, start: left.start, end: right.end };
      if (level === 2 && this.peek().t === 'op' && ops.includes((this.peek() as { value: string }).value)) {
        this.fail('comparisons do not chain; combine them with && or ||', this.peek());
      }
    }
  }

  private unary(depth: number): ExprNode {
    const t = this.peek();
    if (t.t === 'op' && (t.value === '!' || t.value === '-')) {
      this.next();
      const operand = this.unary(depth + 1);
      this.count(depth, t);
      if (t.value === '-' && operand.kind === 'literal' && typeof operand.value === 'number') {
        return { kind: 'literal', value: -operand.value, start: t.start, end: operand.end };
      }
      return { kind: 'unary', op: t.value, operand, start: t.start, end: operand.end };
    }
    return this.postfix(depth);
  }

  private postfix(depth: number): ExprNode {
    let node = this.primary(depth);
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const name = this.next();
        if (name.t !== 'ident') this.fail(`expected a name after '.' but found ${describe(name)}`, name);
        this.count(depth, name);
        if (this.isOp('(')) {
          const args = this.args(depth);
          node = { kind: 'call', target: node, name: name.value, nameStart: name.start, args: args.items, start: node.start, end: args.end };
        } else {
          node = { kind: 'member', object: node, name: name.value, nameStart: name.start, start: node.start, end: name.end };
        }
        continue;
      }
      if (this.isOp('[')) {
        this.next();
        const index = this.expression(depth + 1);
        const close = this.expect(']');
        this.count(depth, close);
        node = { kind: 'index', object: node, index, start: node.start, end: close.end };
        continue;
      }
      return node;
    }
  }

  private args(depth: number): { items: ExprNode[]; end: number } {
    this.expect('(');
    const items: ExprNode[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        items.push(this.expression(depth + 1));
        if (!this.isOp(',')) break;
        this.next();
      }
    }
    const close = this.expect(')');
    return { items, end: close.end };
  }

  private primary(depth: number): ExprNode {
    const t = this.next();
    this.count(depth, t);
    switch (t.t) {
      case 'num':
        return { kind: 'literal', value: t.value, start: t.start, end: t.end };
      case 'str':
        return { kind: 'literal', value: t.value, start: t.start, end: t.end };
      case 'ident': {
        if (t.value === 'true' || t.value === 'false') return { kind: 'literal', value: t.value === 'true', start: t.start, end: t.end };
        if (t.value === 'null') return { kind: 'literal', value: null, start: t.start, end: t.end };
        if (this.isOp('(')) {
          const args = this.args(depth);
          return { kind: 'call', target: null, name: t.value, nameStart: t.start, args: args.items, start: t.start, end: args.end };
        }
        return { kind: 'ident', name: t.value, start: t.start, end: t.end };
      }
      case 'op': {
        if (t.value === '(') {
          const inner = this.expression(depth + 1);
          this.expect(')');
          return inner;
        }
        if (t.value === '[') {
          const items: ExprNode[] = [];
          if (!this.isOp(']')) {
            for (;;) {
              items.push(this.expression(depth + 1));
              if (!this.isOp(',')) break;
              this.next();
              if (this.isOp(']')) break;
            }
          }
          const close = this.expect(']');
          if (items.length > expressionLimits.maxListItems) this.fail(`a list holds at most ${expressionLimits.maxListItems} items`, { start: t.start, end: close.end });
          return { kind: 'list', items, start: t.start, end: close.end };
        }
        return this.fail(`unexpected ${describe(t)}`, t);
      }
      case 'eof':
        return this.fail('the expression ends too early', t);
    }
  }
}
