/**
 * Parses JSON that came out of a sandbox. `__proto__` keys are dropped: JSON.parse makes them own
 * properties, harmless until someone merges the value with Object.assign or a deep merge, which
 * would then set a prototype. Nothing the script returns can pollute the host's prototypes.
 */
export function parseFromSandbox(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value));
}

/** Bytes of a string in UTF-8, without allocating it. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
