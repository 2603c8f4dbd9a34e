import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { planQuery } from '@protean/metadata';
import { principalOf, type Principal } from '../auth/principal.ts';
import { queryOne, type Database } from '../db/database.ts';
import { forbidden, notFound, validationError, type FieldProblem } from '../errors/problems.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import type { AccessShape } from '../access/access-shape.ts';
import { refuseHiddenFields } from '../access/record-access.ts';
import type { TenantModel } from '../data/tenant-model.ts';
import { BY_API_NAME, STORED, renameFieldRef, renameFilterRefs, type Spelling } from '../data/field-refs.ts';
import type { ObjectDef } from '@protean/metadata';
import { UUID } from '../http/ids.ts';

/** What a list view shows: its columns, order, filter (the REST filter language) and, for kanban, the grouping picklist. */
const Definition = Type.Object(
  {
    kind: Type.Union([Type.Literal('list'), Type.Literal('kanban')]),
    columns: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })),
    sort: Type.Optional(Type.String({ maxLength: 500 })),
    filter: Type.Optional(Type.Unknown()),
    groupBy: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
const NewView = Type.Object(
  { object: Type.String({ maxLength: 100 }), name: Type.String({ minLength: 1, maxLength: 120 }), shared: Type.Optional(Type.Boolean()), definition: Definition },
  { additionalProperties: false },
);
const ViewPatch = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })), shared: Type.Optional(Type.Boolean()), definition: Type.Optional(Definition) },
  { additionalProperties: false, minProperties: 1 },
);
const ViewQuery = Type.Object({ object: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false });
const IdParam = Type.Object({ id: Type.String({ maxLength: 100 }) });

interface ViewRow {
  id: string;
  object_id: string;
  owner_id: string;
  name: string;
  shared: boolean;
  definition: Static<typeof Definition>;
  created_at: string;
  updated_at: string;
}

type Definition = Static<typeof Definition>;

/** A view's columns, sort, grouping and filter respelled (stored by id, answered by API name). */
export function renameRefs(model: TenantModel, object: ObjectDef, definition: Definition, spelling: Spelling): Definition {
  const ref = (text: string) => renameFieldRef(model, object, text, spelling);
  return {
    ...definition,
    ...(definition.columns ? { columns: definition.columns.map(ref) } : {}),
    ...(definition.sort ? { sort: definition.sort.split(',').map((key) => (key.startsWith('-') ? `-${ref(key.slice(1))}` : ref(key))).join(',') } : {}),
    ...(definition.groupBy ? { groupBy: ref(definition.groupBy) } : {}),
    ...(definition.filter !== undefined ? { filter: renameFilterRefs(model, object, definition.filter, spelling) } : {}),
  };
}

/**
 * Saved list and kanban views: private to their owner, or shared with the whole tenant by an
 * admin. A view is checked against the object's metadata when saved, so it never holds an
 * unknown field or operator.
 */
