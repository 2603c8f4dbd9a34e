import type { FieldDef, ObjectDef } from '@protean/metadata';
import { notFound, preconditionFailed, validationError, type FieldProblem } from '../errors/problems.ts';
import type { Words } from '../metadata/words.ts';
import type { RequestContext } from './request-context.ts';
import type { TenantModel } from './tenant-model.ts';

export { UUID } from '../http/ids.ts';

/** "No Patient with id …": the object named through the tenant's glossary, in the user's locale. */
export function noRecord(ctx: RequestContext, object: ObjectDef, id: string, key: 'record.notFound' | 'record.deletedNotFound' = 'record.notFound') {
  const words = ctx.model.words(ctx.principal.locale);
  return notFound(words.say(key, { object: words.noun(object), id }));
}

/** One invalid value as a sentence that names the field by its label ("Patient is required"). */
export function summary(model: TenantModel, words: Words, object: ObjectDef, problem: FieldProblem): string {
  const field = problem.field ? model.field(object, problem.field) : undefined;
  // A validation rule's message is the admin's own sentence ("An appointment cannot end before it
  // starts"): it follows the field's label, or stands alone for a rule about the whole record.
  if (problem.code === 'validationRule') return field ? `${words.field(field)}${words.locale === 'zh-CN' ? '：' : ': '}${problem.message}` : problem.message;
  const subject = field ? words.field(field) : problem.field ? `'${problem.field}'` : words.object(object);
  return `${subject} ${problem.message}`;
}

export function invalid(model: TenantModel, words: Words, object: ObjectDef, problems: FieldProblem[]) {
  return validationError(problems.length === 1 ? summary(model, words, object, problems[0]!) : `${problems.length} values are invalid`, problems);
}

export const stale = (current: number) =>
  preconditionFailed(`The record was changed by someone else (now at version ${current}); reload it and apply your change again`, { currentVersion: current });

export function requireObject(input: unknown, index: number | undefined): asserts input is Record<string, unknown> {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return;
  throw validationError('A record is a JSON object of field values', [{ field: '', code: 'type', message: 'must be a JSON object', ...(index === undefined ? {} : { index }) }]);
}

export const at = (index: number | undefined) => (p: FieldProblem): FieldProblem => (index === undefined ? p : { ...p, index });

export function recordDisplayName(object: ObjectDef, record: Record<string, unknown>): string {
  const name = object.fields.find((f: FieldDef) => f.id === object.nameFieldId);
  const value = name ? record[name.apiName] : undefined;
  return typeof value === 'string' && value ? value : String(record['id']);
}
