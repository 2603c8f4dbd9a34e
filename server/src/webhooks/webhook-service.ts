import { randomUUID } from 'node:crypto';
import { fromStoredValue, planQuery, systemFields, type Condition, type ObjectDef } from '@protean/metadata';
import type { AccessService } from '../access/access-service.ts';
import type { AccessShape } from '../access/access-shape.ts';
import { readsStoredRecord, redactEventPayload, refuseHiddenFields } from '../access/record-access.ts';
import { BY_API_NAME, renameFilterRefs } from '../data/field-refs.ts';
import type { Database, Queryable } from '../db/database.ts';
import { conflict, ProblemError } from '../errors/problems.ts';
import { userPrincipal } from '../scripts/script-triggers.ts';
import { compileListQuery } from '../data/sql/compile-list-query.ts';
import type { TenantModel } from '../data/tenant-model.ts';
import { OutboxConsumer } from '../events/outbox-consumer.ts';
import type { OutboxEvent } from '../events/outbox-reader.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import type { OutboundPolicy } from './outbound-guard.ts';
import { postDelivery, signDelivery } from './webhook-http.ts';
import { WebhookSecrets } from './webhook-secrets.ts';

export const WEBHOOK_ACTIONS = ['created', 'updated', 'deleted', 'restored'] as const;
export type WebhookAction = (typeof WEBHOOK_ACTIONS)[number];

/** What a webhook listens to, as stored: object ids (stable across API renames) and actions. */
export interface WebhookEvents {
  object: string;
  actions: WebhookAction[];
  /** The webhook's filter with this object's fields by id (stable across API renames); absent on webhooks stored before. */
  filter?: unknown;
}

export const WEBHOOK_CHANNEL = 'protean_webhooks';
const ID_FIELD = systemFields.find((f) => f.id === 'id')!;

export interface WebhookTiming {
  /** First retry after this long; each failed attempt doubles it, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Retries go on for this long after the event, then the delivery is failed. */
  retryForMs: number;
  /** An attempt in flight owns its delivery this long; a process that died mid-send gives it up then. */
  leaseMs: number;
  pollMs: number;
}

export const DEFAULT_TIMING: WebhookTiming = { retryBaseMs: 30_000, retryMaxMs: 3_600_000, retryForMs: 24 * 3_600_000, leaseMs: 60_000, pollMs: 1_000 };

/** The delay before attempt `attempts + 1`, with up to 20 % jitter so retries of one outage spread out. */
export function retryDelay(attempts: number, timing: WebhookTiming): number {
  const base = Math.min(timing.retryBaseMs * 2 ** Math.max(attempts - 1, 0), timing.retryMaxMs);
  return Math.round(base * (1 + Math.random() * 0.2));
}

interface WebhookRow {
  tenant_id: string;
  id: string;
  events: WebhookEvents[];
  filter: unknown;
  created_at: string;
  /** The user the webhook delivers as: whoever registered it or last changed what it sends and where. */
  created_by: string | null;
}

interface DueDelivery {
  tenant_id: string;
  id: string;
  webhook_id: string;
  body: string;
  attempts: number;
  created_at: string;
  url: string;
  secret: string;
}

/**
 * Webhooks (ADR 0016). The dispatcher is an outbox consumer: in the transaction that advances its
 * checkpoint it writes one delivery per (webhook, event), with the body fixed then, so a crash
 * can neither lose an event nor make a second delivery of it. The sender claims due deliveries
 * with a lease and posts them; a crash mid-send leaves the lease to expire and the same delivery
 * (same id, same body) is sent again — at least once, never under another id.
 */
export class WebhookService {
  readonly #db: Database;
  readonly #metadata: MetadataService;
  readonly #access: AccessService;
  readonly #policy: OutboundPolicy;
  readonly #timing: WebhookTiming;
  readonly #dispatcher: OutboxConsumer;
  readonly #worker = randomUUID();
  #stopped = false;
  #running: Promise<void> | undefined;
  #woken = false;
  #wakeSleeper: (() => void) | undefined;
  #inFlight = new Set<Promise<void>>();
  readonly #maxInFlight = 16;
  /** Signing secrets are stored sealed under the platform key; the sender opens them to sign. */
  readonly secrets: WebhookSecrets;

