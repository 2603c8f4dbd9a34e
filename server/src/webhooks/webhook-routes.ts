import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { planQuery } from '@protean/metadata';
import { setupOf } from '../auth/principal.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { AccessShape } from '../access/access-shape.ts';
import { readsStoredRecord, refuseHiddenFields } from '../access/record-access.ts';
import { BY_API_NAME, STORED, renameFilterRefs } from '../data/field-refs.ts';
import { notFound, ProblemError, validationError, type FieldProblem } from '../errors/problems.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import type { TenantModel } from '../data/tenant-model.ts';
import { checkTarget, OutboundRefused } from './outbound-guard.ts';
import { WEBHOOK_ACTIONS, WebhookService, type WebhookEvents } from './webhook-service.ts';

const Action = Type.Union(WEBHOOK_ACTIONS.map((a) => Type.Literal(a)));
const Events = Type.Array(Type.Object({ object: Type.String({ minLength: 1, maxLength: 100 }), actions: Type.Array(Action, { minItems: 1, maxItems: 4, uniqueItems: true }) }, { additionalProperties: false }), {
  minItems: 1,
  maxItems: 50,
});
const Secret = Type.String({ minLength: 16, maxLength: 200 });
const NewWebhook = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    events: Events,
    filter: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])),
    secret: Type.Optional(Secret),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const WebhookPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    events: Type.Optional(Events),
    filter: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])),
    secret: Type.Optional(Type.Union([Secret, Type.Literal('rotate')])),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
const IdParam = Type.Object({ id: Type.String({ format: 'uuid' }) });
const DeliveryParams = Type.Object({ id: Type.String({ format: 'uuid' }), delivery: Type.String({ format: 'uuid' }) });
const LogQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })), cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')])) },
  { additionalProperties: false },
);

interface WebhookRow {
  id: string;
  name: string;
  url: string;
  events: WebhookEvents[];
  filter: unknown;
  active: boolean;
  created_at: string;
  updated_at: string;
  secret?: string;
}

/**
 * The delivery log pages by (created_at, event_id): deliveries written in one transaction share
 * their time, so a time alone would skip or repeat them at a page's edge; the event id is unique
 * per webhook. The time travels as Postgres text, keeping its microseconds. The SQL names the
 * table's event_id: the select list's text copy of it would sort event 10 before event 9.
 */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:\d{2})?|Z)?$/;
const BIGINT_MAX = 9_223_372_036_854_775_807n;

/** The shape above, and a day, hour, minute and second that exist (Postgres refuses 2026-02-30 with a 22008). */
function isRealTime(text: string): boolean {
  if (!TIMESTAMP.test(text)) return false;
  const [year, month, day, hour, minute, second] = text.match(/\d+/g)!.slice(0, 6).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
}

const logCursor = {
  encode: (row: Record<string, unknown>) => Buffer.from(JSON.stringify([row['cursor_at'], row['event_id']])).toString('base64url'),
  decode: (token: string): [string, string] => {
    try {
      const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
      if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && isRealTime(value[0]) && typeof value[1] === 'string' && /^\d{1,19}$/.test(value[1]) && BigInt(value[1]) <= BIGINT_MAX) return [value[0], value[1]];
    } catch {
      // Falls through to the problem below.
    }
    throw validationError("'cursor': is not a cursor of this log (pass nextCursor as it came)", [{ field: 'cursor', code: 'format', message: 'is not a cursor of this log' }], 400);
  },
};

/**
 * A delivery's body as the viewer of the log may read it: the body was fixed for the webhook's own
 * user, and another holder of the keys right sees no record it could not read, nor hidden fields.
 */
async function asReadBy(q: Queryable, shape: AccessShape, model: TenantModel, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const object = typeof body['object'] === 'string' ? model.object(body['object']) : undefined;
  const { data, changes, ...rest } = body;
  if (!object || !(await readsStoredRecord(q, shape, object, body['recordId'] as string))) return rest;
  const readable = (values: unknown) => {
    if (!values || typeof values !== 'object') return values;
    return Object.fromEntries(Object.entries(values).filter(([name]) => {
      const field = model.field(object, name);
      return !field || shape.canReadField(object, field);
    }));
  };
  return { ...rest, ...(data === undefined ? {} : { data: readable(data) }), ...(changes === undefined ? {} : { changes: readable(changes) }) };
}

const newSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

/** Webhooks of a tenant, for admins: registration, the delivery log and redelivery. */
export async function webhookRoutes(app: FastifyInstance, options: { db: Database; metadata: MetadataService; webhooks: WebhookService }): Promise<void> {
  const { db, metadata, webhooks } = options;

  /** Objects by API name → ids (a later API rename keeps the webhook), filters checked against the model. */
  const checked = async (model: TenantModel, shape: AccessShape, body: { url?: string | undefined; events?: Static<typeof Events> | undefined; filter?: unknown }) => {
    const problems: FieldProblem[] = [];
    let events: WebhookEvents[] | undefined;
    if (body.url !== undefined) {
      let url: URL | undefined;
      try {
        url = new URL(body.url);
      } catch {
        problems.push({ field: 'url', code: 'format', message: 'must be an absolute http or https URL' });
      }
      if (url) {
        try {
          await checkTarget(url, webhooks.policy);
        } catch (error) {
          if (!(error instanceof OutboundRefused)) throw error;
          problems.push({ field: 'url', code: 'refused', message: error.message });
        }
      }
    }
    if (body.events) {
      events = [];
      body.events.forEach((e, i) => {
        const object = model.object(e.object);
        // The webhook delivers as the user who sets it up: an object that user may not read does not exist for it.
        if (!object || !shape.can(object.id, 'read')) problems.push({ field: `events/${i}/object`, code: 'unknown_object', message: `no object named '${e.object}'` });
        else events!.push({ object: object.id, actions: e.actions });
      });
    }
    if (body.filter !== undefined && body.filter !== null && events) {
      for (const e of events) {
        const planned = planQuery(model.snapshot, e.object, { filter: body.filter });
        if (!planned.ok) for (const error of planned.errors) problems.push({ field: `filter${error.path ?? ''}`, code: error.code, message: `${model.objectById(e.object)?.apiName}: ${error.message}` });
        else {
          try {
            refuseHiddenFields(shape, model.objectById(e.object)!, { where: planned.plan.where });
          } catch (error) {
            if (!(error instanceof ProblemError)) throw error;
            for (const problem of error.errors ?? []) problems.push({ ...problem, field: `filter/${problem.field}` });
          }
          e.filter = renameFilterRefs(model, model.objectById(e.object)!, body.filter, STORED);
        }
      }
    }
    if (problems.length) throw validationError(problems.length === 1 ? `'${problems[0]!.field}': ${problems[0]!.message}` : `${problems.length} problems in the webhook`, problems);
    return events;
  };

  /** The filter by current API names, as its first object's fields are named now (stored by id, so renames keep it working). */
  const filterOf = (model: TenantModel, row: WebhookRow): unknown => {
    if (row.filter === null || row.filter === undefined) return null;
    const first = row.events[0];
    const object = first ? model.objectById(first.object) : undefined;
    return object ? renameFilterRefs(model, object, first!.filter ?? row.filter, BY_API_NAME) : row.filter;
  };

  const view = (model: TenantModel, row: WebhookRow) => ({
    id: row.id,
    name: row.name,
    url: row.url,
    events: row.events.map((e) => ({ object: model.objectById(e.object)?.apiName ?? e.object, actions: e.actions })),
    filter: filterOf(model, row),
    active: row.active,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.secret ? { secret: row.secret } : {}),
  });
  const COLUMNS = 'id, name, url, events, filter, active, created_at, updated_at';

  app.get('/webhooks', async (request) => {
    const principal = await setupOf(request, 'keys');
    const model = await metadata.model(principal.tenantId);
    const rows = await db.withTenant(principal.tenantId, (q) => q.query<WebhookRow>(`select ${COLUMNS} from webhook where tenant_id = $1 order by created_at`, [principal.tenantId]));
    return rows.map((r) => view(model, r));
  });

  app.post('/webhooks', { schema: { body: NewWebhook } }, async (request, reply) => {
    const principal = await setupOf(request, 'keys');
    const body = request.body as Static<typeof NewWebhook>;
    const model = await metadata.model(principal.tenantId);
    const events = (await checked(model, await app.access.shapeOf(principal), body))!;
    const secret = body.secret ?? newSecret();
    const id = randomUUID();
    const sealed = await webhooks.secrets.seal(principal.tenantId, id, secret);
    const [row] = await db.transaction(principal.tenantId, (q) =>
      q.query<WebhookRow>(
        `insert into webhook (tenant_id, id, name, url, events, filter, secret, active, created_by) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ${COLUMNS}`,
        [principal.tenantId, id, body.name ?? new URL(body.url).host, body.url, JSON.stringify(events), body.filter ? JSON.stringify(body.filter) : null, sealed, body.active ?? true, principal.userId],
      ),
    );
    // The secret is shown once, here (stored sealed, never returned again); afterwards only rotated.
    return reply.status(201).send(view(model, { ...row!, secret }));
  });

  const load = async (tenantId: string, id: string) => {
    const [row] = await db.withTenant(tenantId, (q) => q.query<WebhookRow>(`select ${COLUMNS} from webhook where tenant_id = $1 and id = $2`, [tenantId, id]));
    if (!row) throw notFound(`No webhook ${id}`);
    return row;
  };

  app.get('/webhooks/:id', { schema: { params: IdParam } }, async (request) => {
    const principal = await setupOf(request, 'keys');
    return view(await metadata.model(principal.tenantId), await load(principal.tenantId, (request.params as Static<typeof IdParam>).id));
  });

  app.patch('/webhooks/:id', { schema: { params: IdParam, body: WebhookPatch } }, async (request) => {
    const principal = await setupOf(request, 'keys');
    const { id } = request.params as Static<typeof IdParam>;
    const body = request.body as Static<typeof WebhookPatch>;
    const model = await metadata.model(principal.tenantId);
    const current = await load(principal.tenantId, id);
    // New events take the filter, and a new filter the events: each event keeps the filter by its object's field ids.
    const filter = body.filter !== undefined ? body.filter : body.events ? filterOf(model, current) : undefined;
    const events = await checked(model, await app.access.shapeOf(principal), {
      url: body.url,
      events: body.events ?? (body.filter !== undefined ? current.events.map((e) => ({ object: e.object, actions: e.actions })) : undefined),
      filter,
    });
    const secret = body.secret === 'rotate' ? newSecret() : body.secret;
    const sealed = secret === undefined ? null : await webhooks.secrets.seal(principal.tenantId, id, secret);
    const [row] = await db.transaction(principal.tenantId, async (q) => {
      const rows = await q.query<WebhookRow>(
        `update webhook set name = coalesce($3, name), url = coalesce($4, url), events = coalesce($5::jsonb, events),
                filter = case when $6::boolean then $7::jsonb else filter end, secret = coalesce($8, secret), active = coalesce($9, active), updated_at = now(),
                created_by = case when $10::boolean then $11::uuid else created_by end
          where tenant_id = $1 and id = $2 returning ${COLUMNS}`,
        [
          principal.tenantId, id, body.name ?? null, body.url ?? null, events ? JSON.stringify(events) : null, body.filter !== undefined, body.filter ? JSON.stringify(body.filter) : null, sealed, body.active ?? null,
          // Whoever changes where it sends or what is who it delivers as from then on: redirecting
          // another user's webhook must not carry that user's access along.
          body.url !== undefined || body.events !== undefined || body.filter !== undefined,
          principal.userId,
        ],
      );
      if (rows[0]) await WebhookService.dropDeliveriesOfPreviousUser(q, principal.tenantId, id);
      return rows;
    });
    return view(model, { ...row!, ...(secret ? { secret } : {}) });
  });

  app.delete('/webhooks/:id', { schema: { params: IdParam } }, async (request, reply) => {
    const principal = await setupOf(request, 'keys');
    const { id } = request.params as Static<typeof IdParam>;
    const deleted = await db.transaction(principal.tenantId, (q) => q.query('delete from webhook where tenant_id = $1 and id = $2 returning id', [principal.tenantId, id]));
    if (deleted.length === 0) throw notFound(`No webhook ${id}`);
    return reply.status(204).send();
  });

  app.get('/webhooks/:id/deliveries', { schema: { params: IdParam, querystring: LogQuery } }, async (request) => {
    const principal = await setupOf(request, 'keys');
    const { id } = request.params as Static<typeof IdParam>;
    const query = request.query as Static<typeof LogQuery>;
    const after = query.cursor === undefined ? undefined : logCursor.decode(query.cursor);
    await load(principal.tenantId, id);
    const limit = query.limit ?? 50;
    const rows = await db.withTenant(principal.tenantId, (q) =>
      q.query<Record<string, unknown>>(
        `select id, event, event_id::text as event_id, record_id, state, attempts, last_status, last_error, last_duration_ms, created_at, created_at::text as cursor_at, delivered_at, next_attempt_at
           from webhook_delivery where tenant_id = $1 and webhook_id = $2 and ($3::timestamptz is null or (created_at, webhook_delivery.event_id) < ($3::timestamptz, $4::bigint)) and ($5::text is null or state = $5)
          order by created_at desc, webhook_delivery.event_id desc limit $6`,
        [principal.tenantId, id, after?.[0] ?? null, after?.[1] ?? null, query.state ?? null, limit + 1],
      ),
    );
    const page = rows.slice(0, limit);
    return {
      data: page.map((r) => ({
        id: r['id'],
        event: r['event'],
        eventId: r['event_id'],
        recordId: r['record_id'],
        state: r['state'],
        attempts: r['attempts'],
        responseStatus: r['last_status'],
        error: r['last_error'],
        durationMs: r['last_duration_ms'],
        createdAt: r['created_at'],
        deliveredAt: r['delivered_at'],
        nextAttemptAt: r['state'] === 'pending' ? r['next_attempt_at'] : null,
      })),
      nextCursor: rows.length > limit ? logCursor.encode(page.at(-1)!) : null,
    };
  });

  app.get('/webhooks/:id/deliveries/:delivery', { schema: { params: DeliveryParams } }, async (request) => {
    const principal = await setupOf(request, 'keys');
    const { id, delivery } = request.params as Static<typeof DeliveryParams>;
    // Read before the statements: on the embedded database a read of them inside would wait for the one session this holds.
    const shape = await app.access.shapeOf(principal);
    const model = await metadata.model(principal.tenantId);
    return db.withTenant(principal.tenantId, async (q) => {
      const [row] = await q.query<Record<string, unknown>>('select id, event, state, attempts, body, created_at from webhook_delivery where tenant_id = $1 and webhook_id = $2 and id = $3', [principal.tenantId, id, delivery]);
      if (!row) throw notFound(`No delivery ${delivery}`);
      const attempts = await q.query<Record<string, unknown>>('select attempt, started_at, status, error, duration_ms, manual from webhook_attempt where tenant_id = $1 and delivery_id = $2 order by attempt', [principal.tenantId, delivery]);
      const body = JSON.parse(row['body'] as string) as Record<string, unknown>;
      return {
        id: row['id'],
        event: row['event'],
        state: row['state'],
        createdAt: row['created_at'],
        body: await asReadBy(q, shape, model, body),
        attempts: attempts.map((a) => ({ attempt: a['attempt'], startedAt: a['started_at'], responseStatus: a['status'], error: a['error'], durationMs: a['duration_ms'], manual: a['manual'] })),
      };
    });
  });

  app.post('/webhooks/:id/deliveries/:delivery/redeliver', { schema: { params: DeliveryParams } }, async (request) => {
    const principal = await setupOf(request, 'keys');
    const { id, delivery } = request.params as Static<typeof DeliveryParams>;
    const [row] = await db.withTenant(principal.tenantId, (q) => q.query('select id from webhook_delivery where tenant_id = $1 and webhook_id = $2 and id = $3', [principal.tenantId, id, delivery]));
    if (!row) throw notFound(`No delivery ${delivery}`);
    // The webhook may be deleted while the delivery is sent: its deliveries went with it.
    if (!(await webhooks.redeliver(principal.tenantId, delivery))) throw notFound(`No delivery ${delivery}`);
    const [after] = await db.withTenant(principal.tenantId, (q) =>
      q.query<Record<string, unknown>>('select state, attempts, last_status, last_error, last_duration_ms from webhook_delivery where tenant_id = $1 and id = $2', [principal.tenantId, delivery]),
    );
    if (!after) throw notFound(`No delivery ${delivery}`);
    return { id: delivery, state: after['state'], attempts: after['attempts'], responseStatus: after['last_status'], error: after['last_error'], durationMs: after['last_duration_ms'] };
  });
}
