import { validateSchema } from './graphql-js.ts';
import { describe, expect, it } from 'vitest';
import { standardSnapshot, type Snapshot } from '@protean/metadata';
import { TenantModel } from '../data/tenant-model.ts';
import { GraphQLService } from './graphql-service.ts';

function withDealField(apiName: string): Snapshot {
  const snapshot = standardSnapshot();
  snapshot.objects.find((o) => o.apiName === 'deal')!.fields.push({ id: `f_${apiName}`, apiName, apiNameAliases: [], labels: { en: apiName }, type: 'text' });
  return snapshot;
}

describe('tenant schemas', () => {
  const service = new GraphQLService(null as never, null as never);

  it('tenants with equal models share one schema; a model of its own gets its own', () => {
    const a = service.schemaFor(new TenantModel('a', standardSnapshot()), 'en');
    const b = service.schemaFor(new TenantModel('b', standardSnapshot()), 'en');
    const c = service.schemaFor(new TenantModel('c', withDealField('region')), 'en');
    expect(b).toBe(a);
    expect(c.schema).not.toBe(a.schema);
    expect(c.key).not.toBe(a.key);
  });

  it('similar models share the enums and input types they have alike, and every schema stays valid', () => {
    const one = service.schemaFor(new TenantModel('one', withDealField('region')), 'en').schema;
    const two = service.schemaFor(new TenantModel('two', withDealField('territory')), 'en').schema;
    expect(validateSchema(one)).toEqual([]);
    expect(validateSchema(two)).toEqual([]);
    expect(two.getType('Organization_Input')).toBe(one.getType('Organization_Input'));
    expect(two.getType('Deal_stage')).toBe(one.getType('Deal_stage'));
    expect(two.getType('Deal_Input')).not.toBe(one.getType('Deal_Input'));
    expect(Object.keys((two.getType('Deal_Input') as import('./graphql-js.ts').GraphQLInputObjectType).getFields())).toContain('territory');
  });

  it('describes in the caller’s language: a Chinese schema is another schema', () => {
    const model = new TenantModel('zh', standardSnapshot());
    const en = service.schemaFor(model, 'en').schema;
    const zh = service.schemaFor(model, 'zh-CN').schema;
    expect(en.getType('Deal')!.description).toMatch(/^Deal/);
    expect(zh.getType('Deal')!.description).toMatch(/^商机/);
  });
});
