import type { FieldDef, Locale, PicklistValueDraft } from '@protean/metadata';
import type { WorkflowDefinition } from '@protean/metadata/workflows';

/** Picks the words of one language: starters are written once, in every language the product speaks. */
export type Say = (en: string, zh: string) => string;
export const sayIn = (locale: Locale): Say => (locale === 'zh-CN' ? (_en, zh) => zh : (en) => en);

/**
 * Workflows every new workspace starts with (relationship sales), and the education example
 * templates build on, in the language of the workspace (or of the admin installing a template):
 * labels, step labels and the texts they write are theirs to read and edit. They are ordinary
 * workflows: the admin edits, deactivates or deletes them. `{customer}` in a label or description is
 * the workspace's term, resolved when installed.
 */
export interface StarterWorkflow {
  apiName: string;
  label: string;
  description: string;
  definition: WorkflowDefinition;
}

/** The customer status the first activity moves a new customer to. */
export const CONTACTED_STATUS: PicklistValueDraft = { apiName: 'contacted', labels: { en: 'Contacted', 'zh-CN': '已联系' } };

export const relationshipSales = (say: Say): StarterWorkflow[] => [
  {
    apiName: 'first_contact',
    label: say('New → Contacted on the first activity', '首次活动后：潜在{customer} → 已联系'),
    description: say('When an activity is logged for a {customer} who is still a lead, the {customer} becomes Contacted.', '为仍是潜在{customer}的{customer}记录活动时，该{customer}变为已联系。'),
    definition: {
      trigger: { type: 'record', object: 'activity', events: ['created'] },
      start: 'find_customer',
      steps: [
        { id: 'find_customer', type: 'findRecords', label: say('Find whom the activity is with', '查找活动的对象'), config: { object: 'customer', id: '{{record.customer}}', limit: 1 }, next: 'is_new', position: { x: 0, y: 120 } },
        {
          id: 'is_new',
          type: 'condition',
          label: say('Still a lead?', '仍是潜在{customer}？'),
          config: { condition: { path: 'steps.find_customer.records.0.status', op: 'eq', value: 'lead' } },
          branches: { true: 'mark_contacted' },
          position: { x: 0, y: 240 },
        },
        { id: 'mark_contacted', type: 'updateRecord', label: say('Mark as Contacted', '标为已联系'), config: { object: 'customer', recordId: '{{record.customer}}', values: { status: 'contacted' } }, position: { x: 0, y: 360 } },
      ],
      triggerPosition: { x: 0, y: 0 },
    },
  },
  {
    apiName: 'no_activity_follow_up',
    label: say('Follow up after 7 days without activity', '7 天无活动后跟进'),
    description: say('A {customer} with no activity for 7 days gets a follow-up task for the owner.', '7 天没有活动的{customer}，为负责人生成一个跟进任务。'),
    definition: {
      trigger: { type: 'noActivity', object: 'customer', days: 7 },
      start: 'still_open',
      steps: [
        { id: 'still_open', type: 'condition', label: say('Not inactive?', '不是不活跃？'), config: { condition: { path: 'record.status', op: 'neq', value: 'inactive' } }, branches: { true: 'follow_up' }, position: { x: 0, y: 120 } },
        { id: 'follow_up', type: 'createTask', label: say('Follow-up task', '跟进任务'), config: { subject: say('Follow up with {{record.name}}', '跟进{{record.name}}'), dueInDays: 1, priority: 'normal' }, position: { x: 0, y: 240 } },
      ],
      triggerPosition: { x: 0, y: 0 },
    },
  },
  {
    apiName: 'task_due_reminder',
    label: say('Remind the assignee on the due date', '到期当天提醒负责人'),
    description: say('On a task’s due date, its assignee is reminded unless it is done.', '任务到期当天，若尚未完成，提醒其负责人。'),
    definition: {
      trigger: { type: 'relativeTime', object: 'task', field: 'due_date', offset: { amount: 9, unit: 'hours' }, direction: 'after' },
      start: 'not_done',
      steps: [
        { id: 'not_done', type: 'condition', label: say('Not done?', '尚未完成？'), config: { condition: { path: 'record.status', op: 'neq', value: 'completed' } }, branches: { true: 'remind' }, position: { x: 0, y: 120 } },
        { id: 'remind', type: 'notify', label: say('Remind the assignee', '提醒负责人'), config: { user: '{{record.assignee}}', message: say('“{{record.subject}}” is due today', '“{{record.subject}}”今天到期') }, position: { x: 0, y: 240 } },
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

const setStage = (id: string, label: string, value: string, y: number, next?: string) => ({
  id,
  type: 'updateRecord' as const,
  label,
  config: { values: { journey_stage: value } },
  ...(next ? { next } : {}),
  position: { x: 0, y },
});

/** Lead → trial lesson → enrolled → active → renewal due → alumni (and a referral ask), each transition a workflow. */
export const educationJourney = (say: Say): StarterWorkflow[] => [
  {
    apiName: 'edu_trial_booked',
    label: say('Lead → Trial lesson when a visit or meeting is logged', '记录到访或会面后：潜在学员 → 试听'),
    description: say('A lead who comes for a visit or meeting has had a trial lesson.', '来访或会面的潜在学员已上过试听课。'),
    definition: {
      trigger: { type: 'record', object: 'activity', events: ['created'], condition: { path: 'record.type', op: 'in', value: ['visit', 'meeting'] } },
      start: 'find_student',
      steps: [
        { id: 'find_student', type: 'findRecords', label: say('Find the student', '查找学员'), config: { object: 'customer', id: '{{record.customer}}', limit: 1 }, next: 'is_lead', position: { x: 0, y: 120 } },
        { id: 'is_lead', type: 'condition', label: say('Still a lead?', '仍是潜在学员？'), config: { condition: { path: 'steps.find_student.records.0.journey_stage', op: 'eq', value: 'lead' } }, branches: { true: 'to_trial' }, position: { x: 0, y: 240 } },
        { id: 'to_trial', type: 'updateRecord', label: say('To Trial lesson', '转为试听'), config: { object: 'customer', recordId: '{{record.customer}}', values: { journey_stage: 'trial_lesson' } }, position: { x: 0, y: 360 } },
      ],
      triggerPosition: { x: 0, y: 0 },
    },
  },
  {
    apiName: 'edu_enrol',
    label: say('Trial lesson → Enrolled (button with the course dates)', '试听 → 已报名（按钮，填写课程日期）'),
    description: say('Enrols a student after the trial lesson: the course dates are asked for in a form.', '试听后为学员报名：在表单中填写课程日期。'),
    definition: {
      trigger: {
        type: 'manual',
        object: 'customer',
        inputSchema: {
          type: 'object',
          required: ['course_start', 'course_end'],
          properties: { course_start: { type: 'string', format: 'date', title: say('Course start', '开课日期') }, course_end: { type: 'string', format: 'date', title: say('Course end', '结课日期') } },
        },
      },
      start: 'was_trial',
      steps: [
        { id: 'was_trial', type: 'condition', label: say('Had the trial lesson?', '已试听？'), config: { condition: { path: 'record.journey_stage', op: 'eq', value: 'trial_lesson' } }, branches: { true: 'enrol' }, position: { x: 0, y: 120 } },
        { id: 'enrol', type: 'updateRecord', label: say('Enrol with the course dates', '按课程日期报名'), config: { values: { journey_stage: 'enrolled', course_start: '{{input.course_start}}', course_end: '{{input.course_end}}' } }, position: { x: 0, y: 240 } },
      ],
      triggerPosition: { x: 0, y: 0 },
    },
  },
  {
    apiName: 'edu_course_starts',
    label: say('Enrolled → Active on the course start date', '开课当天：已报名 → 在读'),
    description: say('On the first day of the course the student is active.', '课程第一天，学员转为在读。'),
    definition: {
      trigger: { type: 'relativeTime', object: 'customer', field: 'course_start', offset: { amount: 0, unit: 'days' }, direction: 'after', condition: { path: 'record.journey_stage', op: 'eq', value: 'enrolled' } },
      start: 'to_active',
      steps: [setStage('to_active', say('To Active', '转为在读'), 'active', 120)],
      triggerPosition: { x: 0, y: 0 },
    },
  },
  {
    apiName: 'edu_renewal_due',
    label: say('Active → Renewal due 30 days before the course ends', '结课前 30 天：在读 → 待续费'),
    description: say('Thirty days before the course ends, the renewal is due and the owner gets a task.', '结课前三十天，进入待续费，并为负责人生成任务。'),
    definition: {
      trigger: { type: 'relativeTime', object: 'customer', field: 'course_end', offset: { amount: 30, unit: 'days' }, direction: 'before', condition: { path: 'record.journey_stage', op: 'eq', value: 'active' } },
      start: 'to_renewal',
      steps: [
        setStage('to_renewal', say('To Renewal due', '转为待续费'), 'renewal_due', 120, 'renewal_task'),
        { id: 'renewal_task', type: 'createTask', label: say('Renewal task', '续费任务'), config: { subject: say('Talk to {{record.name}} about renewing', '与{{record.name}}沟通续费'), dueInDays: 7, priority: 'high' }, position: { x: 0, y: 240 } },
      ],
      triggerPosition: { x: 0, y: 0 },
    },
  },
  {
    apiName: 'edu_alumni',
    label: say('Renewal due → Alumni after 60 quiet days, and ask for a referral', '60 天无活动：待续费 → 校友，并请求转介绍'),
    description: say('A student who did not renew and has had no activity for 60 days becomes alumni; the owner asks for a referral.', '未续费且 60 天没有活动的学员转为校友；负责人请其转介绍。'),
    definition: {
      trigger: { type: 'noActivity', object: 'customer', days: 60, condition: { path: 'record.journey_stage', op: 'eq', value: 'renewal_due' } },
      start: 'to_alumni',
      steps: [
        setStage('to_alumni', say('To Alumni', '转为校友'), 'alumni', 120, 'referral'),
        { id: 'referral', type: 'createTask', label: say('Referral task', '转介绍任务'), config: { subject: say('Ask {{record.name}} for a referral', '请{{record.name}}转介绍'), dueInDays: 3 }, position: { x: 0, y: 240 } },
      ],
      triggerPosition: { x: 0, y: 0 },
    },
  },
];