  constructor(db: Database, metadata: MetadataService, access: AccessService, policy: OutboundPolicy, timing: Partial<WebhookTiming> = {}) {
    this.#db = db;
    this.#metadata = metadata;
    this.#access = access;
    this.#policy = policy;
    this.#timing = { ...DEFAULT_TIMING, ...timing };
    this.secrets = new WebhookSecrets(db);
    this.#dispatcher = new OutboxConsumer(db, {
      name: 'webhooks',
      // Webhooks registered later never see older events anyway; a new deployment starts at its present.
      startAt: 'now',
      pollMs: this.#timing.pollMs,
      // Only tenants with an active webhook have anything to send.
      filter: () => ({ sql: 'o.tenant_id in (select tenant_id from webhook where active)' }),
      handle: (events, tx) => this.#dispatch(events, tx),
    });
  }

  get policy(): OutboundPolicy {
    return this.#policy;
  }

  async start(): Promise<void> {
    await this.secrets.sealStored();
    await this.#db.listen(WEBHOOK_CHANNEL, () => this.wake());
    this.#db.onReconnect(() => this.wake());
    await this.#dispatcher.start();
    this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeSleeper?.();
    await this.#dispatcher.stop();
    await this.#running;
    await this.settled();
  }

  wake(): void {
    this.#woken = true;
    this.#wakeSleeper?.();
  }

  async #dispatch(events: readonly OutboxEvent[], tx: Queryable): Promise<void> {
    const records = events.filter((e) => e.recordId && e.objectId && (WEBHOOK_ACTIONS as readonly string[]).includes(e.event));
    if (records.length === 0) return;
    const tenants = [...new Set(records.map((e) => e.tenantId))];
    const hooks = await tx.query<WebhookRow>('select tenant_id, id, events, filter, created_at, created_by from webhook where active and tenant_id = any($1::uuid[])', [tenants]);
    if (hooks.length === 0) return;
    const models = new Map<string, TenantModel>();
    const created = await valuesAtCreation(
      tx,
      records.filter((e) => e.event === 'created' && hooks.some((h) => h.tenant_id === e.tenantId && h.events.some((w) => w.object === e.objectId && w.actions.includes('created')))),
    );
    const rows: { tenant_id: string; id: string; webhook_id: string; event_id: number; event: string; record_id: string; body: string; sender_id: string | null }[] = [];
    // A webhook sends what the user it delivers as may read (ADR 0012): an inactive or removed user's webhook sends nothing.
    const senders = new Map<string, Promise<AccessShape | undefined>>();
    const senderOf = (hook: WebhookRow) => {
      let shape = senders.get(hook.id);
      if (!shape) senders.set(hook.id, (shape = this.#sender(tx, hook)));
      return shape;
    };
    for (const event of records) {
      for (const hook of hooks) {
        if (hook.tenant_id !== event.tenantId || Date.parse(event.occurredAt) < Date.parse(hook.created_at)) continue;
        const listens = hook.events.find((e) => e.object === event.objectId && e.actions.includes(event.event as WebhookAction));
        if (!listens) continue;
        let model = models.get(event.tenantId);
        if (!model) models.set(event.tenantId, (model = await this.#modelIn(tx, event.tenantId)));
        const object = model.objectById(event.objectId!);
        if (!object) continue;
        const shape = await senderOf(hook);
        if (!shape || !(await readsStoredRecord(tx, shape, object, event.recordId!))) continue;
        // Stored by field and value ids (renames keep it), read by the current API names.
        const filter = listens.filter ?? hook.filter;
        if (filter !== null && filter !== undefined && !(await matches(tx, model, object, renameFilterRefs(model, object, filter, BY_API_NAME), event, shape))) continue;
        const id = randomUUID();
        const body = deliveryBody(id, hook.id, model, object, event, created.get(event.id), shape);
        // An update of fields its user may not read alone is not news to it.
        if (body === undefined) continue;
        rows.push({ tenant_id: event.tenantId, id, webhook_id: hook.id, event_id: event.id, event: `${object.apiName}.${event.event}`, record_id: event.recordId!, body, sender_id: hook.created_by });
      }
    }
    if (rows.length === 0) return;
    // A batch delivered again after a failure finds its deliveries there and adds none.
    await tx.query(
      `insert into webhook_delivery (tenant_id, id, webhook_id, event_id, event, record_id, body, sender_id)
       select tenant_id, id, webhook_id, event_id, event, record_id, body, sender_id from jsonb_to_recordset($1::jsonb)
         as x(tenant_id uuid, id uuid, webhook_id uuid, event_id bigint, event text, record_id uuid, body text, sender_id uuid)
       on conflict (tenant_id, webhook_id, event_id) do nothing`,
      [JSON.stringify(rows)],
    );
    // Delivered when this transaction commits, to the senders of every process.
    if (this.#db.kind === 'postgres') await tx.query(`select pg_notify('${WEBHOOK_CHANNEL}', '')`);
    // PGlite runs one transaction at a time: the sender's claim comes after this commit.
    else queueMicrotask(() => this.wake());
  }

  async #sender(tx: Queryable, hook: WebhookRow): Promise<AccessShape | undefined> {
    const principal = hook.created_by ? await userPrincipal(tx, hook.tenant_id, hook.created_by) : undefined;
    return principal && this.#access.shapeOf(principal, tx);
  }

  async #modelIn(tx: Queryable, tenantId: string): Promise<TenantModel> {
    const [tenant] = await tx.query<{ current_revision: number }>('select current_revision from tenant where id = $1', [tenantId]);
    return this.#metadata.modelAt(tenantId, tenant!.current_revision, tx);
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      this.#woken = false;
      let claimed = 0;
      try {
        claimed = await this.#claimAndSend();
      } catch (error) {
        console.error('webhook sender: claiming deliveries failed', error);
      }
      if (this.#stopped) break;
      if (this.#woken || (claimed > 0 && this.#inFlight.size < this.#maxInFlight)) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.#timing.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wakeSleeper = () => {
          this.#wakeSleeper = undefined;
          done();
        };
      });
    }
  }

  /** Claims due deliveries under a lease (one attempt each) and sends them without waiting. */
  async #claimAndSend(): Promise<number> {
    const room = this.#maxInFlight - this.#inFlight.size;
    if (room <= 0) {
      await Promise.race(this.#inFlight);
      return 0;
    }
    const due = await this.#db.system((tx) =>
      tx.query<DueDelivery>(
        `with due as (
           select p.tenant_id, p.id from webhook_delivery p join webhook o on o.tenant_id = p.tenant_id and o.id = p.webhook_id
            where p.state = 'pending' and p.next_attempt_at <= now() and p.sender_id is not distinct from o.created_by
            order by p.next_attempt_at limit $1 for update of p skip locked)
         update webhook_delivery d set attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2::float8 / 1000)
           from due, webhook w
          where d.tenant_id = due.tenant_id and d.id = due.id and w.tenant_id = d.tenant_id and w.id = d.webhook_id and d.sender_id is not distinct from w.created_by
         returning d.tenant_id, d.id, d.webhook_id, d.body, d.attempts, d.created_at, w.url, w.secret`,
        [room, this.#timing.leaseMs],
      ),
    );
    for (const delivery of due) {
      const sending: Promise<void> = this.#send(delivery, false)
        .then(() => undefined)
        .catch((error: unknown) => console.error('webhook sender: recording an attempt failed', error))
        .finally(() => {
          this.#inFlight.delete(sending);
          this.wake();
        });
      this.#inFlight.add(sending);
    }
    return due.length;
  }

  /** Resolves once the attempts in flight now are recorded, or dropped with their deleted webhook. */
  async settled(): Promise<void> {
    await Promise.all(this.#inFlight);
  }

  /** Sends one attempt and records it; false when the delivery was deleted (with its webhook) meanwhile. */
  async #send(delivery: DueDelivery, manual: boolean): Promise<boolean> {
    const timestamp = Math.floor(Date.now() / 1000);
    const startedAt = new Date().toISOString();
    const result = await postDelivery(
      delivery.url,
      this.#policy,
      {
        'protean-webhook-id': delivery.id,
        'protean-webhook-timestamp': String(timestamp),
        'protean-webhook-signature': signDelivery(await this.secrets.open(delivery.tenant_id, delivery.webhook_id, delivery.secret), timestamp, delivery.body),
        'protean-webhook-attempt': String(delivery.attempts),
      },
      delivery.body,
    );
    const expired = Date.now() - Date.parse(delivery.created_at) >= this.#timing.retryForMs;
    const state = result.ok ? 'delivered' : expired ? 'failed' : 'pending';
    return this.#db.system(async (tx) => {
      // A webhook deleted while its attempt was in flight took its deliveries with it: the attempt goes
      // unrecorded. The key-share lock keeps a delete from removing the delivery until it is recorded.
      const held = await tx.query('select 1 from webhook_delivery where tenant_id = $1 and id = $2 for key share', [delivery.tenant_id, delivery.id]);
      if (held.length === 0) return false;
      await tx.query(
        `insert into webhook_attempt (tenant_id, delivery_id, attempt, started_at, status, error, duration_ms, manual) values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (tenant_id, delivery_id, attempt) do update set status = excluded.status, error = excluded.error, duration_ms = excluded.duration_ms`,
        [delivery.tenant_id, delivery.id, delivery.attempts, startedAt, result.status, result.error, result.durationMs, manual],
      );
      // A delivery given up while its attempt was in flight, automatic or manual (its webhook moved to
      // another user), stays given up: the attempt is on record. Only a manual attempt changes a
      // delivery that is not pending, and only one still made for the webhook's user.
      await tx.query(
        `update webhook_delivery d set state = $3, last_status = $4, last_error = $5, last_duration_ms = $6,
                delivered_at = case when $3 = 'delivered' then now() else d.delivered_at end,
                next_attempt_at = case when $3 = 'pending' then now() + make_interval(secs => $7::float8 / 1000) else d.next_attempt_at end
           from webhook w
          where d.tenant_id = $1 and d.id = $2 and d.attempts = $8 and ($9 or d.state = 'pending')
            and w.tenant_id = d.tenant_id and w.id = d.webhook_id and d.sender_id is not distinct from w.created_by`,
        [delivery.tenant_id, delivery.id, state, result.status, result.error, result.durationMs, retryDelay(delivery.attempts, this.#timing), delivery.attempts, manual],
      );
      return true;
    });
  }

  /**
   * Sends a delivery again now, under its own id: what the delivery log's "redeliver" does. False
   * when it is gone; refused when it was made for the webhook's previous user.
   */
  async redeliver(tenantId: string, deliveryId: string): Promise<boolean> {
    const [delivery] = await this.#db.system((tx) =>
      tx.query<DueDelivery & { own: boolean }>(
        `update webhook_delivery d set attempts = d.attempts + case when d.sender_id is not distinct from w.created_by then 1 else 0 end,
                state = case when d.sender_id is not distinct from w.created_by then 'pending' else d.state end,
                next_attempt_at = now() + make_interval(secs => $3::float8 / 1000), created_at = d.created_at
           from webhook w where d.tenant_id = $1 and d.id = $2 and w.tenant_id = d.tenant_id and w.id = d.webhook_id
         returning d.tenant_id, d.id, d.webhook_id, d.body, d.attempts, now()::text as created_at, w.url, w.secret, d.sender_id is not distinct from w.created_by as own`,
        [tenantId, deliveryId, this.#timing.leaseMs],
      ),
    );
    if (!delivery) return false;
    if (!delivery.own) throw conflict('This delivery was made for the webhook’s previous user, and the webhook now delivers as another: it is not sent again');
    return this.#send(delivery, true);
  }

  /**
   * A webhook whose user changed (another holder of the keys right pointed it elsewhere): the
   * deliveries still pending were made for the user before, and are not sent to where it points now.
   */
  static async dropDeliveriesOfPreviousUser(tx: Queryable, tenantId: string, webhookId: string): Promise<void> {
    await tx.query(
      `update webhook_delivery d set state = 'failed', last_error = 'not sent: made for the webhook''s previous user, and the webhook now delivers as another'
         from webhook w where d.tenant_id = $1 and d.webhook_id = $2 and d.state = 'pending' and w.tenant_id = d.tenant_id and w.id = d.webhook_id and d.sender_id is distinct from w.created_by`,
      [tenantId, webhookId],
    );
  }
}

