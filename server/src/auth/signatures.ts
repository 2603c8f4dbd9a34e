import { timingSafeEqual } from 'node:crypto';

/**
 * Whether a signature sent back as text is exactly the one made, compared as text in constant
 * time. Decoded first, base64url's last character carries bits a decoder drops, so a signature
 * with that character changed decoded to the same bytes and passed: a tampered token must not.
 */
export function signatureMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
