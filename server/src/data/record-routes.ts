import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { ObjectDef } from '@protean/metadata';
import { principalOf } from '../auth/principal.ts';
import { validationError } from '../errors/problems.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import { BATCH_LIMIT, type BatchOperation, type DataService } from './data-service.ts';
import { parseExpand, parseListRequest } from './list-request.ts';
import { noneMatchHolds } from './kept-pages.ts';
import { openApiFor } from './openapi.ts';
import { bulkByFilter } from './bulk-by-filter.ts';
import type { RequestContext } from './request-context.ts';
import type { ApiRecord } from './record-codec.ts';
import { basedOn, ifMatchVersions } from '../http/if-match.ts';
import { idempotencyKeyOf, writeOnce, type WriteAnswer } from './idempotent-writes.ts';

const ObjectParam = Type.Object({ object: Type.String({ maxLength: 100 }) });
const RecordParams = Type.Object({ object: Type.String({ maxLength: 100 }), id: Type.String({ maxLength: 100 }) });
// Unknown query parameters are refused, as on the list: `fields=` or `return=minimal` on a single
// record was ignored without a word, and the caller took the whole record for what it asked.
const GetQuery = Type.Object({ expand: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
const NoQuery = Type.Object({}, { additionalProperties: false });
const ListQuery = Type.Object(
  {
    filter: Type.Optional(Type.String({ maxLength: 20_000 })),
    sort: Type.Optional(Type.String({ maxLength: 500 })),
    fields: Type.Optional(Type.String({ maxLength: 5_000 })),
    expand: Type.Optional(Type.String({ maxLength: 500 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 4_000 })),
    count: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const Batch = Type.Object(
  {
    operations: Type.Array(
      Type.Union([
        Type.Object({ op: Type.Literal('create'), data: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: false }),
        Type.Object({ op: Type.Literal('update'), id: Type.String(), version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })), data: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: false }),
        Type.Object({ op: Type.Literal('upsert'), matchField: Type.String(), data: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: false }),
        Type.Object({ op: Type.Literal('delete'), id: Type.String(), version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })) }, { additionalProperties: false }),
      ]),
      { minItems: 1, maxItems: BATCH_LIMIT },
    ),
  },
  { additionalProperties: false },
);
const BatchQuery = Type.Object({ return: Type.Optional(Type.Union([Type.Literal('minimal'), Type.Literal('representation')])) }, { additionalProperties: false });
const RecycleQuery = Type.Object(
  { object: Type.Optional(Type.String({ maxLength: 100 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })), cursor: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);
const BulkUpdate = Type.Object(
  {
    filter: Type.Union([Type.String({ minLength: 1, maxLength: 20_000 }), Type.Object({}, { additionalProperties: true })]),
    data: Type.Object({}, { additionalProperties: true }),
    dryRun: Type.Optional(Type.Boolean()),
    expectedCount: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
  },
  { additionalProperties: false },
);
const BulkDelete = Type.Object(
  {
    filter: Type.Union([Type.String({ minLength: 1, maxLength: 20_000 }), Type.Object({}, { additionalProperties: true })]),
    dryRun: Type.Optional(Type.Boolean()),
    expectedCount: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
  },
  { additionalProperties: false },
);
const SearchQuery = Type.Object({ q: Type.String({ minLength: 1, maxLength: 200 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })) }, { additionalProperties: false });

/**
 * The version a change is based on. Of several, the record's current one when listed: the write
 * still refuses it (412) if it changed since, and a version not listed is refused the same way.
 */
async function expectedVersion(request: FastifyRequest, data: DataService, ctx: RequestContext, object: ObjectDef, id: string): Promise<number | undefined> {
  const versions = ifMatchVersions(request.headers, 'record');
  if (versions === undefined || versions.length === 1) return versions?.[0];
  return basedOn(versions, Number((await data.get(ctx, object, id))['version']));
}

