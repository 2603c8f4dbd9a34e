import { writeSlotOf, type FieldDef, type ObjectDef, type Snapshot } from '@protean/metadata';
import type { FastifyInstance } from 'fastify';
import { setupOf } from '../auth/principal.ts';
import { queryOne, type Database, type Queryable } from '../db/database.ts';
import { SLOT_TYPES, slotValue } from '../data/sql/field-sql.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import { objectLogic } from './logic-hooks.ts';
import { recomputeRollup } from './rollups.ts';
import { tenantZones } from './tenant-zones.ts';

const FIRST_ID = '00000000-0000-0000-0000-000000000000';
const RETRY_MS = 500;
const MAX_FAILURES = 5;

interface Job {
  field_id: string;
  definition: string;
  last_id: string | null;
}

/** What a stored formula or roll-up computes: a change of it means every record's value is recomputed. */
function definitionOf(field: FieldDef): string | null {
  if (field.deletedAt !== undefined) return null;
  if (field.type === 'formula' && field.formula?.stored) return JSON.stringify(['formula', field.formula.expression, field.formula.resultType]);
  if (field.type === 'rollup' && field.rollup) {
    const { resultType: _derived, ...rollup } = field.rollup;
    return JSON.stringify(['rollup', rollup]);
  }
  return null;
}

/**
 * Recomputes the stored values of a formula or roll-up whose definition is new or changed, in the
 * background: bounded batches in id order, each its own fenced tenant transaction that records
 * its progress (admins follow it at GET /metadata/logic-recomputes). Writes made meanwhile compute
 * the new definition themselves; a batch skips a record written since it read it.
 */
export class LogicRecompute {
  readonly #db: Database;
  readonly #metadata: MetadataService;
  readonly #batchRows: number;
  readonly #running = new Map<string, Promise<void>>();
  readonly #kicks = new Set<Promise<void>>();
  #stopped = false;

