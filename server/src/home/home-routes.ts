import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { fieldType } from '@protean/metadata';
import { displayNameAs, objectsVisibleSql, recordAccessSql, refuseHiddenFields, requireObjectRight } from '../access/record-access.ts';
import { principalOf } from '../auth/principal.ts';
import type { Database } from '../db/database.ts';
import { validationError } from '../errors/problems.ts';
import type { DataService } from '../data/data-service.ts';
import { parseListRequest } from '../data/list-request.ts';
import { UUID } from '../data/record-problems.ts';
import { Params } from '../data/sql/params.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import { pipelineSummary } from './pipeline-summary.ts';

const PipelineQuery = Type.Object(
  {
    object: Type.String({ maxLength: 100 }),
    groupBy: Type.String({ maxLength: 100 }),
    amount: Type.Optional(Type.String({ maxLength: 100 })),
    filter: Type.Optional(Type.String({ maxLength: 20_000 })),
  },
  { additionalProperties: false },
);
const Visit = Type.Object({ object: Type.String({ maxLength: 100 }), id: Type.String({ maxLength: 100 }) }, { additionalProperties: false });
const RecentQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })) }, { additionalProperties: false });

/** How many visits a user keeps; older ones are dropped when a new one is recorded. */
const RECENT_KEPT = 100;

/** What the home page needs besides plain lists: the pipeline summary and the user's recently viewed records. */
export async function homeRoutes(app: FastifyInstance, options: { db: Database; metadata: MetadataService; data: DataService }): Promise<void> {
  const { db, metadata, data } = options;

  app.get('/home/pipeline', { schema: { querystring: PipelineQuery } }, async (request) => {
    const principal = principalOf(request);
    const query = request.query as Static<typeof PipelineQuery>;
    const model = await metadata.model(principal.tenantId);
    const object = data.object(model, query.object);
    const groupBy = model.field(object, query.groupBy);
    const amount = query.amount ? model.field(object, query.amount) : undefined;
    const problems = [];
    if (!groupBy || groupBy.deletedAt || groupBy.type !== 'picklist') problems.push({ field: 'groupBy', code: 'picklist', message: `'${query.groupBy}' is not a picklist field of ${object.apiName}` });
    if (query.amount && (!amount || amount.deletedAt || fieldType(amount.type).stored !== 'number')) problems.push({ field: 'amount', code: 'number', message: `'${query.amount}' is not a number field of ${object.apiName}` });
    if (problems.length || !groupBy) throw validationError('The pipeline needs a picklist to group by and, optionally, a number to sum', problems, 400);
    // The filter language of lists (a kanban's filter), planned and checked the same way; the
    // reader's object, field and record access apply as they do to the list.
    const where = query.filter ? parseListRequest(model, object, { filter: query.filter }).where : undefined;
    const shape = await app.access.shapeOf(principal);
    requireObjectRight({ principal, model }, shape, object, 'read');
    refuseHiddenFields(shape, object, { where, select: amount ? [groupBy, amount] : [groupBy] });
    return pipelineSummary(db, principal.tenantId, object, groupBy, amount, where, recordAccessSql(shape));
  });

  app.post('/recent', { schema: { body: Visit } }, async (request, reply) => {
    const principal = principalOf(request);
    const body = request.body as Static<typeof Visit>;
    const model = await metadata.model(principal.tenantId);
    const object = data.object(model, body.object);
    if (!UUID.test(body.id)) throw validationError('Not a record id', [{ field: 'id', code: 'format', message: 'must be a record id' }], 400);
    await db.transaction(principal.tenantId, async (tx) => {
      // Only a live record the user can read is remembered.
      const seen = await tx.query(
        `insert into recent_record (tenant_id, user_id, object_id, record_id)
         select $1, $2, $3, r.id from record r where r.tenant_id = $1 and r.object_id = $3 and r.id = $4 and r.deleted_at is null
         on conflict (tenant_id, user_id, record_id) do update set visited_at = now(), object_id = excluded.object_id
         returning record_id`,
        [principal.tenantId, principal.userId, object.id, body.id],
      );
      if (!seen.length) return;
      await tx.query(
        `delete from recent_record where tenant_id = $1 and user_id = $2 and record_id in (
           select record_id from recent_record where tenant_id = $1 and user_id = $2 order by visited_at desc offset ${RECENT_KEPT})`,
        [principal.tenantId, principal.userId],
      );
    });
    return reply.status(204).send();
  });

  app.get('/recent', { schema: { querystring: RecentQuery } }, async (request) => {
    const principal = principalOf(request);
    const limit = (request.query as Static<typeof RecentQuery>).limit ?? 10;
    const model = await metadata.model(principal.tenantId);
    // Only records the user may still read: access can have narrowed since the visit.
    const shape = await app.access.shapeOf(principal);
    const params = new Params();
    const tenant = params.add(principal.tenantId, '::uuid');
    const user = params.add(principal.userId, '::uuid');
    const visible = objectsVisibleSql(shape, model.snapshot.objects, 'r', params, tenant);
    const rows = await db.withTenant(principal.tenantId, (q) =>
      q.query<{ object_id: string; record_id: string; visited_at: Date | string; data: Record<string, unknown> }>(
        `select v.object_id, v.record_id, v.visited_at, r.data from recent_record v
           join record r on r.tenant_id = v.tenant_id and r.object_id = v.object_id and r.id = v.record_id and r.deleted_at is null
          where v.tenant_id = ${tenant} and v.user_id = ${user} and ${visible}
          order by v.visited_at desc limit ${params.add(limit)}`,
        params.values,
      ),
    );
    return rows.flatMap((r) => {
      const object = model.object(r.object_id);
      if (!object) return [];
      return [{ object: object.apiName, id: r.record_id, name: displayNameAs(shape, model, object, r.data, r.record_id), visitedAt: new Date(r.visited_at).toISOString() }];
    });
  });
}
