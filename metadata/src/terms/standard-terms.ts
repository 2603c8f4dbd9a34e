import type { TermDef, TermSet } from './term-def.ts';

/*
 * The standard term catalogue: the nouns the product's own words are made of. Every tenant has
 * these; a tenant overrides their forms (one rename reaches every label and message that names
 * them) and can reset them, but cannot delete them.
 */
const catalogue: TermDef[] = [
  term('customer', ['customer', 'customers'], ['客户', '位']),
  term('organization', ['organization', 'organizations', 'an'], ['组织', '个']),
  term('deal', ['deal', 'deals'], ['商机', '个']),
  term('activity', ['activity', 'activities', 'an'], ['活动', '项']),
  term('task', ['task', 'tasks'], ['任务', '项']),
  term('user', ['user', 'users'], ['用户', '位']),
];

function term(key: string, en: [singular: string, plural: string, article?: 'a' | 'an'], zh: [singular: string, measureWord: string]): TermDef {
  const [singular, plural, article] = en;
  return {
    key,
    standard: true,
    forms: { en: article ? { singular, plural, article } : { singular, plural }, 'zh-CN': { singular: zh[0], measureWord: zh[1] } },
  };
}

/** The standard terms, a fresh copy each call. */
export function standardTerms(): TermDef[] {
  return structuredClone(catalogue);
}

const byKey = new Map(catalogue.map((t) => [t.key, t]));

/** The catalogue default of a standard term (a fresh copy), or undefined for custom keys. */
export function standardTerm(key: string): TermDef | undefined {
  const found = byKey.get(key);
  return found ? structuredClone(found) : undefined;
}

export const standardTermKeys: readonly string[] = catalogue.map((t) => t.key);

/** Term sets that ship with Protean; each is applied as one change request (one revision). */
export const termSets: readonly TermSet[] = [
  {
    id: 'healthcare',
    labels: { en: 'Healthcare', 'zh-CN': '医疗' },
    description: { en: 'Clinics and practices: patients, treatment plans, visits', 'zh-CN': '诊所与医疗机构：患者、治疗方案、就诊' },
    terms: [
      { key: 'customer', forms: { en: { singular: 'patient', plural: 'patients' }, 'zh-CN': { singular: '患者', measureWord: '位' } } },
      { key: 'organization', forms: { en: { singular: 'clinic', plural: 'clinics' }, 'zh-CN': { singular: '诊所', measureWord: '家' } } },
      { key: 'deal', forms: { en: { singular: 'treatment plan', plural: 'treatment plans' }, 'zh-CN': { singular: '治疗方案', measureWord: '项' } } },
      { key: 'activity', forms: { en: { singular: 'visit', plural: 'visits' }, 'zh-CN': { singular: '就诊', measureWord: '次' } } },
      { key: 'task', forms: { en: { singular: 'care task', plural: 'care tasks' }, 'zh-CN': { singular: '护理任务', measureWord: '项' } } },
      { key: 'user', forms: { en: { singular: 'staff member', plural: 'staff members' }, 'zh-CN': { singular: '医护人员', measureWord: '位' } } },
    ],
  },
  {
    id: 'education',
    labels: { en: 'Education', 'zh-CN': '教育' },
    description: { en: 'Schools and training centres: students, enrollments, campuses', 'zh-CN': '学校与培训机构：学生、报名、校区' },
    terms: [
      { key: 'customer', forms: { en: { singular: 'student', plural: 'students' }, 'zh-CN': { singular: '学生', measureWord: '名' } } },
      { key: 'organization', forms: { en: { singular: 'school', plural: 'schools' }, 'zh-CN': { singular: '学校', measureWord: '所' } } },
      { key: 'deal', forms: { en: { singular: 'enrollment', plural: 'enrollments', article: 'an' }, 'zh-CN': { singular: '报名', measureWord: '项' } } },
      { key: 'activity', forms: { en: { singular: 'interaction', plural: 'interactions', article: 'an' }, 'zh-CN': { singular: '沟通记录', measureWord: '条' } } },
      { key: 'task', forms: { en: { singular: 'follow-up', plural: 'follow-ups' }, 'zh-CN': { singular: '跟进事项', measureWord: '项' } } },
      { key: 'user', forms: { en: { singular: 'staff member', plural: 'staff members' }, 'zh-CN': { singular: '教职员工', measureWord: '位' } } },
    ],
  },
];

export function findTermSet(id: string): TermSet | undefined {
  return termSets.find((s) => s.id === id);
}