  constructor(db: Database, metadata: MetadataService, batchRows = db.kind === 'pglite' ? 200 : 1000) {
    this.#db = db;
    this.#metadata = metadata;
    this.#batchRows = batchRows;
    metadata.onCommit((tenantId, snapshot) => {
      const kick = this.kick(tenantId, snapshot)
        .catch((error: unknown) => {
          process.stderr.write(`logic recompute of ${tenantId} not started: ${String(error)}\n`);
        })
        .finally(() => this.#kicks.delete(kick));
      this.#kicks.add(kick);
    });
  }

  async start(): Promise<void> {
    const rows = await this.#db.system((q) => q.query<{ tenant_id: string; object_id: string; field_id: string }>("select tenant_id, object_id, field_id from logic_recompute where status = 'running'"));
    for (const row of rows) this.#run(row.tenant_id, row.object_id, row.field_id);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#running.values());
  }

  /** Starts a recompute for each stored formula or roll-up of the revision whose definition is not the one last computed. */
  async kick(tenantId: string, snapshot: Snapshot): Promise<void> {
    const wanted: { objectId: string; fieldId: string; definition: string; countObject: string }[] = [];
    for (const object of snapshot.objects) {
      for (const field of object.fields) {
        const definition = definitionOf(field);
        if (definition) wanted.push({ objectId: object.id, fieldId: field.id, definition, countObject: object.id });
      }
    }
    const started = await this.#db.withTenant(tenantId, async (q) => {
      const rows = await q.query<{ object_id: string; field_id: string; definition: string }>('select object_id, field_id, definition from logic_recompute where tenant_id = $1', [tenantId]);
      // A field no longer computed (deleted, or a formula no longer stored) forgets what it was computed
      // as: its values stopped following writes, so bringing it back (restoreField, a revision restored)
      // computes them again rather than finding its definition already done.
      const wantedKeys = new Set(wanted.map((w) => `${w.objectId}:${w.fieldId}`));
      for (const r of rows) {
        if (r.definition === '' || wantedKeys.has(`${r.object_id}:${r.field_id}`)) continue;
        await q.query(
          "update logic_recompute set definition = '', status = case when status = 'running' then 'cancelled' else status end, updated_at = now() where tenant_id = $1 and object_id = $2 and field_id = $3",
          [tenantId, r.object_id, r.field_id],
        );
      }
      const known = new Map(rows.map((r) => [`${r.object_id}:${r.field_id}`, r.definition]));
      const fresh = wanted.filter((w) => known.get(`${w.objectId}:${w.fieldId}`) !== w.definition);
      for (const w of fresh) {
        const total = (await queryOne<{ n: string }>(q, 'select count(*)::text as n from record where tenant_id = $1 and object_id = $2', [tenantId, w.countObject]))?.n ?? '0';
        await q.query(
          `insert into logic_recompute (tenant_id, object_id, field_id, definition, total, status) values ($1, $2, $3, $4, $5, 'running')
           on conflict (tenant_id, object_id, field_id) do update set definition = excluded.definition, total = excluded.total, done = 0, last_id = null, status = 'running', started_at = now(), updated_at = now()`,
          [tenantId, w.objectId, w.fieldId, w.definition, Number(total)],
        );
      }
      return fresh;
    });
    for (const w of started) this.#run(tenantId, w.objectId, w.fieldId);
  }

  /** Resolves once no recompute of the tenant runs in this process (tests, benchmarks). */
  async settled(): Promise<void> {
    while (this.#running.size || this.#kicks.size) await Promise.all([...this.#kicks, ...this.#running.values()]);
  }

  #run(tenantId: string, objectId: string, fieldId: string): void {
    const key = `${tenantId}:${objectId}:${fieldId}`;
    if (this.#stopped || this.#running.has(key)) return;
    const loop = this.#loop(tenantId, objectId, fieldId)
      .catch((error: unknown) => {
        process.stderr.write(`logic recompute ${key} stopped: ${error instanceof Error ? error.stack : String(error)}\n`);
      })
      .finally(() => this.#running.delete(key));
    this.#running.set(key, loop);
  }

  async #loop(tenantId: string, objectId: string, fieldId: string): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      let more: boolean;
      try {
        more = await this.#db.transaction(tenantId, (tx) => this.#batch(tx, tenantId, objectId, fieldId));
        failures = 0;
      } catch (error) {
        if (++failures > MAX_FAILURES) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS * failures));
        continue;
      }
      if (!more) return;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  async #batch(tx: Queryable, tenantId: string, objectId: string, fieldId: string): Promise<boolean> {
    const revision = (await queryOne<{ current_revision: number }>(tx, 'select begin_tenant_write($1) as current_revision', [tenantId]))?.current_revision ?? 0;
    const job = await queryOne<Job>(tx, "select field_id, definition, last_id from logic_recompute where tenant_id = $1 and object_id = $2 and field_id = $3 and status = 'running' for update skip locked", [tenantId, objectId, fieldId]);
    if (!job) return false;
    const model = await this.#metadata.modelAt(tenantId, revision, tx);
    const object = model.objectById(objectId);
    const field = object?.fields.find((f) => f.id === fieldId);
    if (!object || !field || definitionOf(field) !== job.definition) {
      // Deleted, or redefined since: the newer definition has its own run.
      await tx.query("update logic_recompute set status = 'cancelled', updated_at = now() where tenant_id = $1 and object_id = $2 and field_id = $3 and definition = $4", [tenantId, objectId, fieldId, job.definition]);
      return false;
    }
    // Records in the recycle bin too: a restore brings a record back as stored, so its value must
    // already follow the new definition.
    const ids = await tx.query<{ id: string; version: number; data: Record<string, unknown> }>(
      'select id, version, data from record where tenant_id = $1 and object_id = $2 and id > $3 order by id limit $4',
      [tenantId, objectId, job.last_id ?? FIRST_ID, this.#batchRows],
    );
    if (field.type === 'formula') await recomputeFormulaBatch(tx, tenantId, object, field, ids, await tenantZones.of(tx, tenantId), objectLogic(model, object));
    else {
      const target = findRollupTarget(model.snapshot, object, field, (child) => objectLogic(model, child));
      if (target) await recomputeRollup(tx, tenantId, target, ids.map((r) => r.id));
    }
    const lastId = ids.length ? ids[ids.length - 1]!.id : null;
    const done = ids.length < this.#batchRows;
    await tx.query(
      `update logic_recompute set last_id = coalesce($4, last_id), done = done + $5, total = greatest(total, done + $5), status = case when $6 then 'done' else status end, updated_at = now()
        where tenant_id = $1 and object_id = $2 and field_id = $3`,
      [tenantId, objectId, fieldId, lastId, ids.length, done],
    );
    return !done;
  }
}