/** Whether the event's record matches the webhook's filter, by the list query compiler (deleted records as deleted). */
async function matches(tx: Queryable, model: TenantModel, object: ObjectDef, filter: unknown, event: OutboxEvent, shape: AccessShape): Promise<boolean> {
  const planned = planQuery(model.snapshot, object.id, { filter });
  // A filter broken by a later metadata change (a field deleted) matches nothing rather than everything.
  if (!planned.ok) return false;
  // So does one on a field its user may no longer read: which events arrive would tell the value.
  try {
    refuseHiddenFields(shape, object, { where: planned.plan.where });
  } catch (error) {
    if (error instanceof ProblemError) return false;
    throw error;
  }
  const own: Condition = { kind: 'compare', field: ID_FIELD, op: 'eq', value: event.recordId! };
  const where: Condition = planned.plan.where ? { kind: 'and', conditions: [planned.plan.where, own] } : own;
  const sql = compileListQuery(event.tenantId, { object, where, sort: [], expand: [], limit: 1, after: undefined }, event.event === 'deleted');
  return (await tx.query(sql.sql, sql.params)).length > 0;
}

/**
 * The values each created record was created with, by event id. A created event carries no copy of
 * them (ADR 0018): they are the record's values now with the changes of the updates committed since
 * undone, newest first. Those updates are later in the outbox than the created event, so they lie
 * between it and the newest event: a range of the commit-order index as long as this consumer's
 * lag. A record purged since has none (its body then has no data). Events written before migration
 * 59 carry their copy and are not asked for.
 */
