import { ChangeRequest, compileRecordSchema, FieldDraft, FieldPatch, LayoutDef, ObjectDef as ObjectDefSchema, ObjectDraft, ObjectPatch, TermDef, TermDraft, type NounParam, type ObjectDef } from '@protean/metadata';
import type { AccessShape } from '../access/access-shape.ts';
import type { Principal } from '../auth/principal.ts';
import { BATCH_LIMIT } from './save-pipeline.ts';
import { openApiTexts, type OpenApiTextKey } from './openapi-texts.ts';
import { documentedRoutes, HAND_WRITTEN_NEEDS } from './openapi-routes.ts';
import type { CatalogedRoute } from '../http/route-catalog.ts';
import type { TenantModel } from './tenant-model.ts';
import type { FastifyInstance } from 'fastify';
import type { MetadataService } from '../metadata/metadata-service.ts';

type Json = Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const uuid = { type: 'string', format: 'uuid' };
const workspaceLocale = { type: 'string', enum: ['en', 'zh-CN'], description: 'The workspace’s language: its starter workflows are written in it, and accounts given no language start in it' };
const time = { type: 'string', format: 'date-time' };
const maybeTime = { type: ['string', 'null'], format: 'date-time' };

/**
 * OpenAPI 3.1 of the whole tenant API at its current revision. Described here by hand: records of
 * every object (with batches and bulk changes), search, the recycle bin, saved views, sign-in and
 * API keys, metadata and terms, workspace settings, preferences, the home page's pipeline and
 * recent records, invitations, and webhooks for whoever may manage them. Every other route comes
 * from the route catalog with the schemas it validates with (`openapi-routes.ts`). Each operation
 * is shown only to whoever may call it. Names follow API names (stable for generated clients);
 * every text a person reads comes from the glossary in the caller's locale (ADR 0004).
 */
/** The document `principal` reads: what GET /openapi.json answers, and what test servers hold every answer to. */
export async function openApiFor(metadata: MetadataService, server: FastifyInstance, principal: Principal): Promise<Json> {
  return buildOpenApi(await metadata.model(principal.tenantId), principal, await server.access.shapeOf(principal), server.routeCatalog.routes);
}

