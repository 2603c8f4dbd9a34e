import type { IncomingHttpHeaders } from 'node:http';
import { validationError } from '../errors/problems.ts';

/**
 * The versions `If-Match` names: `"3"` (or W/"3", or 3) → [3], and a list (`"2", "3"`) any of
 * them, as HTTP defines it; absent, or `*` (any version of a thing that exists, as HTTP defines it
 * and generic clients send it) → undefined. A value that is no version is malformed: a 400, as a
 * header is part of the request's syntax, not content to process (422). `what` names the thing
 * in the refusal ("a record version").
 */
export function ifMatchVersions(headers: IncomingHttpHeaders, what: 'record' | 'script' | 'model revision'): number[] | undefined {
  const header = headers['if-match'];
  if (header === undefined || String(header).trim() === '*') return undefined;
  const tags = String(header).split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
  const versions = tags.map((tag) => /^(?:W\/)?"?(\d{1,9})"?$/.exec(tag)?.[1]);
  if (versions.length === 0 || versions.some((v) => v === undefined)) {
    throw validationError(`If-Match must hold a ${what === 'model revision' ? 'model revision' : `${what} version`} such as "3"`, [{ field: 'If-Match', code: 'format', message: 'must be a version returned in ETag' }], 400);
  }
  return versions.map(Number);
}

/** The version a change is based on, of those `If-Match` named: the current one when listed, else the first, which the write refuses (412). */
export const basedOn = (versions: readonly number[], current: number): number => (versions.includes(current) ? current : versions[0]!);