async function valuesAtCreation(tx: Queryable, events: readonly OutboxEvent[]): Promise<Map<number, Record<string, unknown>>> {
  const values = new Map<number, Record<string, unknown>>();
  const asked = events.filter((e) => !(e.payload as { data?: unknown } | null)?.data);
  if (asked.length === 0) return values;
  const rows = await tx.query<{ id: string; version: number; data: Record<string, unknown> }>(
    `select r.id, r.version, r.data from record r join unnest($1::uuid[], $2::text[], $3::uuid[]) as w(tenant_id, object_id, id)
        on r.tenant_id = w.tenant_id and r.object_id = w.object_id and r.id = w.id`,
    [asked.map((e) => e.tenantId), asked.map((e) => e.objectId), asked.map((e) => e.recordId)],
  );
  const byRecord = new Map(rows.map((r) => [r.id, r]));
  const changed = asked.filter((e) => (byRecord.get(e.recordId!)?.version ?? 1) > 1);
  if (changed.length) {
    const first = changed[0]!.position;
    const later = await tx.query<{ record_id: string; payload: { changes?: Record<string, { from: unknown }> } }>(
      `select record_id, payload from outbox where (txid, id) > ($1::xid8, $2::bigint) and record_id = any($3::uuid[]) and event = 'updated' order by txid desc, id desc`,
      [first.txid, first.id, changed.map((e) => e.recordId)],
    );
    for (const update of later) {
      const row = byRecord.get(update.record_id);
      if (!row) continue;
      for (const [fieldId, change] of Object.entries(update.payload.changes ?? {})) {
        if (change.from === null || change.from === undefined) delete row.data[fieldId];
        else row.data[fieldId] = change.from;
      }
    }
  }
  for (const event of asked) {
    const row = byRecord.get(event.recordId!);
    if (row) values.set(event.id, row.data);
  }
  return values;
}

