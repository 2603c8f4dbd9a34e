const ASCII = /^[\x00-\x7f]*$/;

/** Whether a text is all ASCII: the fast path of text work that only other characters need. */
export const isAscii = (text: string) => ASCII.test(text);

/**
 * Text lower-cased as Postgres' lower() does it under a UTF-8 character type, the lowering that
 * unique keys, search and filters on fields without a slot use. Not toLowerCase(): lower() maps
 * each code point on its own, so 'İ' is 'i' (toLowerCase() gives 'i' and a combining dot) and a
 * word-final 'Σ' is 'σ' (toLowerCase() gives 'ς').
 */
export function foldCase(text: string): string {
  if (isAscii(text)) return text.toLowerCase();
  // 'İ' is the one code point whose lower case is two, 'Σ' the one whose lower case depends on
  // its neighbours: with both mapped first, toLowerCase() maps every code point on its own.
  return text.replace(/[\u0130\u03a3]/g, (c) => (c === '\u0130' ? 'i' : '\u03c3')).toLowerCase();
}
