/**
 * The expression language (ADR 0013): CEL syntax, checked against an object's fields, compiled
 * once to closures and evaluated without eval. Formulas, validation rules, default values, layout
 * rules, sharing rules and workflow conditions all use it, on the server and in the studio.
 *
 *   const r = compileExpression('discount > 20 && isBlank(reason)', { snapshot, object: 'deal', context: 'validation' }, { expect: 'bool' });
 *   if (!r.ok) r.errors // [{ code, message, start, end, line, column }]
 *   else r.expression.test({ record: data, prior, user, timeZone })
 */
export {
  compileExpression,
  compileFormula,
  fieldExprType,
  rewriteFieldReferences,
  type CompileOptions,
  type CompileResult,
  type CompiledExpression,
  type EvaluationInput,
  type ExpressionContext,
  type ExpressionEnvironment,
  type ExpressionReferences,
} from './compile.ts';
export { parse as parseExpression, type ExprNode } from './parse.ts';
export { ExpressionEvaluationError, type ExpressionError } from './errors.ts';
export { expressionLimits } from './limits.ts';
export { PatternError, usePatternEngine, type PatternEngine } from './patterns.ts';
export { functions as expressionFunctions, specialFunctions as expressionSpecialFunctions, type FunctionDef } from './functions.ts';
export { T as exprTypes, typeName, formulaResultTypes, type ExprType, type FormulaResultType } from './types.ts';
export { dateInZone, isValidTimeZone, utc } from './values.ts';
export { expressionMessage, expressionProblem, logicMessage } from './messages.ts';
export {
  modelExpressions,
  compileModelExpression,
  logicDependents,
  followFieldRename,
  followPicklistValueRenames,
  picklistValueDependents,
  defaultResultType,
  checkFieldLogic,
  type ModelExpression,
} from './model-expressions.ts';
