import { compileRecordSchema } from '@protean/metadata';
import type { Principal } from '../auth/principal.ts';
import type { TenantModel } from './tenant-model.ts';

const problem = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: problem } } });

/** OpenAPI 3.1 for one tenant at its current revision, generated from its metadata. Old API names appear as deprecated aliases. */
export function buildOpenApi(model: TenantModel, principal: Principal): Record<string, unknown> {
  return model.memo(`openapi:${principal.locale}`, () => {
    const locale = principal.locale === 'zh-CN' ? 'zh-CN' : 'en';
    const schemas: Record<string, unknown> = {
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status'],
        properties: {
          type: { type: 'string', format: 'uri' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' }, index: { type: 'integer' } } } },
        },
      },
    };
    const paths: Record<string, unknown> = {};
    for (const object of model.snapshot.objects) {
      const label = object.labels[locale]?.singular ?? object.labels.en.singular;
      const plural = object.labels[locale]?.plural ?? object.labels.en.plural;
      const name = pascal(object.apiName);
      schemas[name] = compileRecordSchema(object, 'read', { locale });
      schemas[`${name}Create`] = compileRecordSchema(object, 'create', { locale });
      schemas[`${name}Update`] = compileRecordSchema(object, 'update', { locale });
      const ref = (suffix = '') => ({ $ref: `#/components/schemas/${name}${suffix}` });
      const one = { description: label, headers: { ETag: { schema: { type: 'string' } } }, content: { 'application/json': { schema: ref() } } };
      for (const apiName of [object.apiName, ...object.apiNameAliases]) {
        const deprecated = apiName !== object.apiName;
        const tag = [plural];
        const note = deprecated ? ` (deprecated alias of ${object.apiName})` : '';
        paths[`/records/${apiName}`] = {
          get: {
            tags: tag,
            deprecated,
            summary: `List ${plural}${note}`,
            operationId: `list_${apiName}`,
            parameters: ['filter', 'sort', 'fields', 'expand', 'cursor'].map((p) => ({ name: p, in: 'query', schema: { type: 'string' } })).concat(
              { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200 } } as never,
              { name: 'count', in: 'query', schema: { type: 'boolean' } } as never,
            ),
            responses: {
              200: { description: plural, content: { 'application/json': { schema: { type: 'object', properties: { data: { type: 'array', items: ref() }, nextCursor: { type: ['string', 'null'] }, total: { type: 'integer' } } } } } },
              400: problemResponse('Invalid filter, sort or field'),
            },
          },
          post: {
            tags: tag,
            deprecated,
            summary: `Create a ${label}${note}`,
            operationId: `create_${apiName}`,
            requestBody: { required: true, content: { 'application/json': { schema: ref('Create') } } },
            responses: { 201: one, 409: problemResponse('A unique value is taken'), 422: problemResponse('Invalid values') },
          },
        };
        paths[`/records/${apiName}/{id}`] = {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          get: { tags: tag, deprecated, summary: `Get a ${label}${note}`, operationId: `get_${apiName}`, responses: { 200: one, 404: problemResponse(`No such ${label}`) } },
          patch: {
            tags: tag,
            deprecated,
            summary: `Update a ${label}${note}`,
            operationId: `update_${apiName}`,
            parameters: [{ name: 'If-Match', in: 'header', schema: { type: 'string' } }],
            requestBody: { required: true, content: { 'application/json': { schema: ref('Update') } } },
            responses: { 200: one, 404: problemResponse(`No such ${label}`), 412: problemResponse('Stale version'), 422: problemResponse('Invalid values') },
          },
          delete: { tags: tag, deprecated, summary: `Move a ${label} to the recycle bin${note}`, operationId: `delete_${apiName}`, responses: { 204: { description: 'Deleted' }, 409: problemResponse('Still referenced') } },
        };
        paths[`/records/${apiName}/batch`] = {
          post: {
            tags: tag,
            deprecated,
            summary: `Create, update or upsert up to 1,000 ${plural} at once${note}`,
            operationId: `batch_${apiName}`,
            requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { operations: { type: 'array', maxItems: 1000 } } } } } },
            responses: { 200: { description: 'All saved' }, 422: problemResponse('Nothing saved; errors carry the index of each failing item') },
          },
        };
      }
    }
    return {
      openapi: '3.1.0',
      info: { title: `Protean API — ${principal.tenantSlug}`, version: `1.0.0+rev${model.revision}`, description: `Generated from metadata revision ${model.revision}.` },
      servers: [{ url: '/api/v1' }],
      security: [{ apiKey: [] }, { session: [] }],
      paths,
      components: {
        schemas,
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'protean_session' } },
      },
    };
  });
}

const pascal = (apiName: string) => apiName.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
