const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Per generated line, its segments: [generated column, source line, source column] (0-based). */
type Segments = [number, number, number][][];

/** Decodes the `mappings` of a v3 source map (one source, as the script compiler writes). */
function decodeMappings(mappings: string): Segments {
  const lines: Segments = [];
  let sourceLine = 0;
  let sourceColumn = 0;
  for (const lineText of mappings.split(';')) {
    const segments: [number, number, number][] = [];
    let column = 0;
    for (const segment of lineText.split(',')) {
      if (!segment) continue;
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = DIGIT.get(char) ?? 0;
        value += (digit & 31) << shift;
        if (digit & 32) {
          shift += 5;
          continue;
        }
        values.push(value & 1 ? -(value >>> 1) : value >>> 1);
        value = 0;
        shift = 0;
      }
      column += values[0] ?? 0;
      if (values.length >= 4) {
        sourceLine += values[2]!;
        sourceColumn += values[3]!;
        segments.push([column, sourceLine, sourceColumn]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

/** Maps positions of compiled code back to the source the author wrote. */
export class SourceMapper {
  readonly #lines: Segments;

  constructor(sourceMapJson: string) {
    const map = JSON.parse(sourceMapJson) as { mappings?: unknown };
    this.#lines = typeof map.mappings === 'string' ? decodeMappings(map.mappings) : [];
  }

  /** 1-based line and column in, 1-based out; undefined where the map says nothing. */
  original(line: number, column: number): { line: number; column: number } | undefined {
    const segments = this.#lines[line - 1];
    if (!segments?.length) return undefined;
    let best = segments[0]!;
    for (const segment of segments) {
      if (segment[0] > column - 1) break;
      best = segment;
    }
    return { line: best[1] + 1, column: best[2] + 1 };
  }

  /** Rewrites `file:line:column` frames of a stack trace to source positions. */
  mapStack(stack: string, file: string): string {
    const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return stack.replace(new RegExp(`${escaped}:(\\d+):(\\d+)`, 'g'), (whole, line: string, column: string) => {
      const at = this.original(Number(line), Number(column));
      return at ? `${file}:${at.line}:${at.column}` : whole;
    });
  }
}
