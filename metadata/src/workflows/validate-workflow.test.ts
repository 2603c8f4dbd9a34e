import { describe, expect, it } from 'vitest';
import { evaluateCondition, renderTemplate } from './evaluate.ts';
import { validateWorkflow, type WorkflowModel } from './validate-workflow.ts';
import type { WorkflowDefinition } from './workflow-schemas.ts';

const model: WorkflowModel = {
  fields: (name) =>
    name === 'customer'
      ? [
          { apiName: 'name', type: 'text' },
          { apiName: 'status', type: 'picklist' },
          { apiName: 'score', type: 'number' },
        ]
      : name === 'task'
        ? [{ apiName: 'subject', type: 'text' }]
        : undefined,
};

const followUp = (): WorkflowDefinition => ({
  trigger: { type: 'noActivity', object: 'customer', days: 7 },
  start: 'is_open',
  steps: [
    { id: 'is_open', type: 'condition', config: { condition: { path: 'record.status', op: 'neq', value: 'inactive' } }, branches: { true: 'task', false: 'done' } },
    { id: 'task', type: 'createTask', config: { subject: 'Follow up {{record.name}}', dueInDays: 1 }, next: 'done' },
    { id: 'done', type: 'end', config: {} },
  ],
});

describe('workflow definitions', () => {
  it('accepts the no-activity follow-up', () => {
    expect(validateWorkflow(followUp(), model)).toEqual([]);
  });

  it('reports every problem with its path: bad step configuration, missing target, unknown branch', () => {
    const def = followUp();
    def.steps[1]!.config = { subject: '', dueInDays: -1 };
    def.steps[0]!.branches = { true: 'task', maybe: 'nowhere' };
    const paths = validateWorkflow(def, model).map((e) => `${e.path} ${e.code}`);
    expect(paths).toEqual(expect.arrayContaining(['/steps/1/config/subject invalid', '/steps/1/config/dueInDays invalid', '/steps/0/branches/maybe unknown_branch', '/steps/0/branches/maybe unknown_step']));
  });

  it('finds unreachable steps, cycles, unknown fields and type errors in conditions', () => {
    const def = followUp();
    def.steps.push({ id: 'orphan', type: 'end', config: {} });
    expect(validateWorkflow(def, model)).toEqual([expect.objectContaining({ path: '/steps/3', code: 'unreachable' })]);
    const cycle = followUp();
    cycle.steps[1]!.next = 'is_open';
    expect(validateWorkflow(cycle, model)).toEqual([expect.objectContaining({ code: 'cycle' })]);
    const typed = followUp();
    typed.steps[0]!.config = { condition: { all: [{ path: 'record.score', op: 'gt', value: 'ten' }, { path: 'record.colour', op: 'eq', value: 'red' }] } };
    expect(validateWorkflow(typed, model).map((e) => `${e.path} ${e.code}`)).toEqual([
      '/steps/0/config/condition/all/0/value type_mismatch',
      '/steps/0/config/condition/all/1/path unknown_field',
    ]);
  });

  it('evaluates "changed to" against the values before an update, and renders templates', () => {
    const changed = { path: 'record.status', op: 'changedTo', value: 'contacted' } as const;
    expect(evaluateCondition(changed, { record: { status: 'contacted' }, previous: { status: 'new' } })).toBe(true);
    expect(evaluateCondition(changed, { record: { status: 'contacted' }, previous: { status: 'contacted' } })).toBe(false);
    expect(evaluateCondition({ all: [{ path: 'record.score', op: 'gte', value: 10 }, { not: { path: 'record.name', op: 'isEmpty' } }] }, { record: { score: 12, name: 'Li' } })).toBe(true);
    expect(renderTemplate('Follow up {{record.name}} ({{term.customer}})', { record: { name: 'Li Wei' }, term: { customer: 'Patient' } })).toBe('Follow up Li Wei (Patient)');
    expect(renderTemplate('{{record.score}}', { record: { score: 12 } })).toBe(12);
  });
});
