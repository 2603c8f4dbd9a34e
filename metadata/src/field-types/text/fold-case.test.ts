import { describe, expect, it } from 'vitest';
import { foldCase } from './fold-case.ts';

/** What lower() does under a libc UTF-8 character type (towlower() of each code point), in JavaScript's case tables. */
function lowerEachCodePoint(text: string): string {
  let out = '';
  for (const c of text) {
    const lower = c === '\u0130' ? 'i' : c.toLowerCase();
    out += [...lower].length === 1 ? lower : c;
  }
  return out;
}

describe('foldCase', () => {
  it('lower-cases every code point on its own, as lower() does', () => {
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      if (foldCase(c) !== lowerEachCodePoint(c)) expect(foldCase(c), `U+${cp.toString(16)}`).toBe(lowerEachCodePoint(c));
    }
  });

  it('gives a plain i for a dotted capital I and σ for a capital sigma at the end of a word', () => {
    expect(foldCase('İSTANBUL')).toBe('istanbul');
    expect(foldCase('Acme İzmir Branch')).toBe('acme izmir branch');
    expect(foldCase('ΣΊΣΥΦΟΣ')).toBe('σίσυφοσ');
    expect(foldCase('ΟΔΟΣ ΣΟΦΟΣ.')).toBe('οδοσ σοφοσ.');
    // Lower-case letters stay as they are, a final ς too.
    expect(foldCase('σίσυφος')).toBe('σίσυφος');
    expect(foldCase('ı')).toBe('ı');
    expect(foldCase('Straße ẞ')).toBe('straße ß');
    expect(foldCase('Mei CHEN <MEI@Example.TEST>')).toBe('mei chen <mei@example.test>');
  });
});
