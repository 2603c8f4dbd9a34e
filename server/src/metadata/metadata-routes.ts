import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { compileRecordSchema, metadataKindSchemas, resolveSnapshot, type ChangeRequest, type Operation } from '@protean/metadata';
import { principalOf, setupOf } from '../auth/principal.ts';
import { notFound, validationError } from '../errors/problems.ts';
import type { MetadataService } from './metadata-service.ts';
import { termRoutes } from './term-routes.ts';
import { LocaleSchema, localeOf } from './words.ts';
import { ifMatchVersions } from '../http/if-match.ts';

/** The operations that change the glossary's words: the Setup right 'terms' suffices for them. */
const TERM_OPERATIONS = new Set(['upsertTerm', 'resetTerm', 'deleteTerm']);
const ObjectParam = Type.Object({ object: Type.String({ maxLength: 100 }) });
const FieldParams = Type.Object({ object: Type.String({ maxLength: 100 }), field: Type.String({ maxLength: 100 }) });
// Revisions are int4 columns.
const Revision = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const RevisionParam = Type.Object({ revision: Revision });
const IdParam = Type.Object({ id: Type.String({ maxLength: 100 }) });
const Compare = Type.Object({ from: Revision, to: Revision });
const SnapshotQuery = Type.Object({ resolve: Type.Optional(LocaleSchema) });
const DeleteObjectQuery = Type.Object({ records: Type.Optional(Type.Union([Type.Literal('keep'), Type.Literal('delete'), Type.Literal('refuse')])) }, { additionalProperties: false });
const DeleteFieldQuery = Type.Object({ removeFromLayouts: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const SchemaMode = Type.Object({ mode: Type.Optional(Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('read')])), locale: Type.Optional(Type.String({ maxLength: 10 })) });