export async function savedViewRoutes(app: FastifyInstance, options: { db: Database; metadata: MetadataService }): Promise<void> {
  const { db, metadata } = options;

  /**
   * A view as its reader may see it: columns it cannot read are left out, and a view whose filter,
   * sort or grouping uses such a field is not shown at all (its results would reveal the values).
   * One broken by a later change (a field deleted) cannot be checked field by field, and its filter
   * may still name a hidden field: only its owner, who wrote it, sees it, to mend or delete it.
   */
  const visibleDefinition = (shape: AccessShape, model: TenantModel, object: ObjectDef, definition: Static<typeof Definition>, owned: boolean): Static<typeof Definition> | undefined => {
    if (!shape.can(object.id, 'read')) return undefined;
    const planned = planQuery(model.snapshot, object.id, {
      ...(definition.filter !== undefined && definition.filter !== null ? { filter: JSON.stringify(definition.filter) } : {}),
      ...(definition.sort ? { sort: definition.sort } : {}),
    });
    if (!planned.ok && !owned) return undefined;
    if (planned.ok) {
      try {
        refuseHiddenFields(shape, object, { where: planned.plan.where, sort: planned.plan.sort });
      } catch {
        return undefined;
      }
    }
    const group = definition.groupBy ? model.field(object, definition.groupBy) : undefined;
    if (group && !shape.canReadField(object, group)) return undefined;
    if (!definition.columns) return definition;
    return { ...definition, columns: definition.columns.filter((name) => { const f = model.field(object, name); return !f || shape.canReadField(object, f); }) };
  };

  const toView = async (principal: Principal, row: ViewRow) => {
    const model = await metadata.model(principal.tenantId);
    const shape = await app.access.shapeOf(principal);
    const object = model.objectById(row.object_id);
    const definition = object ? visibleDefinition(shape, model, object, renameRefs(model, object, row.definition, BY_API_NAME), row.owner_id === principal.userId) : undefined;
    if (!definition) return undefined;
    return {
      id: row.id,
      object: model.objectById(row.object_id)?.apiName ?? row.object_id,
      name: row.name,
      shared: row.shared,
      owner: row.owner_id,
      mine: row.owner_id === principal.userId,
      definition,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  };

  /** Checks a view as its author would use it; answers its object and the definition to store (by field id). */
  const check = async (principal: Principal, objectName: string, given: Definition, shared: boolean) => {
    const shape = await app.access.shapeOf(principal);
    // A view everyone sees shapes everyone's lists: part of designing the workspace (Setup right 'model').
    if (shared && !shape.setup('model')) throw forbidden("Sharing a view with everyone needs the Setup right 'model'");
    const model = await metadata.model(principal.tenantId);
    const object = model.object(objectName);
    if (!object || !shape.can(object.id, 'read')) throw validationError('The view is invalid', [{ field: 'object', code: 'unknown', message: `no object named '${objectName}'` }]);
    const definition = renameRefs(model, object, given, BY_API_NAME);
    const planned = planQuery(model.snapshot, object.id, {
      ...(definition.filter !== undefined && definition.filter !== null ? { filter: JSON.stringify(definition.filter) } : {}),
      ...(definition.sort ? { sort: definition.sort } : {}),
      ...(definition.columns?.length ? { fields: definition.columns.join(',') } : {}),
    });
    // The query calls the columns `fields`; the view calls them `columns`, where the author wrote them.
    const part = (param: unknown) => String(param === 'fields' ? 'columns' : param);
    const problems: FieldProblem[] = planned.ok ? [] : planned.errors.map((e) => ({ field: `definition.${part(e.param)}${e.field ? `.${e.field}` : ''}`, code: e.code, message: e.message }));
    // A view may not show, filter, sort or group by a field its author cannot read.
    if (planned.ok) {
      try {
        refuseHiddenFields(shape, object, { where: planned.plan.where, sort: planned.plan.sort, select: planned.plan.select });
      } catch (error) {
        const errors = (error as { errors?: FieldProblem[] }).errors ?? [];
        problems.push(...errors.map((e) => ({ ...e, field: `definition.${part(e['param'])}.${e.field}` })));
      }
    }
    // The plan reads the columns as one comma-separated list: each must be one field, once.
    given.columns?.forEach((name, i) => {
      if (!name || name.includes(',')) problems.push({ field: `definition.columns.${i}`, code: 'format', message: 'is the API name of one field' });
      else if (given.columns!.indexOf(name) !== i) problems.push({ field: `definition.columns.${i}`, code: 'duplicate', message: `'${name}' is already a column` });
    });
    if (definition.kind === 'kanban') {
      const group = definition.groupBy ? model.field(object, definition.groupBy) : undefined;
      if (group?.type !== 'picklist') problems.push({ field: 'definition.groupBy', code: 'type', message: 'a kanban view groups by a picklist field' });
    } else if (definition.groupBy !== undefined) problems.push({ field: 'definition.groupBy', code: 'unexpected', message: 'only a kanban view groups its records' });
    if (problems.length) throw validationError('The view is invalid', problems);
    return { object, stored: renameRefs(model, object, definition, STORED) };
  };

  const load = async (principal: Principal, id: string, forWrite: boolean): Promise<ViewRow> => {
    const row = UUID.test(id)
      ? await db.withTenant(principal.tenantId, (q) => queryOne<ViewRow>(q, 'select * from saved_view where tenant_id = $1 and id = $2', [principal.tenantId, id]))
      : undefined;
    if (!row || (!row.shared && row.owner_id !== principal.userId)) throw notFound('No such view');
    if (forWrite && row.owner_id !== principal.userId && !(await app.access.shapeOf(principal)).setup('model')) throw forbidden("Only the owner, or someone with the Setup right 'model', may change a shared view");
    return row;
  };

  app.get('/views', { schema: { querystring: ViewQuery } }, async (request) => {
    const principal = principalOf(request);
    const objectName = (request.query as Static<typeof ViewQuery>).object;
    const objectId = objectName ? (await metadata.model(principal.tenantId)).object(objectName)?.id ?? '' : null;
    const rows = await db.withTenant(principal.tenantId, (q) =>
      q.query<ViewRow>(
        `select * from saved_view where tenant_id = $1 and ($2::text is null or object_id = $2) and (shared or owner_id = $3) order by shared, name`,
        [principal.tenantId, objectId, principal.userId],
      ),
    );
    return (await Promise.all(rows.map((row) => toView(principal, row)))).filter((view) => view !== undefined);
  });

  app.post('/views', { schema: { body: NewView } }, async (request, reply) => {
    const principal = principalOf(request);
    const body = request.body as Static<typeof NewView>;
    const { object, stored } = await check(principal, body.object, body.definition, body.shared ?? false);
    const rows = await db.withTenant(principal.tenantId, (q) =>
      q.query<ViewRow>('insert into saved_view (tenant_id, id, object_id, owner_id, name, shared, definition) values ($1, $2, $3, $4, $5, $6, $7) returning *', [
        principal.tenantId,
        randomUUID(),
        object.id,
        principal.userId,
        body.name,
        body.shared ?? false,
        JSON.stringify(stored),
      ]),
    );
    return reply.status(201).send(await toView(principal, rows[0]!));
  });

  app.patch('/views/:id', { schema: { params: IdParam, body: ViewPatch } }, async (request) => {
    const principal = principalOf(request);
    const patch = request.body as Static<typeof ViewPatch>;
    const row = await load(principal, (request.params as Static<typeof IdParam>).id, true);
    const definition = patch.definition ?? row.definition;
    const shared = patch.shared ?? row.shared;
    const checked = patch.definition || patch.shared ? await check(principal, row.object_id, definition, shared) : undefined;
    const rows = await db.withTenant(principal.tenantId, (q) =>
      q.query<ViewRow>('update saved_view set name = $3, shared = $4, definition = $5, updated_at = now() where tenant_id = $1 and id = $2 returning *', [
        principal.tenantId,
        row.id,
        patch.name ?? row.name,
        shared,
        JSON.stringify(checked?.stored ?? definition),
      ]),
    );
    return toView(principal, rows[0]!);
  });

  app.delete('/views/:id', { schema: { params: IdParam } }, async (request, reply) => {
    const principal = principalOf(request);
    const row = await load(principal, (request.params as Static<typeof IdParam>).id, true);
    await db.withTenant(principal.tenantId, (q) => q.query('delete from saved_view where tenant_id = $1 and id = $2', [principal.tenantId, row.id]));
    return reply.status(204).send();
  });
}
