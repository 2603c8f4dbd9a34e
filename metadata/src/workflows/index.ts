export {
  conditionOps,
  type ApproverDefinition,
  conditionSchema,
  stepCatalog,
  stepConfigSchema,
  stepTypes,
  triggerSchema,
  workflowDefinitionSchema,
  type ConditionOp,
  type Duration,
  type DurationUnit,
  type StepType,
  type TriggerType,
  type WorkflowCondition,
  type WorkflowDefinition,
  type WorkflowStep,
  type WorkflowTrigger,
  type WorkflowVariable,
} from './workflow-schemas.ts';
export { localizeFormSchema, untranslatedFormLabels } from './form-labels.ts';
export { allowedBranches, conditionProblems, triggerObject, validateWorkflow, workflowLimits, type WorkflowModel } from './validate-workflow.ts';
export { durationMs, MAX_WAIT_MS, evaluateCondition, renderDeep, renderTemplate, valueAt, type RunScope } from './evaluate.ts';
export { compileConditionExpression, conditionCompiler, describeExpressionError, type ConditionCompiler } from './expression-conditions.ts';