export function buildOpenApi(model: TenantModel, principal: Principal, shape: AccessShape, routes: readonly CatalogedRoute[]): Json {
  const words = model.words(principal.locale);
  // The document shows only the objects and fields its reader may use, so it is cached per access shape.
  return model.memo(`openapi:${words.locale}:${shape.key}:${principal.tenantName}`, () => {
    const locale = words.locale;
    const say = (key: OpenApiTextKey, params: Record<string, string | number | NounParam> = {}) => words.text(openApiTexts[key][locale], params);
    const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
    const common = { 401: problem(say('response.unauthorized')), 403: problem(say('response.forbidden')) };
    const ok = (description: string, schema: unknown) => ({ description, content: json(schema) });
    const param = (name: string, where: 'query' | 'path' | 'header', text: OpenApiTextKey, schema: Json, extra: Json = {}) => ({ name, in: where, description: say(text), ...(where === 'path' ? { required: true } : {}), schema, ...extra });

    const schemas: Record<string, unknown> = { ...genericSchemas() };
    const paths: Record<string, unknown> = {};
    const tags: { name: string; description: string }[] = [];
    const tag = (name: string, description: string) => {
      tags.push({ name, description });
      return name;
    };
    const auth = tag(say('tag.auth'), say('tag.auth.description'));
    const search = tag(say('tag.search'), say('tag.search.description'));
    const recycle = tag(say('tag.recycle'), say('tag.recycle.description'));
    const views = tag(say('tag.views'), say('tag.views.description'));
    const metadata = tag(say('tag.metadata'), say('tag.metadata.description'));
    const terms = tag(say('tag.terms'), say('tag.terms.description'));
    const workspace = tag(say('tag.workspace'), say('tag.workspace.description'));
    const op = (tagName: string, operationId: string, summary: OpenApiTextKey, responses: Json, extra: Json = {}) => ({
      tags: [tagName],
      summary: say(summary),
      description: say(`${summary}.description` as OpenApiTextKey),
      operationId,
      ...extra,
      responses: { ...responses, ...common },
    });

    for (const object of model.snapshot.objects) {
      if (!shape.can(object.id, 'read')) continue;
      const noun = words.noun(object);
      const nouns = { object: noun, objects: noun, measure: measureWord(noun, locale) };
      const name = schemaName(object.apiName);
      const all = words.resolved(object);
      const resolved = { ...all, fields: all.fields.filter((f) => shape.canReadField(object, f)) };
      schemas[name] = compileRecordSchema(resolved, 'read', { locale });
      schemas[`${name}Create`] = compileRecordSchema(resolved, 'create', { locale });
      schemas[`${name}Update`] = compileRecordSchema(resolved, 'update', { locale });
      schemas[`${name}Page`] = {
        type: 'object',
        required: ['data', 'nextCursor'],
        properties: { data: { type: 'array', items: ref(name) }, nextCursor: { type: ['string', 'null'] }, total: { type: 'integer', minimum: 0 } },
      };
      schemas[`${name}Batch`] = batchSchema(resolved, name);
      let tagName = words.object(object, 'plural');
      if (tags.some((t) => t.name === tagName)) tagName = `${tagName} (${object.apiName})`;
      tag(tagName, say('tag.records.description', nouns));
      const one = { description: say('response.one', nouns), headers: { ETag: { description: say('header.etag'), schema: { type: 'string' } } }, content: json(ref(name)) };
      const example = filterExample(resolved);

      for (const apiName of [object.apiName, ...object.apiNameAliases]) {
        const deprecated = apiName !== object.apiName;
        const o = (operationId: string, summary: OpenApiTextKey, responses: Json, extra: Json = {}) => {
          const built = op(tagName, `${operationId}_${apiName}`, summary, responses, { deprecated, ...extra }) as Json;
          for (const key of ['summary', 'description'] as const) built[key] = words.text(openApiTexts[(key === 'summary' ? summary : `${summary}.description`) as OpenApiTextKey][locale], nouns);
          if (deprecated) built['summary'] = say('record.alias', { text: String(built['summary']), apiName: object.apiName });
          return built;
        };
        const idParam = param('id', 'path', 'param.id', uuid);
        const ifNoneMatch = param('If-None-Match', 'header', 'param.ifNoneMatch', { type: 'string' });
        const notModified = { description: say('response.notModified') };
        const idempotencyKey = param('Idempotency-Key', 'header', 'param.idempotencyKey', { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' });
        paths[`/records/${apiName}`] = {
          get: o('list', 'record.list', { 200: { ...ok(say('response.page', nouns), ref(`${name}Page`)), headers: { ETag: { description: say('header.pageEtag'), schema: { type: 'string' } } } }, 304: notModified, 400: problem(say('response.badQuery')) }, {
            parameters: [
              ifNoneMatch,
              param('filter', 'query', 'param.filter', { type: 'string', maxLength: 20_000 }, { examples: example }),
              param('sort', 'query', 'param.sort', { type: 'string', maxLength: 500 }, { example: '-created_at' }),
              param('fields', 'query', 'param.fields', { type: 'string', maxLength: 5_000 }, { example: 'id,version' }),
              param('expand', 'query', 'param.expand', { type: 'string', maxLength: 500 }),
              param('limit', 'query', 'param.limit', { type: 'integer', minimum: 1, maximum: 200, default: 50 }),
              param('cursor', 'query', 'param.cursor', { type: 'string', maxLength: 4_000 }),
              param('count', 'query', 'param.count', { type: 'boolean' }),
            ],
          }),
          post: o('create', 'record.create', { 201: { ...one, description: say('response.created', nouns) }, 409: problem(say('response.unique')), 422: problem(say('response.invalid')) }, {
            parameters: [idempotencyKey],
            requestBody: { required: true, content: json(ref(`${name}Create`)) },
          }),
        };
        paths[`/records/${apiName}/{id}`] = {
          parameters: [idParam],
          get: o('get', 'record.get', { 200: one, 304: notModified, 404: problem(say('response.noSuch', nouns)) }, { parameters: [param('expand', 'query', 'param.expand', { type: 'string', maxLength: 500 }), ifNoneMatch] }),
          patch: o('update', 'record.update', { 200: one, 404: problem(say('response.noSuch', nouns)), 409: problem(say('response.unique')), 412: problem(say('response.stale')), 422: problem(say('response.invalid')) }, {
            parameters: [param('If-Match', 'header', 'param.ifMatch', { type: 'string' }, { example: '"3"' })],
            requestBody: { required: true, content: json(ref(`${name}Update`)) },
          }),
          delete: o('delete', 'record.delete', { 204: { description: say('response.deleted') }, 404: problem(say('response.noSuch', nouns)), 409: problem(say('response.unique')), 412: problem(say('response.stale')) }, {
            parameters: [param('If-Match', 'header', 'param.ifMatch', { type: 'string' }, { example: '"3"' })],
          }),
        };
        paths[`/records/${apiName}/{id}/restore`] = {
          parameters: [idParam],
          post: o('restore', 'record.restore', { 200: one, 404: problem(say('response.noSuch', nouns)), 409: problem(say('response.unique')) }),
        };
        paths[`/records/${apiName}/batch`] = {
          // A batch whose failed items all failed alike answers as they would have alone (404, 409, 412); otherwise 422.
          post: o('batch', 'record.batch', { 200: ok(say('response.batch'), ref('BatchResult')), 404: problem(say('response.noSuch', nouns)), 409: problem(say('response.unique')), 412: problem(say('response.stale')), 413: problem(say('response.tooMany')), 422: problem(say('response.invalid')) }, {
            parameters: [param('return', 'query', 'param.return', { type: 'string', enum: ['minimal', 'representation'] }), idempotencyKey],
            requestBody: { required: true, content: json(ref(`${name}Batch`)) },
          }),
        };
        paths[`/records/${apiName}/update-by-filter`] = {
          post: o('update_by_filter', 'record.updateByFilter', { 200: ok(say('response.bulk'), ref('BulkResult')), 400: problem(say('response.badQuery')), 409: problem(say('response.changed')), 412: problem(say('response.stale')), 422: problem(say('response.invalid')) }, {
            requestBody: { required: true, content: json({ allOf: [ref('BulkUpdate'), { type: 'object', properties: { data: ref(`${name}Update`) } }] }) },
          }),
        };
        paths[`/records/${apiName}/delete-by-filter`] = {
          post: o('delete_by_filter', 'record.deleteByFilter', { 200: ok(say('response.bulk'), ref('BulkResult')), 400: problem(say('response.badQuery')), 409: problem(say('response.changed')), 412: problem(say('response.stale')), 422: problem(say('response.invalid')) }, {
            requestBody: { required: true, content: json(ref('BulkDelete')) },
          }),
        };
        paths[`/related/${apiName}/{id}`] = {
          parameters: [idParam],
          get: o('related', 'record.related', { 200: ok(say('response.related'), { type: 'array', items: ref('RelatedGroup') }), 404: problem(say('response.noSuch', nouns)) }),
        };
      }
    }

    const objectParam = param('object', 'path', 'param.object', { type: 'string', maxLength: 100 });
    const revisionParam = param('revision', 'path', 'param.revision', { type: 'integer', minimum: 1 });
    const change = ok(say('response.ok'), ref('ChangeResult'));
    const refused = { 404: problem(say('response.notFound')), 409: problem(say('response.unique')), 422: problem(say('response.invalid')) };
    Object.assign(paths, {
      '/auth/login': { post: op(auth, 'login', 'op.login', { 200: ok(say('response.ok'), ref('Session')), 401: problem(say('response.unauthorized')), 429: problem(say('response.tooMany')) }, { security: [], requestBody: { required: true, content: json(ref('Login')) } }) },
      '/auth/logout': { post: op(auth, 'logout', 'op.logout', { 204: { description: say('response.noContent') } }) },
      '/auth/me': { get: op(auth, 'me', 'op.me', { 200: ok(say('response.ok'), ref('Session')) }) },
      '/api-keys': {
        get: op(auth, 'list_api_keys', 'op.listKeys', { 200: ok(say('response.ok'), { type: 'array', items: ref('ApiKey') }) }),
        post: op(auth, 'create_api_key', 'op.createKey', { 201: ok(say('response.ok'), ref('NewApiKeyResult')), 400: problem(say('response.invalid')) }, { requestBody: { required: true, content: json(ref('NewApiKey')) } }),
      },
      '/api-keys/{id}': {
        parameters: [param('id', 'path', 'param.keyId', { type: 'string' })],
        delete: op(auth, 'revoke_api_key', 'op.revokeKey', { 204: { description: say('response.noContent') }, 404: problem(say('response.notFound')) }),
      },
      '/users/directory': { get: op(auth, 'user_directory', 'op.directory', { 200: ok(say('response.ok'), { type: 'array', items: ref('UserName') }) }) },
      '/workspace/settings': {
        get: op(workspace, 'get_workspace_settings', 'op.workspaceSettings', { 200: ok(say('response.ok'), ref('WorkspaceSettings')) }),
        patch: op(workspace, 'update_workspace_settings', 'op.updateWorkspaceSettings', { 200: ok(say('response.ok'), ref('WorkspaceSettings')), 400: problem(say('response.invalid')), 422: problem(say('response.invalid')) }, {
          requestBody: { required: true, content: json(ref('WorkspaceSettingsPatch')) },
        }),
      },
      '/me/preferences': {
        get: op(workspace, 'get_preferences', 'op.preferences', { 200: ok(say('response.ok'), ref('Preferences')) }),
        patch: op(workspace, 'update_preferences', 'op.updatePreferences', { 200: ok(say('response.ok'), ref('Preferences')), 400: problem(say('response.invalid')), 422: problem(say('response.invalid')) }, {
          requestBody: { required: true, content: json(ref('Preferences')) },
        }),
      },
      '/home/pipeline': {
        get: op(workspace, 'pipeline_summary', 'op.pipeline', { 200: ok(say('response.ok'), ref('PipelineSummary')), 400: problem(say('response.badQuery')), 404: problem(say('response.notFound')) }, {
          parameters: [
            param('object', 'query', 'param.object', { type: 'string', maxLength: 100 }, { required: true, example: 'deal' }),
            param('groupBy', 'query', 'param.groupBy', { type: 'string', maxLength: 100 }, { required: true, example: 'stage' }),
            param('amount', 'query', 'param.amount', { type: 'string', maxLength: 100 }, { example: 'amount' }),
            param('filter', 'query', 'param.filter', { type: 'string', maxLength: 20_000 }),
          ],
        }),
      },
      '/recent': {
        get: op(workspace, 'recent_records', 'op.recent', { 200: ok(say('response.ok'), { type: 'array', items: ref('RecentRecord') }) }, {
          parameters: [param('limit', 'query', 'param.recentLimit', { type: 'integer', minimum: 1, maximum: 50, default: 10 })],
        }),
        post: op(workspace, 'record_visit', 'op.visit', { 204: { description: say('response.noContent') }, 400: problem(say('response.invalid')), 404: problem(say('response.notFound')) }, {
          requestBody: { required: true, content: json(ref('Visit')) },
        }),
      },
      '/search': {
        get: op(search, 'search', 'op.search', { 200: ok(say('response.ok'), { type: 'array', items: ref('SearchGroup') }), 400: problem(say('response.badQuery')) }, {
          parameters: [param('q', 'query', 'param.q', { type: 'string', minLength: 1, maxLength: 200 }, { required: true, example: 'chen' }), param('limit', 'query', 'param.searchLimit', { type: 'integer', minimum: 1, maximum: 20, default: 5 })],
        }),
      },
      '/recycle-bin': {
        get: op(recycle, 'recycle_bin', 'op.recycleBin', { 200: ok(say('response.ok'), ref('RecordPage')), 400: problem(say('response.badQuery')) }, {
          parameters: [param('object', 'query', 'param.recycleObject', { type: 'string', maxLength: 100 }), param('limit', 'query', 'param.limit', { type: 'integer', minimum: 1, maximum: 500 }), param('cursor', 'query', 'param.cursor', { type: 'string', maxLength: 1_000 })],
        }),
      },
      '/views': {
        get: op(views, 'list_views', 'op.listViews', { 200: ok(say('response.ok'), { type: 'array', items: ref('View') }) }, { parameters: [param('object', 'query', 'param.viewObject', { type: 'string', maxLength: 100 })] }),
        post: op(views, 'create_view', 'op.createView', { 201: ok(say('response.ok'), ref('View')), 422: problem(say('response.invalid')) }, { requestBody: { required: true, content: json(ref('NewView')) } }),
      },
      '/views/{id}': {
        parameters: [param('id', 'path', 'param.viewId', uuid)],
        patch: op(views, 'update_view', 'op.updateView', { 200: ok(say('response.ok'), ref('View')), 404: problem(say('response.notFound')), 422: problem(say('response.invalid')) }, { requestBody: { required: true, content: json(ref('ViewPatch')) } }),
        delete: op(views, 'delete_view', 'op.deleteView', { 204: { description: say('response.noContent') }, 404: problem(say('response.notFound')) }),
      },
      '/metadata/snapshot': {
        get: op(metadata, 'get_snapshot', 'op.snapshot', { 200: ok(say('response.ok'), ref('Snapshot')) }, { parameters: [param('resolve', 'query', 'param.resolve', { type: 'string', enum: ['en', 'zh-CN'] })] }),
      },
      '/metadata/objects': {
        get: op(metadata, 'list_objects', 'op.listObjects', { 200: ok(say('response.ok'), { type: 'array', items: ref('ObjectDef') }) }),
        post: op(metadata, 'create_object', 'op.createObject', { 201: change, ...refused }, { requestBody: { required: true, content: json(ref('ObjectDraft')) } }),
      },
      '/metadata/objects/{object}': {
        parameters: [objectParam],
        get: op(metadata, 'get_object', 'op.getObject', { 200: ok(say('response.ok'), ref('ObjectDef')), 404: problem(say('response.notFound')) }),
        patch: op(metadata, 'update_object', 'op.updateObject', { 200: change, ...refused }, { requestBody: { required: true, content: json(ref('ObjectPatch')) } }),
        delete: op(metadata, 'delete_object', 'op.deleteObject', { 200: change, ...refused }, { parameters: [param('records', 'query', 'param.records', { type: 'string', enum: ['keep', 'delete', 'refuse'], default: 'keep' })] }),
      },
      '/metadata/objects/{object}/record-schema': {
        parameters: [objectParam],
        get: op(metadata, 'get_record_schema', 'op.recordSchema', { 200: ok(say('response.ok'), { type: 'object' }), 404: problem(say('response.notFound')) }, {
          parameters: [param('mode', 'query', 'param.object', { type: 'string', enum: ['create', 'update', 'read'] }), param('locale', 'query', 'param.resolve', { type: 'string', enum: ['en', 'zh-CN'] })],
        }),
      },
      '/metadata/objects/{object}/fields': {
        parameters: [objectParam],
        post: op(metadata, 'create_field', 'op.createField', { 201: change, ...refused }, { requestBody: { required: true, content: json(ref('FieldDraft')) } }),
      },
      '/metadata/objects/{object}/fields/{field}': {
        parameters: [objectParam, param('field', 'path', 'param.field', { type: 'string', maxLength: 100 })],
        patch: op(metadata, 'update_field', 'op.updateField', { 200: change, ...refused }, { requestBody: { required: true, content: json({ allOf: [ref('FieldPatch'), { type: 'object', properties: { backfill: {} } }] }) } }),
        delete: op(metadata, 'delete_field', 'op.deleteField', { 200: change, ...refused }, { parameters: [param('removeFromLayouts', 'query', 'param.removeFromLayouts', { type: 'boolean' })] }),
      },
      '/metadata/layouts/{id}': {
        parameters: [param('id', 'path', 'param.layoutId', { type: 'string', maxLength: 100 })],
        put: op(metadata, 'put_layout', 'op.putLayout', { 200: change, ...refused }, { requestBody: { required: true, content: json(ref('LayoutDef')) } }),
        delete: op(metadata, 'delete_layout', 'op.deleteLayout', { 200: change, ...refused }),
      },
      '/metadata/changes': {
        post: op(metadata, 'apply_change', 'op.change', { 200: change, ...refused }, { requestBody: { required: true, content: json(ref('ChangeRequest')) } }),
      },
      '/metadata/revisions': { get: op(metadata, 'list_revisions', 'op.revisions', { 200: ok(say('response.ok'), { type: 'array', items: ref('Revision') }) }) },
      '/metadata/revisions/compare': {
        get: op(metadata, 'compare_revisions', 'op.compare', { 200: ok(say('response.ok'), { type: 'array', items: ref('DiffEntry') }), 400: problem(say('response.badQuery')), 404: problem(say('response.notFound')) }, {
          parameters: [param('from', 'query', 'param.from', { type: 'integer', minimum: 1 }, { required: true }), param('to', 'query', 'param.to', { type: 'integer', minimum: 1 }, { required: true })],
        }),
      },
      '/metadata/revisions/{revision}': { parameters: [revisionParam], get: op(metadata, 'get_revision', 'op.revision', { 200: ok(say('response.ok'), ref('Revision')), 404: problem(say('response.notFound')) }) },
      '/metadata/revisions/{revision}/changes': {
        parameters: [revisionParam],
        get: op(metadata, 'get_revision_changes', 'op.revisionChanges', { 200: ok(say('response.ok'), ref('RevisionInWords')), 404: problem(say('response.notFound')) }),
      },
      '/metadata/revisions/{revision}/restore': { parameters: [revisionParam], post: op(metadata, 'restore_revision', 'op.restore', { 200: change, ...refused }) },
      '/metadata/schemas': { get: op(metadata, 'metadata_schemas', 'op.kindSchemas', { 200: ok(say('response.ok'), { type: 'object' }) }, { security: [] }) },
      '/metadata/terms': { get: op(terms, 'list_terms', 'op.listTerms', { 200: ok(say('response.ok'), { type: 'array', items: ref('TermView') }) }) },
      '/metadata/terms/{key}': {
        parameters: [param('key', 'path', 'param.termKey', { type: 'string', maxLength: 63 })],
        get: op(terms, 'get_term', 'op.getTerm', { 200: ok(say('response.ok'), ref('TermView')), 404: problem(say('response.notFound')) }),
        put: op(terms, 'put_term', 'op.putTerm', { 200: change, ...refused }, { requestBody: { required: true, content: json(ref('TermDraft')) } }),
        delete: op(terms, 'delete_term', 'op.deleteTerm', { 200: change, ...refused }),
      },
      '/metadata/terms/{key}/usage': {
        parameters: [param('key', 'path', 'param.termKey', { type: 'string', maxLength: 63 })],
        get: op(terms, 'term_usage', 'op.termUsage', { 200: ok(say('response.ok'), ref('TermUsage')), 404: problem(say('response.notFound')) }),
      },
      '/metadata/term-sets': { get: op(terms, 'list_term_sets', 'op.termSets', { 200: ok(say('response.ok'), { type: 'array', items: { type: 'object' } }) }) },
      '/metadata/term-sets/{id}/apply': {
        parameters: [param('id', 'path', 'param.termSetId', { type: 'string', maxLength: 63 })],
        post: op(terms, 'apply_term_set', 'op.applyTermSet', { 200: change, ...refused }),
      },
    });

    // Webhooks are for whoever may manage integrations (the routes ask for the keys right).
    if (shape.setup('keys')) {
      const hooks = tag(say('tag.webhooks'), say('tag.webhooks.description'));
      const webhookId = param('id', 'path', 'param.webhookId', uuid);
      const deliveryId = param('delivery', 'path', 'param.deliveryId', uuid);
      const noWebhook = { 404: problem(say('response.notFound')) };
      Object.assign(schemas, webhookSchemas());
      Object.assign(paths, {
        '/webhooks': {
          get: op(hooks, 'list_webhooks', 'op.listWebhooks', { 200: ok(say('response.ok'), { type: 'array', items: ref('Webhook') }) }),
          post: op(hooks, 'create_webhook', 'op.createWebhook', { 201: ok(say('response.ok'), ref('Webhook')), 400: problem(say('response.invalid')), 422: problem(say('response.invalid')) }, {
            requestBody: { required: true, content: json(ref('NewWebhook')) },
          }),
        },
        '/webhooks/{id}': {
          parameters: [webhookId],
          get: op(hooks, 'get_webhook', 'op.getWebhook', { 200: ok(say('response.ok'), ref('Webhook')), ...noWebhook }),
          patch: op(hooks, 'update_webhook', 'op.updateWebhook', { 200: ok(say('response.ok'), ref('Webhook')), 400: problem(say('response.invalid')), ...noWebhook, 422: problem(say('response.invalid')) }, {
            requestBody: { required: true, content: json(ref('WebhookPatch')) },
          }),
          delete: op(hooks, 'delete_webhook', 'op.deleteWebhook', { 204: { description: say('response.noContent') }, ...noWebhook }),
        },
        '/webhooks/{id}/deliveries': {
          parameters: [webhookId],
          get: op(hooks, 'list_webhook_deliveries', 'op.webhookDeliveries', { 200: ok(say('response.ok'), ref('WebhookDeliveryPage')), 400: problem(say('response.badQuery')), ...noWebhook }, {
            parameters: [
              param('limit', 'query', 'param.deliveryLimit', { type: 'integer', minimum: 1, maximum: 200, default: 50 }),
              param('cursor', 'query', 'param.cursor', { type: 'string', minLength: 1, maxLength: 200 }),
              param('state', 'query', 'param.deliveryState', { type: 'string', enum: ['pending', 'delivered', 'failed'] }),
            ],
          }),
        },
        '/webhooks/{id}/deliveries/{delivery}': {
          parameters: [webhookId, deliveryId],
          get: op(hooks, 'get_webhook_delivery', 'op.webhookDelivery', { 200: ok(say('response.ok'), ref('WebhookDeliveryDetail')), ...noWebhook }),
        },
        '/webhooks/{id}/deliveries/{delivery}/redeliver': {
          parameters: [webhookId, deliveryId],
          post: op(hooks, 'redeliver_webhook_delivery', 'op.redeliver', { 200: ok(say('response.ok'), ref('WebhookRedelivery')), ...noWebhook }),
        },
      });
    }

    // Invitations: made and revoked with the users right; opened and accepted by anyone holding the link.
    {
      const invites = tag(say('tag.invites'), say('tag.invites.description'));
      const token = param('token', 'path', 'param.inviteToken', { type: 'string', minLength: 10, maxLength: 200 });
      const gone = { 404: problem(say('response.inviteGone')) };
      const manage = shape.setup('users');
      Object.assign(schemas, inviteSchemas(manage));
      if (manage) {
        Object.assign(paths, {
          '/invites': {
            get: op(invites, 'list_invites', 'op.listInvites', { 200: ok(say('response.ok'), { type: 'array', items: ref('Invite') }) }),
            post: op(invites, 'create_invite', 'op.createInvite', { 201: ok(say('response.ok'), ref('NewInviteResult')), 400: problem(say('response.invalid')), 422: problem(say('response.invalid')), 503: problem(say('response.mailUnavailable')) }, {
              requestBody: { required: true, content: json(ref('NewInvite')) },
            }),
          },
          '/invites/{id}': {
            parameters: [param('id', 'path', 'param.inviteId', uuid)],
            delete: op(invites, 'revoke_invite', 'op.revokeInvite', { 204: { description: say('response.noContent') }, 404: problem(say('response.notFound')) }),
          },
          '/invites/delivery': { get: op(invites, 'invite_delivery', 'op.inviteDelivery', { 200: ok(say('response.ok'), ref('InviteDelivery')) }) },
        });
      }
      Object.assign(paths, {
        '/invites/token/{token}': { parameters: [token], get: op(invites, 'open_invite', 'op.openInvite', { 200: ok(say('response.ok'), ref('OpenInvite')), ...gone }, { security: [] }) },
        '/invites/accept': {
          post: op(invites, 'accept_invite', 'op.acceptInvite', { 201: ok(say('response.ok'), ref('AcceptedInvite')), 400: problem(say('response.invalid')), ...gone, 409: problem(say('response.inviteUsed')), 422: problem(say('response.invalid')) }, {
            security: [],
            requestBody: { required: true, content: json(ref('AcceptInvite')) },
          }),
        },
      });
    }

    // The other routes, from the catalog: their schemas are those they validate with.
    const others = documentedRoutes(
      routes,
      {
        locale,
        text: (template) => words.text(template, {}),
        shows: (need) => need === 'everyone' || need === 'link' || shape.setup(need),
        objects: model.snapshot.objects.filter((o) => shape.can(o.id, 'read')).map((o) => o.apiName),
        common,
        problem,
        words: { ok: say('response.ok'), noContent: say('response.noContent'), invalid: say('response.invalid'), notFound: say('response.notFound') },
      },
      paths as Record<string, unknown>,
    );
    // A path may have methods of both parts (GET /auth/me by hand, PATCH from the catalog).
    for (const [path, item] of Object.entries(others.paths)) paths[path] = { ...(paths[path] as Record<string, unknown> | undefined), ...item };
    tags.push(...others.tags);
    // What a Setup right opens is described to its holders only.
    for (const [operation, right] of Object.entries(HAND_WRITTEN_NEEDS)) {
      const [method, path] = operation.split(' ') as [string, string];
      const item = paths[path] as Record<string, unknown> | undefined;
      if (!item || shape.setup(right)) continue;
      delete item[method.toLowerCase()];
      if (Object.keys(item).every((key) => key === 'parameters')) delete paths[path];
    }

    return {
      openapi: '3.1.0',
      info: {
        title: say('title', { workspace: principal.tenantName }),
        version: `1.0.0+rev${model.revision}`,
        description: say('description', { revision: model.revision }),
        contact: { name: 'Protean', url: 'https://protean.dev' },
        license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
      },
      servers: [{ url: '/api/v1' }],
      security: [{ apiKey: [] }, { session: [] }],
      tags,
      paths,
      components: {
        schemas,
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'protean_session' } },
      },
    };
  });
}