/** The JSON a receiver gets: fixed when the delivery is made, so every attempt sends the same bytes. */
function deliveryBody(id: string, webhookId: string, model: TenantModel, object: ObjectDef, event: OutboxEvent, created: Record<string, unknown> | undefined, shape: AccessShape): string | undefined {
  type Payload = { data?: Record<string, unknown>; changes?: Record<string, { from: unknown; to: unknown }>; version?: number; cause?: string };
  const stored = (event.payload ?? {}) as Payload;
  // Only the fields the webhook's user may read leave the workspace.
  const payload = redactEventPayload(shape, model, object, created && !stored.data ? { ...stored, data: created } : stored) as Payload;
  if (stored.changes && Object.keys(stored.changes).length && !Object.keys(payload.changes ?? {}).length) return undefined;
  const byApiName = (values: Record<string, unknown>, convert: (fieldId: string, value: unknown) => unknown) => {
    const out: Record<string, unknown> = {};
    for (const [fieldId, value] of Object.entries(values)) {
      const field = model.fieldById(object, fieldId);
      if (field && !field.deletedAt) out[field.apiName] = convert(fieldId, value);
    }
    return out;
  };
  const value = (fieldId: string, v: unknown) => {
    const field = model.fieldById(object, fieldId)!;
    return v === null || v === undefined ? null : (fromStoredValue(field, v) ?? null);
  };
  return JSON.stringify({
    id,
    webhookId,
    event: `${object.apiName}.${event.event}`,
    eventId: String(event.id),
    occurredAt: new Date(event.occurredAt).toISOString(),
    object: object.apiName,
    recordId: event.recordId,
    // A created event is stored without its version (ADR 0018), which is always 1: receivers order a
    // record's events by version and must be able to drop a created one that arrives after an update.
    ...(payload.version !== undefined ? { version: payload.version } : event.event === 'created' ? { version: 1 } : {}),
    ...(payload.data ? { data: byApiName(payload.data, value) } : {}),
    ...(payload.changes ? { changes: byApiName(payload.changes, (fieldId, c) => ({ from: value(fieldId, (c as { from: unknown }).from), to: value(fieldId, (c as { to: unknown }).to) })) } : {}),
    ...(payload.cause ? { cause: payload.cause } : {}),
  });
}

