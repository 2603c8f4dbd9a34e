import type { FieldDef, PicklistValueDraft } from '@protean/metadata';
import type { WorkflowDefinition } from '@protean/metadata/workflows';

/**
 * Workflows every new workspace starts with (relationship sales), and the education example
 * templates build on. They are ordinary workflows: the admin edits, deactivates or deletes them.
 */
export interface StarterWorkflow {
  apiName: string;
  label: string;
  description: string;
  definition: WorkflowDefinition;
}

/** The customer status the first activity moves a new customer to. */
export const CONTACTED_STATUS: PicklistValueDraft = { apiName: 'contacted', labels: { en: 'Contacted', 'zh-CN': '已联系' } };

export const relationshipSales: StarterWorkflow[] = [
  {
    apiName: 'first_contact',
    label: 'New → Contacted on the first activity',
    description: 'When an activity is logged for a {customer} who is still a lead, the {customer} becomes Contacted.',
    definition: {
      trigger: { type: 'record', object: 'activity', events: ['created'] },
      start: 'find_customer',
      steps: [
        { id: 'find_customer', type: 'findRecords', config: { object: 'customer', id: '{{record.customer}}', limit: 1 }, next: 'is_new', position: { x: 0, y: 120 } },
        {
          id: 'is_new',
          type: 'condition',
          config: { condition: { path: 'steps.find_customer.records.0.status', op: 'eq', value: 'lead' } },
          branches: { true: 'mark_contacted' },
          position: { x: 0, y: 240 },
        },
        { id: 'mark_contacted', type: 'updateRecord', config: { object: 'customer', recordId: '{{record.customer}}', values: { status: 'contacted' } }, position: { x: 0, y: 360 } },
      ],
      triggerPosition: { x: 0, y: 0 },
    },
  },
  {
    apiName: 'no_activity_follow_up',
    label: 'Follow up after 7 days without activity',
    description: 'A {customer} with no activity for 7 days gets a follow-up task for the owner.',
    definition: {
      trigger: { type: 'noActivity', object: 'customer', days: 7 },
      start: 'still_open',
      steps: [
        { id: 'still_open', type: 'condition', config: { condition: { path: 'record.status', op: 'neq', value: 'inactive' } }, branches: { true: 'follow_up' }, position: { x: 0, y: 120 } },
        { id: 'follow_up', type: 'createTask', config: { subject: 'Follow up with {{record.name}}', dueInDays: 1, priority: 'normal' }, position: { x: 0, y: 240 } },
      ],
      triggerPosition: { x: 0, y: 0 },
    },
  },
  {
    apiName: 'task_due_reminder',
    label: 'Remind the assignee on the due date',
    description: 'On a task’s due date, its assignee is reminded unless it is done.',
    definition: {
      trigger: { type: 'relativeTime', object: 'task', field: 'due_date', offset: { amount: 9, unit: 'hours' }, direction: 'after' },
      start: 'not_done',
      steps: [
        { id: 'not_done', type: 'condition', config: { condition: { path: 'record.status', op: 'neq', value: 'completed' } }, branches: { true: 'remind' }, position: { x: 0, y: 120 } },
        { id: 'remind', type: 'notify', config: { user: '{{record.assignee}}', message: '“{{record.subject}}” is due today' }, position: { x: 0, y: 240 } },
      ],
      triggerPosition: { x: 0, y: 0 },
    },
  },
];

const stage = (apiName: string, en: string, zh: string): PicklistValueDraft => ({ apiName, labels: { en, 'zh-CN': zh } });

/** The fields the education journey adds to the customer (student) object. */
export const educationFields: Omit<FieldDef, 'id' | 'apiNameAliases'>[] = [
  {
    apiName: 'journey_stage',
    type: 'picklist',
    labels: { en: 'Journey stage', 'zh-CN': '学习阶段' },
    defaultValue: 'lead',
    values: [
      stage('lead', 'Lead', '潜在学员'),
      stage('trial_lesson', 'Trial lesson', '试听'),
      stage('enrolled', 'Enrolled', '已报名'),
      stage('active', 'Active', '在读'),
      stage('renewal_due', 'Renewal due', '待续费'),
      stage('alumni', 'Alumni', '校友'),
    ],
  } as unknown as Omit<FieldDef, 'id' | 'apiNameAliases'>,
  { apiName: 'course_start', type: 'date', labels: { en: 'Course start', 'zh-CN': '开课日期' } } as Omit<FieldDef, 'id' | 'apiNameAliases'>,
  { apiName: 'course_end', type: 'date', labels: { en: 'Course end', 'zh-CN': '结课日期' } } as Omit<FieldDef, 'id' | 'apiNameAliases'>,
];