/** REST over the data service: every handler resolves metadata, then calls the one door. */
export async function recordRoutes(app: FastifyInstance, options: { metadata: MetadataService; data: DataService }): Promise<void> {
  const { metadata, data } = options;

  /** The request context: who acts, and the tenant's model at its current revision. */
  const contextOf = async (request: FastifyRequest): Promise<RequestContext> => {
    const principal = principalOf(request);
    return { principal, model: await metadata.model(principal.tenantId) };
  };
  const resolve = async (request: FastifyRequest, objectName: string) => {
    const ctx = await contextOf(request);
    return { ctx, model: ctx.model, object: data.object(ctx.model, objectName) };
  };
  /** `resolve` without a promise when the tenant's current model is at hand (most requests). */
  const resolveHeld = (request: FastifyRequest, objectName: string) => {
    const principal = principalOf(request);
    const model = metadata.cachedModel(principal.tenantId);
    return model && { ctx: { principal, model }, model, object: data.object(model, objectName) };
  };

  app.get('/openapi.json', async (request) => {
    return openApiFor(metadata, request.server, principalOf(request));
  });

  app.get('/records/:object', { schema: { params: ObjectParam, querystring: ListQuery } }, async (request, reply) => {
    const objectName = (request.params as Static<typeof ObjectParam>).object;
    const { ctx, model, object } = resolveHeld(request, objectName) ?? (await resolve(request, objectName));
    const query = parseListRequest(model, object, request.query as Static<typeof ListQuery>);
    const queryText = request.url.slice(request.url.indexOf('?') + 1 || request.url.length);
    const page = await data.listPage(ctx, query, queryText);
    reply.header('etag', page.etag);
    // A client that holds this very page (a poll) gets 304 and no body.
    if (noneMatchHolds(request.headers['if-none-match'], page.etag)) return reply.status(304).send();
    return reply.type('application/json; charset=utf-8').send(page.body);
  });

  app.get('/records/:object/:id', { schema: { params: RecordParams, querystring: GetQuery } }, async (request, reply) => {
    const params = request.params as Static<typeof RecordParams>;
    const { ctx, model, object } = resolveHeld(request, params.object) ?? (await resolve(request, params.object));
    const expand = parseExpand(model, object, (request.query as Static<typeof GetQuery>).expand);
    const record = await data.get(ctx, object, params.id, expand);
    const etag = `"${String(record['version'])}"`;
    if (noneMatchHolds(request.headers['if-none-match'], etag)) return reply.status(304).send();
    return reply.header('etag', etag).send(record);
  });

  /** A write, run once per `Idempotency-Key` when the request sends one (a retry gets the first answer). */
  const once = async (request: FastifyRequest, reply: FastifyReply, ctx: RequestContext, what: unknown, write: (ctx: RequestContext) => Promise<WriteAnswer>): Promise<WriteAnswer> => {
    const key = idempotencyKeyOf(request.headers);
    if (key === undefined) return write(ctx);
    const { replayed, ...answer } = await writeOnce(data, ctx, key, what, write);
    if (replayed) reply.header('idempotent-replayed', 'true');
    return answer;
  };

  app.post('/records/:object', { schema: { params: ObjectParam, querystring: NoQuery } }, async (request, reply) => {
    const { ctx, object } = await resolve(request, (request.params as Static<typeof ObjectParam>).object);
    const { status, body } = await once(request, reply, ctx, ['create', object.id, request.body], async (ctx) => ({ status: 201, body: await data.create(ctx, object, request.body) }));
    const record = body as ApiRecord;
    return reply.status(status).header('etag', `"${String(record['version'])}"`).header('location', `/api/v1/records/${object.apiName}/${String(record['id'])}`).send(record);
  });

  app.patch('/records/:object/:id', { schema: { params: RecordParams, querystring: NoQuery } }, async (request, reply) => {
    const params = request.params as Static<typeof RecordParams>;
    const { ctx, object } = await resolve(request, params.object);
    const record = await data.update(ctx, object, params.id, request.body, await expectedVersion(request, data, ctx, object, params.id));
    return reply.header('etag', `"${String(record['version'])}"`).send(record);
  });

  app.delete('/records/:object/:id', { schema: { params: RecordParams, querystring: NoQuery } }, async (request, reply) => {
    const params = request.params as Static<typeof RecordParams>;
    const { ctx, object } = await resolve(request, params.object);
    await data.delete(ctx, object, params.id, await expectedVersion(request, data, ctx, object, params.id));
    return reply.status(204).send();
  });

  app.post('/records/:object/:id/restore', { schema: { params: RecordParams, querystring: NoQuery } }, async (request) => {
    const params = request.params as Static<typeof RecordParams>;
    const { ctx, object } = await resolve(request, params.object);
    return data.restore(ctx, object, params.id);
  });

  app.post('/records/:object/batch', { schema: { params: ObjectParam, body: Batch, querystring: BatchQuery }, bodyLimit: 16 * 1024 * 1024 }, async (request, reply) => {
    const { ctx, object } = await resolve(request, (request.params as Static<typeof ObjectParam>).object);
    // A thousand full records is a lot to send back; by default each item says what happened to it.
    const representation = (request.query as Static<typeof BatchQuery>).return === 'representation';
    const operations = (request.body as Static<typeof Batch>).operations as BatchOperation[];
    const { body } = await once(request, reply, ctx, ['batch', object.id, representation, operations], async (ctx) => {
      const results = await data.batch(ctx, object, operations, representation);
      if (representation) return { status: 200, body: { data: results.map((r) => r.record ?? { id: r.id, version: r.version, deleted: true }) } };
      return { status: 200, body: { results: results.map(({ id, version, action }) => ({ id, version, action })) } };
    });
    return reply.send(body);
  });

  // Every record a filter matches, through the save pipeline as one all-or-nothing batch; `dryRun` counts first.
  app.post('/records/:object/update-by-filter', { schema: { params: ObjectParam, body: BulkUpdate } }, async (request) => {
    const { ctx, object } = await resolve(request, (request.params as Static<typeof ObjectParam>).object);
    return bulkByFilter(data, ctx, object, 'update', request.body as Static<typeof BulkUpdate>);
  });
  app.post('/records/:object/delete-by-filter', { schema: { params: ObjectParam, body: BulkDelete } }, async (request) => {
    const { ctx, object } = await resolve(request, (request.params as Static<typeof ObjectParam>).object);
    return bulkByFilter(data, ctx, object, 'delete', request.body as Static<typeof BulkDelete>);
  });

  app.get('/related/:object/:id', { schema: { params: RecordParams } }, async (request) => {
    const params = request.params as Static<typeof RecordParams>;
    const { ctx, object } = await resolve(request, params.object);
    return data.related(ctx, object, params.id);
  });

  app.get('/recycle-bin', { schema: { querystring: RecycleQuery } }, async (request) => {
    const query = request.query as Static<typeof RecycleQuery>;
    return data.recycleBin(await contextOf(request), query.object, query.limit, query.cursor);
  });

  app.get('/search', { schema: { querystring: SearchQuery } }, async (request) => {
    const query = request.query as Static<typeof SearchQuery>;
    return data.search(await contextOf(request), query.q, query.limit);
  });

}