/**
 * Whether this process sends webhooks (PROTEAN_WEBHOOK_DELIVER, default 1): API-only processes
 * beside dedicated senders set 0. Every process that sends must share one timing and policy,
 * since any of them may claim any due delivery.
 */
export function webhookDeliveryFrom(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['PROTEAN_WEBHOOK_DELIVER'];
  if (value === undefined || value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new Error(`PROTEAN_WEBHOOK_DELIVER must be 0 or 1, not ${value}`);
}

/** Operator overrides (milliseconds): PROTEAN_WEBHOOK_RETRY_BASE_MS, _RETRY_MAX_MS, _RETRY_FOR_MS, _LEASE_MS, _POLL_MS. */
export function webhookTimingFrom(env: NodeJS.ProcessEnv = process.env): Partial<WebhookTiming> {
  const read = (name: string) => {
    const value = env[`PROTEAN_WEBHOOK_${name}`];
    if (value === undefined || value === '') return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`PROTEAN_WEBHOOK_${name} must be a positive number of milliseconds, not ${value}`);
    return n;
  };
  const timing: Partial<WebhookTiming> = {};
  for (const [key, name] of [['retryBaseMs', 'RETRY_BASE_MS'], ['retryMaxMs', 'RETRY_MAX_MS'], ['retryForMs', 'RETRY_FOR_MS'], ['leaseMs', 'LEASE_MS'], ['pollMs', 'POLL_MS']] as const) {
    const n = read(name);
    if (n !== undefined) timing[key] = n;
  }
  return timing;
}