/** Admin-only metadata writes, reads for every signed-in user, and the published JSON Schemas of each kind. */
export async function metadataRoutes(app: FastifyInstance, options: { metadata: MetadataService }): Promise<void> {
  const { metadata } = options;

  // Every write is a change request; the shortcuts below build one-operation requests.
  // A write names the model revision it was made against in If-Match (the ETag of what it read), or none.
  const basedOn = (request: FastifyRequest) => ifMatchVersions(request.headers, 'model revision');
  const change = async (request: FastifyRequest, operations: Operation[], message?: string) => {
    const principal = await setupOf(request, 'model');
    const body: ChangeRequest = message === undefined ? { operations } : { operations, message };
    return metadata.apply(principal, body, basedOn(request));
  };
  // What a write compares against: the model's revision, the ETag of what is read from the model.
  const modelRead = async (request: FastifyRequest, reply: FastifyReply) => {
    const model = await metadata.model(principalOf(request).tenantId);
    void reply.header('etag', `"${model.revision}"`);
    return model;
  };
  const unknownBody = (body: unknown): Record<string, unknown> => {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw validationError('A JSON object is required', [{ field: '', code: 'type', message: 'must be an object' }]);
    return body as Record<string, unknown>;
  };

  app.get('/metadata/schemas', async () => metadataKindSchemas);
  app.get('/metadata/schemas/:kind', async (request) => {
    const { kind } = request.params as { kind: string };
    // Published on purpose without sign-in; an own-property lookup, so `__proto__` is not a kind.
    const schema = Object.hasOwn(metadataKindSchemas, kind) ? (metadataKindSchemas as Record<string, unknown>)[kind] : undefined;
    if (!schema) throw notFound(`No metadata kind '${kind}'; kinds: ${Object.keys(metadataKindSchemas).join(', ')}`);
    return schema;
  });

  // The raw model (labels with their placeholders, the glossary in `terms`); `?resolve=en|zh-CN` gives it ready to display.
  app.get('/metadata/snapshot', { schema: { querystring: SnapshotQuery } }, async (request, reply) => {
    const snapshot = (await modelRead(request, reply)).snapshot;
    const { resolve } = request.query as Static<typeof SnapshotQuery>;
    return resolve ? resolveSnapshot(snapshot, resolve) : snapshot;
  });
  app.get('/metadata/objects', async (request, reply) => (await modelRead(request, reply)).snapshot.objects);
  app.get('/metadata/objects/:object', { schema: { params: ObjectParam } }, async (request, reply) => {
    const model = await modelRead(request, reply);
    const name = (request.params as Static<typeof ObjectParam>).object;
    const object = model.object(name);
    if (!object) throw notFound(`No object named '${name}'`);
    return object;
  });
  app.get('/metadata/objects/:object/record-schema', { schema: { params: ObjectParam, querystring: SchemaMode } }, async (request) => {
    const principal = principalOf(request);
    const model = await metadata.model(principal.tenantId);
    const name = (request.params as Static<typeof ObjectParam>).object;
    const object = model.object(name);
    if (!object) throw notFound(`No object named '${name}'`);
    const query = request.query as Static<typeof SchemaMode>;
    const words = model.words(query.locale === 'zh-CN' || query.locale === 'en' ? query.locale : principal.locale);
    return compileRecordSchema(words.resolved(object), query.mode ?? 'create', { locale: localeOf(words.locale) });
  });

  // A change request needs the right of each of its operations: words alone need 'terms', anything else 'model' (ADR 0012).
  app.post('/metadata/changes', async (request) => {
    const body = unknownBody(request.body) as unknown as ChangeRequest;
    const operations: unknown[] = Array.isArray(body.operations) ? body.operations : [];
    const isTerm = (op: unknown) => TERM_OPERATIONS.has(String((op as { op?: unknown } | null)?.op));
    let principal = operations.some(isTerm) ? await setupOf(request, 'terms') : undefined;
    if (!operations.length || !operations.every(isTerm)) principal = await setupOf(request, 'model');
    return metadata.apply(principal!, body, basedOn(request));
  });
  app.post('/metadata/objects', async (request, reply) => reply.status(201).send(await change(request, [{ op: 'createObject', object: unknownBody(request.body) } as Operation])));
  app.patch('/metadata/objects/:object', { schema: { params: ObjectParam } }, async (request) =>
    change(request, [{ op: 'updateObject', object: (request.params as Static<typeof ObjectParam>).object, patch: unknownBody(request.body) } as Operation]),
  );
  app.delete('/metadata/objects/:object', { schema: { params: ObjectParam, querystring: DeleteObjectQuery } }, async (request) => {
    const { records } = request.query as Static<typeof DeleteObjectQuery>;
    const object = (request.params as Static<typeof ObjectParam>).object;
    return change(request, [(records ? { op: 'deleteObject', object, records } : { op: 'deleteObject', object }) as Operation]);
  });
  app.post('/metadata/objects/:object/fields', { schema: { params: ObjectParam } }, async (request, reply) =>
    reply.status(201).send(await change(request, [{ op: 'createField', object: (request.params as Static<typeof ObjectParam>).object, field: unknownBody(request.body) } as Operation])),
  );
  app.patch('/metadata/objects/:object/fields/:field', { schema: { params: FieldParams } }, async (request) => {
    const { object, field } = request.params as Static<typeof FieldParams>;
    const body = unknownBody(request.body);
    const { backfill, ...patch } = body;
    return change(request, [(backfill === undefined ? { op: 'updateField', object, field, patch } : { op: 'updateField', object, field, patch, backfill }) as Operation]);
  });
  app.delete('/metadata/objects/:object/fields/:field', { schema: { params: FieldParams, querystring: DeleteFieldQuery } }, async (request) => {
    const { object, field } = request.params as Static<typeof FieldParams>;
    const { removeFromLayouts } = request.query as Static<typeof DeleteFieldQuery>;
    return change(request, [(removeFromLayouts ? { op: 'deleteField', object, field, removeFromLayouts } : { op: 'deleteField', object, field }) as Operation]);
  });
  app.put('/metadata/layouts/:id', { schema: { params: IdParam } }, async (request) =>
    change(request, [{ op: 'upsertLayout', layout: { ...unknownBody(request.body), id: (request.params as Static<typeof IdParam>).id } } as Operation]),
  );
  app.delete('/metadata/layouts/:id', { schema: { params: IdParam } }, async (request) =>
    change(request, [{ op: 'deleteLayout', id: (request.params as Static<typeof IdParam>).id } as Operation]),
  );

  app.get('/metadata/revisions', async (request) => {
    const principal = principalOf(request);
    return metadata.revisions(principal.tenantId, 100, localeOf(principal.locale));
  });
  // What a revision changed, in words and the tenant's terms, in the reader's language.
  app.get('/metadata/revisions/:revision/changes', { schema: { params: RevisionParam } }, async (request) => {
    const principal = principalOf(request);
    return metadata.changes(principal.tenantId, (request.params as Static<typeof RevisionParam>).revision, localeOf(principal.locale));
  });
  app.get('/metadata/revisions/compare', { schema: { querystring: Compare } }, async (request) => {
    const { from, to } = request.query as Static<typeof Compare>;
    return metadata.compare(principalOf(request).tenantId, from, to);
  });
  app.get('/metadata/revisions/:revision', { schema: { params: RevisionParam } }, async (request) =>
    metadata.revision(principalOf(request).tenantId, (request.params as Static<typeof RevisionParam>).revision),
  );
  app.post('/metadata/revisions/:revision/restore', { schema: { params: RevisionParam } }, async (request) =>
    metadata.restore(await setupOf(request, 'model'), (request.params as Static<typeof RevisionParam>).revision, basedOn(request)),
  );

  await termRoutes(app, { metadata });
}
