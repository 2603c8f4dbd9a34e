import { compileRecordSchema } from '@protean/metadata';
import type { Principal } from '../auth/principal.ts';
import type { AccessShape } from '../access/access-shape.ts';
import type { TenantModel } from './tenant-model.ts';

const problem = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: problem } } });

/**
 * OpenAPI 3.1 for one tenant at its current revision, generated from its metadata. Titles,
 * summaries and descriptions come from the glossary in the caller's locale (ADR 0004); old API
 * names appear as deprecated aliases pointing at the current one.
 */
export function buildOpenApi(model: TenantModel, principal: Principal, shape: AccessShape): Record<string, unknown> {
  const words = model.words(principal.locale);
  // The document shows only the objects and fields its reader may use, so it is cached per access shape.
  return model.memo(`openapi:${words.locale}:${shape.key}`, () => {
    const locale = words.locale;
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
      if (!shape.can(object.id, 'read')) continue;
      const noun = { object: words.noun(object) };
      const label = words.object(object);
      const plural = words.object(object, 'plural');
      const name = pascal(object.apiName);
      const all = words.resolved(object);
      const resolved = { ...all, fields: all.fields.filter((f) => shape.canReadField(object, f)) };
      schemas[name] = compileRecordSchema(resolved, 'read', { locale });
      schemas[`${name}Create`] = compileRecordSchema(resolved, 'create', { locale });
      schemas[`${name}Update`] = compileRecordSchema(resolved, 'update', { locale });
      const ref = (suffix = '') => ({ $ref: `#/components/schemas/${name}${suffix}` });
      const one = { description: label, headers: { ETag: { schema: { type: 'string' } } }, content: { 'application/json': { schema: ref() } } };
      for (const apiName of [object.apiName, ...object.apiNameAliases]) {
        const deprecated = apiName !== object.apiName;
        const tag = [plural];
        const summary = (text: string) => (deprecated ? words.say('openapi.alias', { text, apiName: object.apiName }) : text);
        paths[`/records/${apiName}`] = {
          get: {
            tags: tag,
            deprecated,
            summary: summary(words.say('openapi.list', noun)),
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
            summary: summary(words.say('openapi.create', noun)),
            operationId: `create_${apiName}`,
            requestBody: { required: true, content: { 'application/json': { schema: ref('Create') } } },
            responses: { 201: one, 409: problemResponse('A unique value is taken'), 422: problemResponse('Invalid values') },
          },
        };
        paths[`/records/${apiName}/{id}`] = {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          get: { tags: tag, deprecated, summary: summary(words.say('openapi.get', noun)), operationId: `get_${apiName}`, responses: { 200: one, 404: problemResponse(words.say('openapi.noSuch', noun)) } },
          patch: {
            tags: tag,
            deprecated,
            summary: summary(words.say('openapi.update', noun)),
            operationId: `update_${apiName}`,
            parameters: [{ name: 'If-Match', in: 'header', schema: { type: 'string' } }],
            requestBody: { required: true, content: { 'application/json': { schema: ref('Update') } } },
            responses: { 200: one, 404: problemResponse(words.say('openapi.noSuch', noun)), 412: problemResponse('Stale version'), 422: problemResponse('Invalid values') },
          },
          delete: { tags: tag, deprecated, summary: summary(words.say('openapi.delete', noun)), operationId: `delete_${apiName}`, responses: { 204: { description: 'Deleted' }, 409: problemResponse('Still referenced') } },
        };
        paths[`/records/${apiName}/batch`] = {
          post: {
            tags: tag,
            deprecated,
            summary: summary(words.say('openapi.batch', noun)),
            operationId: `batch_${apiName}`,
            requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { operations: { type: 'array', maxItems: 1000 } } } } } },
            responses: { 200: { description: 'All saved' }, 422: problemResponse('Nothing saved; errors carry the index of each failing item') },
          },
        };
      }
    }
    return {
      openapi: '3.1.0',
      info: { title: `Protean API — ${principal.tenantSlug}`, version: `1.0.0+rev${model.revision}`, description: words.say('openapi.description', { revision: model.revision }) },
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
