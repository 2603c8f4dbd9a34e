import { compileExpression, type CompiledExpression } from '../expressions/compile.ts';
import type { ExpressionError } from '../expressions/errors.ts';
import type { Snapshot } from '../schemas/snapshot.ts';

/**
 * Expression conditions of workflows: CEL over the trigger object's fields by API name, with
 * `isChanged(field)` / `priorValue(field)` reading the record before an update. Compiled once per
 * model snapshot and source: a workflow version's conditions compile on first use and are reused by
 * every run until the model changes.
 */
export type ConditionCompiler = (source: string) => CompiledExpression;

const compiled = new WeakMap<Snapshot, Map<string, CompiledExpression>>();

export type ExpressionConditionResult = { ok: true; expression: CompiledExpression } | { ok: false; errors: ExpressionError[] };

export function compileConditionExpression(snapshot: Snapshot, objectName: string, source: string): ExpressionConditionResult {
  let bySource = compiled.get(snapshot);
  const key = `${objectName}\n${source}`;
  const hit = bySource?.get(key);
  if (hit) return { ok: true, expression: hit };
  const result = compileExpression(source, { snapshot, object: objectName, context: 'condition', recordForm: 'api' }, { expect: 'bool' });
  if (!result.ok) return result;
  if (!bySource) compiled.set(snapshot, (bySource = new Map()));
  bySource.set(key, result.expression);
  return result;
}

/** The compiler a run uses; an expression that no longer compiles (a field was deleted since) fails the step with the reason. */
export function conditionCompiler(snapshot: Snapshot, objectName: string | undefined): ConditionCompiler {
  return (source) => {
    if (!objectName) throw new Error(`the condition '${source}' needs a trigger on an object`);
    const result = compileConditionExpression(snapshot, objectName, source);
    if (!result.ok) throw new Error(`the condition '${source}' no longer compiles: ${result.errors.map(describeExpressionError).join('; ')}`);
    return result.expression;
  };
}

export function describeExpressionError(e: ExpressionError): string {
  return `line ${e.line}, column ${e.column}: ${e.message}`;
}
