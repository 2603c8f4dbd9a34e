import { describe, expect, it } from 'vitest';
import { localizeFormSchema, untranslatedFormLabels } from './form-labels.ts';
import { conditionSchema, stepCatalog, stepConfigSchema, stepTypes, triggerSchema } from './workflow-schemas.ts';

describe('workflow form labels', () => {
  it('has a Chinese form for every title and description of the step, trigger and condition schemas', () => {
    const schemas = [triggerSchema, conditionSchema, ...stepTypes.map((type) => stepCatalog[type].schema)];
    expect(schemas.flatMap((schema) => untranslatedFormLabels(schema, 'zh-CN'))).toEqual([]);
  });

  it('gives the studio a Chinese form to render and leaves the schema itself in English', () => {
    const zh = localizeFormSchema(stepConfigSchema('createTask'), 'zh-CN') as { properties: Record<string, { title?: string }> };
    expect(zh.properties['subject']?.title).toBe('主题');
    expect(zh.properties['dueInDays']?.title).toBe('到期（天后）');
    expect((stepConfigSchema('createTask') as { properties: Record<string, { title?: string }> }).properties['subject']?.title).toBe('Subject');
    expect(localizeFormSchema(stepConfigSchema('createTask'), 'en')).toEqual(stepConfigSchema('createTask'));
  });
});
