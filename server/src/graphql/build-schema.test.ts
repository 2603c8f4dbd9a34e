import { validateSchema } from './graphql-js.ts';
import { describe, expect, it } from 'vitest';
import { standardSnapshot, type Snapshot } from '@protean/metadata';
import { TenantModel } from '../data/tenant-model.ts';
import { GraphQLService } from './graphql-service.ts';
import { FULL_ACCESS, type SchemaAccess } from './schema-descriptor.ts';

const everything = { ...FULL_ACCESS, key: 'everything' };

function withDealField(apiName: string): Snapshot {
  const snapshot = standardSnapshot();
  snapshot.objects.find((o) => o.apiName === 'deal')!.fields.push({ id: `f_${apiName}`, apiName, apiNameAliases: [], labels: { en: apiName }, type: 'text' });
  return snapshot;
}

describe('tenant schemas', () => {
  const service = new GraphQLService(null as never, null as never);

  it('tenants with equal models share one schema; a model of its own gets its own', () => {
    const a = service.schemaFor(new TenantModel('a', standardSnapshot()), 'en', everything);
    const b = service.schemaFor(new TenantModel('b', standardSnapshot()), 'en', everything);
    const c = service.schemaFor(new TenantModel('c', withDealField('region')), 'en', everything);
    expect(b).toBe(a);
    expect(c.schema).not.toBe(a.schema);
    expect(c.key).not.toBe(a.key);
  });

  it('similar models share the enums and input types they have alike, and every schema stays valid', () => {
    const one = service.schemaFor(new TenantModel('one', withDealField('region')), 'en', everything).schema;
    const two = service.schemaFor(new TenantModel('two', withDealField('territory')), 'en', everything).schema;
    expect(validateSchema(one)).toEqual([]);
    expect(validateSchema(two)).toEqual([]);
    expect(two.getType('Organization_Input')).toBe(one.getType('Organization_Input'));
    expect(two.getType('Deal_stage')).toBe(one.getType('Deal_stage'));
    expect(two.getType('Deal_Input')).not.toBe(one.getType('Deal_Input'));
    expect(Object.keys((two.getType('Deal_Input') as import('./graphql-js.ts').GraphQLInputObjectType).getFields())).toContain('territory');
  });

  it('describes in the caller’s language: a Chinese schema is another schema', () => {
    const model = new TenantModel('zh', standardSnapshot());
    const en = service.schemaFor(model, 'en', everything).schema;
    const zh = service.schemaFor(model, 'zh-CN', everything).schema;
    expect(en.getType('Deal')!.description).toMatch(/^Deal/);
    expect(zh.getType('Deal')!.description).toMatch(/^商机/);
  });

  it('leaves out what the access cannot read or change; equal access shares one schema', () => {
    const model = new TenantModel('access', standardSnapshot());
    const deal = model.object('deal')!;
    const amount = model.field(deal, 'amount')!;
    const account = model.object('organization')!;
    const access = (key: string): SchemaAccess & { key: string } => ({
      key,
      can: (objectId, action) => objectId !== account.id && (action === 'read' || objectId !== deal.id),
      fieldLevel: (objectId, fieldId) => (objectId === account.id || fieldId === amount.id ? 'none' : 'edit'),
    });
    const first = service.schemaFor(model, 'en', access('user-1'));
    const second = service.schemaFor(model, 'en', access('user-2'));
    const full = service.schemaFor(model, 'en', everything);
    expect(validateSchema(first.schema)).toEqual([]);
    expect(second).toBe(first);
    expect(first.key).not.toBe(full.key);
    const Deal = first.schema.getType('Deal') as import('./graphql-js.ts').GraphQLObjectType;
    expect(Object.keys(Deal.getFields())).not.toContain('amount');
    expect(Object.keys((full.schema.getType('Deal') as import('./graphql-js.ts').GraphQLObjectType).getFields())).toContain('amount');
    expect(first.schema.getType('Organization')).toBeUndefined();
    expect(Object.keys(first.schema.getQueryType()!.getFields())).not.toContain('organization');
    const mutations = Object.keys(first.schema.getMutationType()?.getFields() ?? {});
    expect(mutations).not.toContain('createDeal');
    expect(mutations).not.toContain('updateDeal');
    expect(mutations).not.toContain('deleteDeal');
  });

  it('a principal that may read nothing still gets a valid schema, with no mutations', () => {
    const nothing = { key: 'nothing', can: () => false, fieldLevel: () => 'none' as const };
    const { schema } = service.schemaFor(new TenantModel('none', standardSnapshot()), 'en', nothing);
    expect(validateSchema(schema)).toEqual([]);
    expect(schema.getType('Deal')).toBeUndefined();
    expect(schema.getMutationType()).toBeUndefined();
  });
});
