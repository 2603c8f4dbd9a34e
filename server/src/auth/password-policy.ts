import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { validationError, type FieldProblem } from '../errors/problems.ts';
import { PASSWORD_MIN_LENGTH } from './passwords.ts';

/*
 * What a new password must be (ASVS 2.1.1 and 2.1.7, ADR 0007): long enough, and not one of
 * the passwords people use most. The list is zxcvbn's (the most common passwords of breach
 * corpora, lower-cased), read from the package at the first check: no network at run time.
 * Only entries a password could be are kept, so the set holds about 1,600 of its 49,000.
 */

let common: ReadonlySet<string> | undefined;

function commonPasswords(): ReadonlySet<string> {
  if (common) return common;
  const file = createRequire(import.meta.url).resolve('@zxcvbn-ts/language-common/src/passwords.json');
  const list: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(list)) throw new Error('The common-password list is not a list');
  common = new Set(list.filter((p): p is string => typeof p === 'string' && p.length >= PASSWORD_MIN_LENGTH));
  return common;
}

/** Whether `password` is one of the most common passwords, in any letter case. */
export const isCommonPassword = (password: string): boolean => commonPasswords().has(password.normalize('NFKC').toLowerCase());

/** What is wrong with a new password, as problems of `field`; none when it may be used. The password itself is never quoted. */
export function passwordProblems(password: string, field = 'password'): FieldProblem[] {
  // Counted as it is hashed (NFKC: 'ｶﾞ' is one 'ガ'), in characters rather than UTF-16 units.
  const hashed = password.normalize('NFKC');
  if ([...hashed].length < PASSWORD_MIN_LENGTH) return [{ field, code: 'minLength', message: `must be at least ${PASSWORD_MIN_LENGTH} characters` }];
  if (hashed.trim() === '') return [{ field, code: 'blank', message: 'cannot be only spaces' }];
  if (isCommonPassword(password)) return [{ field, code: 'common', message: 'is one of the most common passwords; choose one that is harder to guess' }];
  return [];
}

/** Refuses a new password that `passwordProblems` finds fault with (422). */
export function checkNewPassword(password: string, field = 'password'): void {
  const problems = passwordProblems(password, field);
  if (problems.length) throw validationError(problems[0]!.code === 'common' ? 'The password is too common' : 'The password is too short', problems);
}
