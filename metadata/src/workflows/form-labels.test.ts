import { describe, expect, it } from 'vitest';
import { choiceLanguages, localizeFormSchema, unlabelledChoices, untranslatedFormLabels } from './form-labels.ts';
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
    const en = localizeFormSchema(stepConfigSchema('createTask'), 'en') as { properties: Record<string, { title?: string; enum?: unknown; oneOf?: unknown }> };
    expect(en.properties['subject']?.title).toBe('Subject');
    expect(en.properties['priority']).toMatchObject({ oneOf: [{ const: 'low', title: 'Low' }, { const: 'normal', title: 'Normal' }, { const: 'high', title: 'High' }] });
    expect(en.properties['priority']?.enum).toBeUndefined();
  });

  const schemas = () => [triggerSchema, conditionSchema, ...stepTypes.map((type) => stepCatalog[type].schema)];

  it('names every field a form shows: a property without a title would be labelled by its key (inputSchema, direction)', () => {
    const untitled: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}/${i}`));
      if (!node || typeof node !== 'object') return;
      const properties = (node as { properties?: Record<string, Record<string, unknown>> }).properties;
      // A constant is no field to fill; a reference takes its definition's title (the condition's).
      for (const [key, property] of Object.entries(properties ?? {})) if (!('title' in property) && !('const' in property) && !('$ref' in property)) untitled.push(`${path}/${key}`);
      for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`);
    };
    schemas().forEach((schema, i) => walk(schema, `#${i}`));
    expect(untitled).toEqual([]);
  });

  it('offers every choice by a name in both languages, not by its code (gte, hours, before)', () => {
    // HTTP methods are their own names; the studio names the record events itself.
    expect(schemas().flatMap((schema) => unlabelledChoices(schema)).sort()).toEqual(['DELETE', 'GET', 'PATCH', 'POST', 'PUT', 'created', 'deleted', 'updated'].sort());
    const { en, 'zh-CN': zh } = choiceLanguages();
    expect(zh).toEqual(en);
    const op = (locale: string) => {
      const form = localizeFormSchema(conditionSchema, locale) as unknown as { oneOf: { properties: Record<string, { oneOf?: { const: string; title: string }[] }> }[] };
      return form.oneOf[4]!.properties['op']!.oneOf!.find((c) => c.const === 'gte')!.title;
    };
    expect([op('en'), op('zh-CN')]).toEqual(['is at least', '大于或等于']);
  });
});