/** The schema name of an object: its API name in PascalCase. Stable across label and term changes. */
export const schemaName = (apiName: string) => apiName.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

/** The measure word of a Chinese noun ("一位患者" → 位); English has none. */
function measureWord(noun: NounParam, locale: string): string {
  if (locale !== 'zh-CN') return '';
  const a = noun.a ?? '';
  return a.startsWith('一') && a.endsWith(noun.singular) && a.length > noun.singular.length + 1 ? a.slice(1, a.length - noun.singular.length) : '个';
}

function batchSchema(object: ObjectDef, name: string): Json {
  const version = { type: 'integer', minimum: 1 };
  const unique = object.fields.filter((f) => f.unique && !f.deletedAt).map((f) => f.apiName);
  const item = (op: string, properties: Json, required: string[]) => ({ type: 'object', additionalProperties: false, required: ['op', ...required], properties: { op: { const: op }, ...properties } });
  return {
    type: 'object',
    additionalProperties: false,
    required: ['operations'],
    properties: {
      operations: {
        type: 'array',
        minItems: 1,
        maxItems: BATCH_LIMIT,
        items: {
          oneOf: [
            item('create', { data: ref(`${name}Create`) }, ['data']),
            item('update', { id: uuid, version, data: ref(`${name}Update`) }, ['id', 'data']),
            item('upsert', { matchField: unique.length ? { type: 'string', enum: unique } : { type: 'string' }, data: ref(`${name}Create`) }, ['matchField', 'data']),
            item('delete', { id: uuid, version }, ['id']),
          ],
        },
      },
    },
  };
}

