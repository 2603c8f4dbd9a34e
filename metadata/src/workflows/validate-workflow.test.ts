import { describe, expect, it } from 'vitest';
import { standardSnapshot } from '../standard/standard-objects.ts';
import { evaluateCondition, renderTemplate } from './evaluate.ts';
import { conditionCompiler } from './expression-conditions.ts';
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
  it("checks an approval step's approvers: a user field of the record or of the record a lookup points at; not another type, not an unknown field, not an empty list", () => {
    const deals: WorkflowModel = {
      fields: (name) =>
        name === 'deal'
          ? [
              { apiName: 'name', type: 'text' },
              { apiName: 'owner', type: 'owner' },
              { apiName: 'customer', type: 'lookup', lookup: 'customer' },
            ]
          : name === 'customer'
            ? [
                { apiName: 'owner', type: 'owner' },
                { apiName: 'email', type: 'email' },
              ]
            : undefined,
    };
    const asking = (config: Record<string, unknown>): WorkflowDefinition => ({
      trigger: { type: 'record', object: 'deal', events: ['created'] },
      start: 'ask',
      steps: [
        { id: 'ask', type: 'approval', config: { message: 'May I?', ...config }, branches: { approved: 'done', rejected: 'done' } },
        { id: 'done', type: 'end', config: {} },
      ],
    });
    const problems = (config: Record<string, unknown>) => validateWorkflow(asking(config), deals).map((e) => `${e.path} ${e.code}`);
    expect(problems({ approvers: [{ manager: 'owner' }, { field: 'customer.owner' }, { role: '0b7a3c9e-5f7d-4c1e-9a57-3f5f1f0e2d11' }, { profile: 'sales' }, { user: '{{record.owner}}' }], decision: 'unanimous' })).toEqual([]);
    expect(problems({ approvers: [{ field: 'name' }, { manager: 'customer.email' }, { field: 'name.owner' }, { field: 'warp' }] })).toEqual([
      '/steps/0/config/approvers/0/field not_user_field',
      '/steps/0/config/approvers/1/manager not_user_field',
      '/steps/0/config/approvers/2/field not_lookup',
      '/steps/0/config/approvers/3/field unknown_field',
    ]);
    expect(problems({ approvers: [] })).toEqual(['/steps/0/config/approvers invalid']);
    expect(problems({})).toEqual(['/steps/0/config/approvers required']);
    // One problem per approver that fits no kind, not one per kind it is not.
    expect(problems({ approvers: [{ role: 'sales managers' }, {}, { user: 'x', role: 'y' }, { group: 'g' }] })).toEqual([
      '/steps/0/config/approvers/0/role invalid',
      '/steps/0/config/approvers/1 invalid',
      '/steps/0/config/approvers/2 invalid',
      '/steps/0/config/approvers/3 invalid',
    ]);
    expect(validateWorkflow(asking({ approvers: [{ user: 'x', role: 'y' }] }), deals)[0]?.message).toBe('an approver names one of user, profile, role, field, manager (this one has user, role)');
  });

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

  describe('expression conditions', () => {
    const snapshot = standardSnapshot();
    const dealModel: WorkflowModel = {
      fields: (name) => snapshot.objects.find((o) => o.apiName === name)?.fields.map((f) => ({ apiName: f.apiName, type: f.type })),
      snapshot,
    };
    const bigDeal = (expression: string, events: ('created' | 'updated')[] = ['created', 'updated']): WorkflowDefinition => ({
      trigger: { type: 'record', object: 'deal', events },
      start: 'is_big',
      steps: [
        { id: 'is_big', type: 'condition', config: { condition: { expression } }, branches: { true: 'task', false: 'done' } },
        { id: 'task', type: 'createTask', config: { subject: 'Review {{record.name}}', dueInDays: 1 }, next: 'done' },
        { id: 'done', type: 'end', config: {} },
      ],
    });

    it('accepts a well-typed expression and evaluates it over the record and the values before the update', () => {
      const def = bigDeal("stage == 'negotiation' && amount > 10000 && isChanged(stage)");
      expect(validateWorkflow(def, dealModel)).toEqual([]);
      const compile = conditionCompiler(snapshot, 'deal');
      const condition = (def.steps[0]!.config as { condition: { expression: string } }).condition;
      expect(evaluateCondition(condition, { record: { stage: 'negotiation', amount: 25000 }, previous: { stage: 'proposal', amount: 25000 } }, compile)).toBe(true);
      expect(evaluateCondition(condition, { record: { stage: 'negotiation', amount: 25000 }, previous: { stage: 'negotiation', amount: 20000 } }, compile)).toBe(false);
      expect(evaluateCondition(condition, { record: { stage: 'negotiation', amount: 500 }, previous: { stage: 'proposal', amount: 500 } }, compile)).toBe(false);
      // The structured and the expression form mix inside all/any/not.
      expect(evaluateCondition({ all: [{ expression: 'amount >= 100' }, { path: 'record.stage', op: 'eq', value: 'proposal' }] }, { record: { stage: 'proposal', amount: 100 } }, compile)).toBe(true);
    });

    it('refuses an ill-typed expression with its position, and prior values where no update is known', () => {
      const errors = validateWorkflow(bigDeal("stage == 'negotiation' && amount > 'lots'"), dealModel);
      expect(errors).toEqual([
        expect.objectContaining({ path: '/steps/0/config/condition/expression', code: 'invalid_expression', position: expect.objectContaining({ line: 1, column: 27 }) }),
      ]);
      expect(errors[0]!.message).toMatch(/^line 1, column 27: /);
      expect(validateWorkflow(bigDeal('colour == 1'), dealModel)).toEqual([expect.objectContaining({ path: '/steps/0/config/condition/expression', code: 'invalid_expression' })]);
      expect(validateWorkflow(bigDeal('isChanged(amount)', ['created']), dealModel)).toEqual([expect.objectContaining({ path: '/steps/0/config/condition/expression', message: expect.stringMatching(/record updates/) })]);
      const scheduled: WorkflowDefinition = { ...bigDeal('amount > 1'), trigger: { type: 'schedule', cron: '0 8 * * *' } as never };
      expect(validateWorkflow(scheduled, dealModel)).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/steps/0/config/condition', code: 'invalid' })]));
    });
  });
});