function findRollupTarget(snapshot: Snapshot, parent: ObjectDef, field: FieldDef, logicOf: (child: ObjectDef) => ReturnType<typeof objectLogic>) {
  const child = snapshot.objects.find((o) => o.id === field.rollup?.childObjectId);
  return child ? logicOf(child).rollupsOver.find((t) => t.parent.id === parent.id && t.field.id === field.id) : undefined;
}

async function recomputeFormulaBatch(
  tx: Queryable,
  tenantId: string,
  object: ObjectDef,
  field: FieldDef,
  rows: { id: string; version: number; data: Record<string, unknown> }[],
  timeZone: string,
  logic: ReturnType<typeof objectLogic>,
): Promise<void> {
  const formula = logic.storedFormulas.find((f) => f.field.id === field.id);
  if (!formula || rows.length === 0) return;
  const slot = writeSlotOf(object, field.id);
  const input = rows.map((r) => {
    let value: unknown = null;
    try {
      value = formula.expression.evaluate({ record: r.data, timeZone });
    } catch {
      // As on a write: a record the formula cannot be computed for stores nothing.
    }
    return { i: r.id, v: r.version, x: value ?? null, s: slot ? slotValue(slot, field, value) : null };
  });
  const slotSet = slot ? `, ix_${slot} = v.s` : '';
  await tx.query(
    `update record r set data = case when v.x is null or v.x = 'null'::jsonb then r.data - $3 else jsonb_set(r.data, array[$3], v.x) end${slotSet}
       from jsonb_to_recordset($4::jsonb) as v(i uuid, v integer, x jsonb, s ${slot ? SLOT_TYPES[`ix_${slot}`] : 'text'})
      where r.tenant_id = $1 and r.object_id = $2 and r.id = v.i and r.version = v.v`,
    [tenantId, object.id, field.id, JSON.stringify(input)],
  );
}

/** Admins follow recomputes: object, field (API names), progress and status. */
export async function logicRecomputeRoutes(app: FastifyInstance, options: { db: Database; metadata: MetadataService }): Promise<void> {
  app.get('/metadata/logic-recomputes', async (request) => {
    const { tenantId } = await setupOf(request, 'model');
    const [rows, model] = await Promise.all([
      options.db.withTenant(tenantId, (q) => q.query<{ object_id: string; field_id: string; done: string; total: string; status: string; started_at: string; updated_at: string }>('select object_id, field_id, done, total, status, started_at, updated_at from logic_recompute where tenant_id = $1 order by started_at desc', [tenantId])),
      options.metadata.model(tenantId),
    ]);
    return rows.map((row) => {
      const object = model.snapshot.objects.find((o) => o.id === row.object_id);
      const field = object?.fields.find((f) => f.id === row.field_id);
      return { object: object?.apiName ?? row.object_id, field: field?.apiName ?? row.field_id, done: Number(row.done), total: Number(row.total), status: row.status, startedAt: row.started_at, updatedAt: row.updated_at };
    });
  });
}