/** Filter examples in the object's own fields, so a reader sees the grammar on real names. */
function filterExample(object: ObjectDef): Json {
  const fields = object.fields.filter((f) => !f.deletedAt);
  const nameField = fields.find((f) => f.id === object.nameFieldId) ?? fields[0];
  const picklist = fields.find((f) => f.type === 'picklist' && f.values?.length);
  const examples: Json = {};
  if (nameField) examples['startsWith'] = { summary: `${nameField.apiName} startsWith`, value: JSON.stringify({ field: nameField.apiName, op: 'startsWith', value: 'A' }) };
  if (picklist && nameField) {
    examples['combined'] = {
      summary: `${picklist.apiName} in … and not ${nameField.apiName} isNull`,
      value: JSON.stringify({ and: [{ field: picklist.apiName, op: 'in', value: picklist.values!.slice(0, 2).map((v) => v.apiName) }, { not: { field: nameField.apiName, op: 'isNull', value: true } }] }),
    };
  }
  examples['created'] = { summary: 'created_at gte', value: JSON.stringify({ field: 'created_at', op: 'gte', value: '2026-01-01T00:00:00Z' }) };
  return examples;
}

/** Schemas shared by every object and the generic endpoints. */
/** The invitation routes' bodies and answers (server/src/invites/invite-routes.ts); those of making them with `manage`. */
function inviteSchemas(manage: boolean): Record<string, unknown> {
  const locale = { type: 'string', enum: ['en', 'zh-CN'] };
  const invite = {
    id: uuid,
    role: { type: 'string' },
    email: { type: ['string', 'null'], format: 'email' },
    createdBy: { type: ['string', 'null'], format: 'uuid' },
    createdAt: time,
    expiresAt: time,
    acceptedAt: maybeTime,
    acceptedUserId: { type: ['string', 'null'], format: 'uuid' },
    revokedAt: maybeTime,
  };
  const making = {
    Invite: { type: 'object', required: ['id', 'role', 'expiresAt'], properties: invite },
    NewInvite: {
      type: 'object',
      required: ['role'],
      additionalProperties: false,
      properties: { role: { type: 'string', minLength: 1, maxLength: 100 }, email: { type: 'string', format: 'email', maxLength: 254 }, days: { type: 'integer', minimum: 1, maximum: 30, default: 7 }, send: { type: 'boolean' }, locale },
    },
    NewInviteResult: { type: 'object', required: ['id', 'token', 'path'], properties: { ...invite, token: { type: 'string' }, path: { type: 'string', example: '/invite/inv_…' }, sentTo: { type: 'string', format: 'email' } } },
    InviteDelivery: { type: 'object', required: ['email'], properties: { email: { type: 'boolean' } } },
  };
  return {
    ...(manage ? making : {}),
    OpenInvite: {
      type: 'object',
      properties: {
        workspace: { type: 'object', properties: { slug: { type: 'string' }, name: { type: 'string' } } },
        role: { type: 'string' },
        roleName: { type: 'string' },
        email: { type: ['string', 'null'], format: 'email' },
        expiresAt: time,
        terms: { type: 'array', items: { type: 'object' } },
      },
    },
    AcceptInvite: {
      type: 'object',
      required: ['token', 'name', 'email', 'password'],
      additionalProperties: false,
      properties: { token: { type: 'string', minLength: 10, maxLength: 200 }, name: { type: 'string', minLength: 1, maxLength: 120 }, email: { type: 'string', format: 'email', maxLength: 254 }, password: { type: 'string', minLength: 10, maxLength: 1024 }, locale },
    },
    AcceptedInvite: { type: 'object', properties: { workspace: { type: 'string' }, email: { type: 'string', format: 'email' }, role: { type: 'string' } } },
  };
}