const setStage = (id: string, value: string, y: number, next?: string) => ({
  id,
  type: 'updateRecord' as const,
  config: { values: { journey_stage: value } },
  ...(next ? { next } : {}),
  position: { x: 0, y },
});

/** Lead → trial lesson → enrolled → active → renewal due → alumni (and a referral ask), each transition a workflow. */
export const educationJourney: StarterWorkflow[] = [
  {
    apiName: 'edu_trial_booked',
    label: 'Lead → Trial lesson when a visit or meeting is logged',
    description: 'A lead who comes for a visit or meeting has had a trial lesson.',
    definition: {
      trigger: { type: 'record', object: 'activity', events: ['created'], condition: { path: 'record.type', op: 'in', value: ['visit', 'meeting'] } },
      start: 'find_student',
      steps: [
        { id: 'find_student', type: 'findRecords', config: { object: 'customer', id: '{{record.customer}}', limit: 1 }, next: 'is_lead', position: { x: 0, y: 120 } },
        { id: 'is_lead', type: 'condition', config: { condition: { path: 'steps.find_student.records.0.journey_stage', op: 'eq', value: 'lead' } }, branches: { true: 'to_trial' }, position: { x: 0, y: 240 } },
        { id: 'to_trial', type: 'updateRecord', config: { object: 'customer', recordId: '{{record.customer}}', values: { journey_stage: 'trial_lesson' } }, position: { x: 0, y: 360 } },
      ],
      triggerPosition: { x: 0, y: 0 },
    },
  },
  {
    apiName: 'edu_enrol',
    label: 'Trial lesson → Enrolled (button with the course dates)',
    description: 'Enrols a student after the trial lesson: the course dates are asked for in a form.',
    definition: {
      trigger: {
        type: 'manual',
        object: 'customer',
        inputSchema: {
          type: 'object',
          required: ['course_start', 'course_end'],
          properties: { course_start: { type: 'string', format: 'date', title: 'Course start' }, course_end: { type: 'string', format: 'date', title: 'Course end' } },
        },
      },
      start: 'was_trial',
      steps: [
        { id: 'was_trial', type: 'condition', config: { condition: { path: 'record.journey_stage', op: 'eq', value: 'trial_lesson' } }, branches: { true: 'enrol' }, position: { x: 0, y: 120 } },
        { id: 'enrol', type: 'updateRecord', config: { values: { journey_stage: 'enrolled', course_start: '{{input.course_start}}', course_end: '{{input.course_end}}' } }, position: { x: 0, y: 240 } },
      ],
      triggerPosition: { x: 0, y: 0 },
    },
  },
  {
    apiName: 'edu_course_starts',
    label: 'Enrolled → Active on the course start date',
    description: 'On the first day of the course the student is active.',
    definition: {
      trigger: { type: 'relativeTime', object: 'customer', field: 'course_start', offset: { amount: 0, unit: 'days' }, direction: 'after', condition: { path: 'record.journey_stage', op: 'eq', value: 'enrolled' } },
      start: 'to_active',
      steps: [setStage('to_active', 'active', 120)],
      triggerPosition: { x: 0, y: 0 },
    },
  },
  {
    apiName: 'edu_renewal_due',
    label: 'Active → Renewal due 30 days before the course ends',
    description: 'Thirty days before the course ends, the renewal is due and the owner gets a task.',
    definition: {
      trigger: { type: 'relativeTime', object: 'customer', field: 'course_end', offset: { amount: 30, unit: 'days' }, direction: 'before', condition: { path: 'record.journey_stage', op: 'eq', value: 'active' } },
      start: 'to_renewal',
      steps: [setStage('to_renewal', 'renewal_due', 120, 'renewal_task'), { id: 'renewal_task', type: 'createTask', config: { subject: 'Talk to {{record.name}} about renewing', dueInDays: 7, priority: 'high' }, position: { x: 0, y: 240 } }],
      triggerPosition: { x: 0, y: 0 },
    },
  },
  {
    apiName: 'edu_alumni',
    label: 'Renewal due → Alumni after 60 quiet days, and ask for a referral',
    description: 'A student who did not renew and has had no activity for 60 days becomes alumni; the owner asks for a referral.',
    definition: {
      trigger: { type: 'noActivity', object: 'customer', days: 60, condition: { path: 'record.journey_stage', op: 'eq', value: 'renewal_due' } },
      start: 'to_alumni',
      steps: [setStage('to_alumni', 'alumni', 120, 'referral'), { id: 'referral', type: 'createTask', config: { subject: 'Ask {{record.name}} for a referral', dueInDays: 3 }, position: { x: 0, y: 240 } }],
      triggerPosition: { x: 0, y: 0 },
    },
  },
];