/** The webhook routes' bodies and answers (server/src/webhooks/webhook-routes.ts). */
function webhookSchemas(): Record<string, unknown> {
  const events = {
    type: 'array',
    minItems: 1,
    maxItems: 50,
    items: {
      type: 'object',
      required: ['object', 'actions'],
      additionalProperties: false,
      properties: { object: { type: 'string', minLength: 1, maxLength: 100 }, actions: { type: 'array', minItems: 1, maxItems: 4, uniqueItems: true, items: { type: 'string', enum: ['created', 'updated', 'deleted', 'restored'] } } },
    },
  };
  const filter = { type: ['object', 'null'] };
  const writable = { name: { type: 'string', minLength: 1, maxLength: 120 }, url: { type: 'string', format: 'uri', minLength: 1, maxLength: 2000 }, events, filter, active: { type: 'boolean' } };
  const secret = { type: 'string', minLength: 16, maxLength: 200 };
  const outcome = { state: { type: 'string', enum: ['pending', 'delivered', 'failed'] }, attempts: { type: 'integer' }, responseStatus: { type: ['integer', 'null'] }, error: { type: ['string', 'null'] }, durationMs: { type: ['integer', 'null'] } };
  return {
    Webhook: {
      type: 'object',
      required: ['id', 'name', 'url', 'events', 'active'],
      properties: { id: uuid, ...writable, createdAt: time, updatedAt: time, secret: { type: 'string' } },
    },
    NewWebhook: { type: 'object', required: ['url', 'events'], additionalProperties: false, properties: { ...writable, secret } },
    WebhookPatch: { type: 'object', minProperties: 1, additionalProperties: false, properties: { ...writable, secret: { oneOf: [secret, { type: 'string', enum: ['rotate'] }] } } },
    WebhookDelivery: {
      type: 'object',
      properties: { id: uuid, event: { type: 'string', example: 'deal.created' }, eventId: { type: 'string' }, recordId: { type: ['string', 'null'], format: 'uuid' }, ...outcome, createdAt: time, deliveredAt: maybeTime, nextAttemptAt: maybeTime },
    },
    WebhookDeliveryPage: { type: 'object', required: ['data', 'nextCursor'], properties: { data: { type: 'array', items: ref('WebhookDelivery') }, nextCursor: { type: ['string', 'null'] } } },
    WebhookDeliveryDetail: {
      type: 'object',
      properties: {
        id: uuid,
        event: { type: 'string' },
        state: outcome.state,
        createdAt: time,
        body: { type: 'object' },
        attempts: {
          type: 'array',
          items: { type: 'object', properties: { attempt: { type: 'integer' }, startedAt: time, responseStatus: { type: ['integer', 'null'] }, error: { type: ['string', 'null'] }, durationMs: { type: ['integer', 'null'] }, manual: { type: 'boolean' } } },
        },
      },
    },
    WebhookRedelivery: { type: 'object', properties: { id: uuid, ...outcome } },
  };
}

function genericSchemas(): Record<string, unknown> {
  const fieldProblem = { type: 'object', required: ['field', 'code', 'message'], properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' }, index: { type: 'integer' }, records: { type: 'array', items: uuid } } };
  const anyRecord = { type: 'object', required: ['id'], properties: { id: uuid, version: { type: 'integer' }, display_name: { type: 'string' } }, additionalProperties: true };
  const filter = { oneOf: [{ type: 'string', minLength: 1, maxLength: 20_000 }, { type: 'object' }] };
  const bulk = { dryRun: { type: 'boolean' }, expectedCount: { type: 'integer', minimum: 0 }, filter };
  const user = {
    type: 'object',
    properties: {
      id: uuid,
      name: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      locale: { type: 'string', enum: ['en', 'zh-CN'] },
      localeChosen: { type: 'boolean', description: 'Whether a language was ever set for the account; false: locale is the default, and a device follows its browser' },
    },
  };
  const view = { type: 'object', properties: { kind: { type: 'string', enum: ['list', 'kanban'] }, columns: { type: 'array', items: { type: 'string' } }, sort: { type: 'string' }, filter: {}, groupBy: { type: 'string' } }, required: ['kind'] };
  return {
    Problem: {
      type: 'object',
      required: ['type', 'title', 'status'],
      properties: { type: { type: 'string', format: 'uri' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, requestId: { type: 'string' }, errors: { type: 'array', items: fieldProblem } },
    },
    AnyRecord: anyRecord,
    RecordPage: { type: 'object', required: ['data', 'nextCursor'], properties: { data: { type: 'array', items: anyRecord }, nextCursor: { type: ['string', 'null'] } } },
    BatchResult: {
      oneOf: [
        { type: 'object', required: ['results'], properties: { results: { type: 'array', items: { type: 'object', required: ['id', 'version', 'action'], properties: { id: uuid, version: { type: 'integer' }, action: { type: 'string', enum: ['created', 'updated', 'deleted'] } } } } } },
        { type: 'object', required: ['data'], properties: { data: { type: 'array', items: anyRecord } } },
      ],
    },
    BulkUpdate: { type: 'object', required: ['filter', 'data'], properties: { ...bulk, data: { type: 'object' } } },
    BulkDelete: { type: 'object', required: ['filter'], additionalProperties: false, properties: bulk },
    BulkResult: {
      type: 'object',
      required: ['dryRun', 'matched', 'limit'],
      properties: {
        dryRun: { type: 'boolean' },
        matched: { type: 'integer' },
        limit: { type: 'integer' },
        sample: { type: 'array', items: { type: 'object', properties: { id: uuid, display_name: { type: 'string' } } } },
        updated: { type: 'integer' },
        deleted: { type: 'integer' },
        results: { type: 'array', items: { type: 'object', properties: { id: uuid, version: { type: 'integer' } } } },
      },
    },
    RelatedGroup: { type: 'object', properties: { object: { type: 'string' }, field: { type: 'string' }, label: { type: 'string' }, total: { type: 'integer' }, records: { type: 'array', items: anyRecord } } },
    SearchGroup: {
      type: 'object',
      required: ['object', 'records'],
      properties: {
        object: { type: 'string' },
        records: {
          type: 'array',
          items: { allOf: [anyRecord, { type: 'object', properties: { match: { type: 'object', properties: { field: { type: 'string' }, rank: { type: 'string', enum: ['exact', 'prefix', 'word', 'wordPrefix', 'contains', 'similar'] } } } } }] },
        },
      },
    },
    Login: { type: 'object', required: ['tenant', 'email', 'password'], additionalProperties: false, properties: { tenant: { type: 'string', maxLength: 63 }, email: { type: 'string', maxLength: 254 }, password: { type: 'string', maxLength: 1024, format: 'password' } } },
    Session: { type: 'object', properties: { user, tenant: { type: 'object', properties: { id: uuid, slug: { type: 'string' }, name: { type: 'string' } } }, via: { type: 'string', enum: ['session', 'apiKey'] }, csrfToken: { type: 'string' } } },
    UserName: { type: 'object', properties: { id: uuid, name: { type: 'string' } } },
    WorkspaceSettings: {
      type: 'object',
      required: ['currency', 'locale', 'recycleRetentionDays', 'timeZone'],
      properties: { currency: { type: 'string', pattern: '^[A-Z]{3}$', example: 'USD' }, locale: workspaceLocale, recycleRetentionDays: { type: 'integer', minimum: 1, maximum: 3650 }, timeZone: { type: 'string', example: 'Asia/Shanghai' } },
    },
    WorkspaceSettingsPatch: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { currency: { type: 'string', pattern: '^[A-Z]{3}$' }, locale: workspaceLocale, recycleRetentionDays: { type: 'integer', minimum: 1, maximum: 3650 }, timeZone: { type: 'string', minLength: 1, maxLength: 64 } },
    },
    Preferences: { type: 'object', required: ['timeZone'], additionalProperties: false, properties: { timeZone: { type: ['string', 'null'], maxLength: 64, example: 'Europe/Berlin' } } },
    PipelineSummary: {
      type: 'object',
      properties: {
        object: { type: 'string' },
        groupBy: { type: 'string' },
        amountField: { type: ['string', 'null'] },
        stages: { type: 'array', items: { type: 'object', properties: { value: { type: 'string' }, count: { type: 'integer', minimum: 0 }, amount: { type: ['number', 'null'] } } } },
        total: { type: 'object', properties: { count: { type: 'integer', minimum: 0 }, amount: { type: ['number', 'null'] } } },
      },
    },
    RecentRecord: { type: 'object', properties: { object: { type: 'string' }, id: uuid, name: { type: 'string' }, visitedAt: { type: 'string', format: 'date-time' } } },
    Visit: { type: 'object', required: ['object', 'id'], additionalProperties: false, properties: { object: { type: 'string', maxLength: 100 }, id: uuid } },
    ApiKey: { type: 'object', properties: { id: uuid, name: { type: 'string' }, hint: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' }, lastUsedAt: { type: ['string', 'null'], format: 'date-time' } } },
    NewApiKey: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 120 } } },
    NewApiKeyResult: { type: 'object', required: ['key'], properties: { id: uuid, name: { type: 'string' }, key: { type: 'string' } } },
    View: { type: 'object', properties: { id: uuid, object: { type: 'string' }, name: { type: 'string' }, shared: { type: 'boolean' }, ownerId: uuid, definition: view } },
    NewView: { type: 'object', required: ['object', 'name', 'definition'], additionalProperties: false, properties: { object: { type: 'string' }, name: { type: 'string', minLength: 1, maxLength: 120 }, shared: { type: 'boolean' }, definition: view } },
    ViewPatch: { type: 'object', additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 120 }, shared: { type: 'boolean' }, definition: view } },
    ObjectDef: ObjectDefSchema,
    ObjectDraft,
    ObjectPatch,
    FieldDraft,
    FieldPatch,
    LayoutDef: LayoutDef,
    TermDef: TermDef,
    // A term as the terms routes answer it: whether a standard term's words were changed, and its defaults.
    TermView: { ...TermDef, required: [...TermDef.required, 'overridden'], properties: { ...TermDef.properties, overridden: { type: 'boolean' }, defaultForms: TermDef.properties.forms } },
    TermDraft: TermDraft,
    // Where a term is used: labels and texts of the model (`uses`), and the server's messages that say it (`messages`).
    TermUsage: {
      type: 'object',
      required: ['key', 'uses', 'messages'],
      properties: {
        key: { type: 'string' },
        uses: { type: 'array', items: { type: 'object', properties: { objectId: { type: 'string' }, fieldId: { type: 'string' }, objectApiName: { type: 'string' }, objectLabel: { type: 'string' }, fieldApiName: { type: 'string' }, text: { type: 'string' }, resolved: { type: 'string' } } } },
        messages: { type: 'array', items: { type: 'object', required: ['id', 'via'], properties: { id: { type: 'string' }, via: { type: 'string', enum: ['term', 'object'] }, en: { type: 'string' }, 'zh-CN': { type: 'string' } } } },
      },
    },
    ChangeRequest: ChangeRequest,
    Snapshot: { type: 'object', required: ['revision', 'objects', 'layouts'], properties: { revision: { type: 'integer' }, objects: { type: 'array', items: ref('ObjectDef') }, layouts: { type: 'array', items: ref('LayoutDef') }, terms: { type: 'array', items: ref('TermDef') } } },
    ChangeResult: { type: 'object', required: ['revision', 'diff'], properties: { revision: { type: 'integer' }, diff: { type: 'array', items: ref('DiffEntry') } } },
    DiffEntry: {
      type: 'object',
      required: ['kind', 'action', 'id', 'apiName'],
      properties: {
        kind: { type: 'string', enum: ['object', 'field', 'layout', 'term', 'workflow', 'script'] },
        action: { type: 'string', enum: ['created', 'updated', 'deleted', 'restored', 'purged'] },
        id: { type: 'string' },
        apiName: { type: 'string' },
        objectId: { type: 'string' },
        changes: { type: 'array', items: { type: 'object', required: ['path'], properties: { path: { type: 'string' }, from: {}, to: {} } } },
      },
    },
    Revision: { type: 'object', required: ['revision'], properties: { revision: { type: 'integer' }, authorId: { type: ['string', 'null'] }, authorName: { type: 'string' }, message: { type: ['string', 'null'] }, createdAt: { type: 'string' }, changes: { type: 'integer' } } },
    RevisionInWords: {
      type: 'object',
      properties: {
        revision: { type: 'integer' },
        authorName: { type: 'string' },
        message: { type: ['string', 'null'] },
        changes: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              kind: { type: 'string' },
              action: { type: 'string' },
              subject: { type: 'string' },
              summary: { type: 'string' },
              details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, property: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, text: { type: 'string' } } } },
            },
          },
        },
      },
    },
  };
}
