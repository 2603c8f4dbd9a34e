import type { FieldDef, IndexSlot, ObjectDef, Snapshot } from '@protean/metadata';
import { queryOne, type Database, type Queryable } from '../db/database.ts';
import { SLOT_TYPES, slotValue } from '../data/sql/field-sql.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';

// The smallest uuid: the keyset starts below every record id.
const FIRST_ID = '00000000-0000-0000-0000-000000000000';
// Another process holds the batch lock: look again after this long, in case it stopped.
const BUSY_RETRY_MS = 250;
// A failed batch is retried after RETRY_MS, 2 × RETRY_MS, …; after MAX_FAILURES in a row the worker leaves it.
const RETRY_MS = 500;
const MAX_FAILURES = 5;

/**
 * Rows per batch transaction. PGlite runs one transaction at a time, so a request waits for the
 * batch in flight: 200 rows take ~20 ms there (500 took ~50 ms and tripled the create p95).
 */
export const backfillBatchRows = (db: Database) => (db.kind === 'pglite' ? 200 : 2_000);

/** What to do after a batch: another one, wait for the process that holds it, stop, or promote the slot. */
type Step = { next: 'more' | 'busy' | 'stopped' } | { next: 'promote'; fieldId: string };

interface Job {
  field_id: string;
  last_id: string | null;
}

/**
 * Copies an existing field's stored values into the index slot it was given (ADR 0002, addendum):
 * bounded batches in id order, each its own tenant transaction that also records the progress;
 * once every row is copied, a system metadata change makes the slot serve filters and sorts.
 * Batches take the revision fence shared, as record writes do, so a metadata change never commits
 * in the middle of one, and lock their progress row `skip locked`, so several server processes
 * share a backfill without copying a batch twice.
 */
export class SlotBackfill {
  readonly #db: Database;
  readonly #metadata: MetadataService;
  readonly #batchRows: number;
  readonly #running = new Map<string, Promise<void>>();
  #stopped = false;

  constructor(db: Database, metadata: MetadataService, batchRows = backfillBatchRows(db)) {
    this.#db = db;
    this.#metadata = metadata;
    this.#batchRows = batchRows;
    metadata.onCommit((tenantId, snapshot) => this.kick(tenantId, snapshot));
  }

  /** Picks up every unfinished backfill, of any tenant (a server stopped in the middle of one). */
  async start(): Promise<void> {
    const rows = await this.#db.system((q) => q.query<{ tenant_id: string; object_id: string; slot: IndexSlot }>("select tenant_id, object_id, slot from index_backfill where status = 'running'"));
    for (const row of rows) this.#run(row.tenant_id, row.object_id, row.slot);
  }

  /** Starts the backfills a revision calls for (a no-op for those already running here). */
  kick(tenantId: string, snapshot: Snapshot): void {
    for (const object of snapshot.objects) for (const slot of Object.keys(object.pendingIndexSlots ?? {}) as IndexSlot[]) this.#run(tenantId, object.id, slot);
  }

  /** Lets the batch in flight finish and starts no other. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#running.values());
  }

  #run(tenantId: string, objectId: string, slot: IndexSlot): void {
    const key = `${tenantId}:${objectId}:${slot}`;
    if (this.#stopped || this.#running.has(key)) return;
    const loop = this.#loop(tenantId, objectId, slot)
      .catch((error: unknown) => {
        // Left running in its row: the next server start (or revision of this model) resumes it.
        process.stderr.write(`index backfill ${key} stopped: ${error instanceof Error ? error.stack : String(error)}\n`);
      })
      .finally(() => this.#running.delete(key));
    this.#running.set(key, loop);
  }

  async #loop(tenantId: string, objectId: string, slot: IndexSlot): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      let step: Step;
      try {
        step = await this.#db.transaction(tenantId, (tx) => this.#batch(tx, tenantId, objectId, slot));
        failures = 0;
      } catch (error) {
        // A batch can lose a deadlock against a writer or its connection: it is rolled back whole, so try it again.
        if (++failures > MAX_FAILURES) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS * failures));
        continue;
      }
      if (step.next === 'stopped') return;
      if (step.next === 'promote') {
        await this.#metadata.promoteIndexSlot(tenantId, objectId, slot, step.fieldId);
        return;
      }
      // Let waiting requests in between batches.
      await new Promise((resolve) => setTimeout(resolve, step.next === 'busy' ? BUSY_RETRY_MS : 0));
    }
  }

  async #batch(tx: Queryable, tenantId: string, objectId: string, slot: IndexSlot): Promise<Step> {
    // The fence first, as every writer and a metadata change take it, then the progress row.
    const revision = (await queryOne<{ current_revision: number }>(tx, 'select begin_tenant_write($1) as current_revision', [tenantId]))?.current_revision ?? 0;
    const job = await queryOne<Job>(tx, "select field_id, last_id from index_backfill where tenant_id = $1 and object_id = $2 and slot = $3 and status = 'running' for update skip locked", [tenantId, objectId, slot]);
    if (!job) {
      const held = await queryOne<{ status: string }>(tx, 'select status from index_backfill where tenant_id = $1 and object_id = $2 and slot = $3', [tenantId, objectId, slot]);
      return { next: held?.status === 'running' ? 'busy' : 'stopped' };
    }
    const object = (await this.#metadata.modelAt(tenantId, revision, tx)).snapshot.objects.find((o) => o.id === objectId);
    const field = object?.fields.find((f) => f.id === job.field_id);
    if (!object || !field || object.pendingIndexSlots?.[slot] !== field.id) {
      // The field was deleted or purged, or the slot given to another: this copy has no use.
      await tx.query("update index_backfill set status = 'cancelled', updated_at = now() where tenant_id = $1 and object_id = $2 and slot = $3", [tenantId, objectId, slot]);
      return { next: 'stopped' };
    }
    const copied = await copyBatch(tx, tenantId, object, slot, field, job.last_id ?? FIRST_ID, this.#batchRows);
    await tx.query(
      'update index_backfill set last_id = coalesce($4, last_id), done = done + $5, total = greatest(total, done + $5), updated_at = now() where tenant_id = $1 and object_id = $2 and slot = $3',
      [tenantId, objectId, slot, copied.lastId, copied.rows],
    );
    return copied.rows < this.#batchRows ? { next: 'promote', fieldId: field.id } : { next: 'more' };
  }
}

/**
 * Writes the slot value of the next `limit` records after `afterId`. Each value is computed by
 * `slotValue`, the function every write uses, so a copied row and a written one never differ. A
 * row whose value a writer changed meanwhile is left alone: that write stored its slot value
 * itself (writes fill pending slots), and Postgres rechecks the condition on the newest row.
 */
async function copyBatch(tx: Queryable, tenantId: string, object: ObjectDef, slot: IndexSlot, field: FieldDef, afterId: string, limit: number): Promise<{ rows: number; lastId: string | null }> {
  const rows = await tx.query<{ id: string; value: unknown }>(
    'select id, data->$3 as value from record where tenant_id = $1 and object_id = $2 and id > $4 order by id limit $5',
    [tenantId, object.id, field.id, afterId, limit],
  );
  if (rows.length === 0) return { rows: 0, lastId: null };
  const column = `ix_${slot}` as const;
  const input = rows.map((r) => ({ i: r.id, s: r.value ?? null, x: slotValue(slot, field, r.value) }));
  await tx.query(
    `update record r set ${column} = v.x
       from jsonb_to_recordset($3::jsonb) as v(i uuid, s jsonb, x ${SLOT_TYPES[column]})
      where r.tenant_id = $1 and r.object_id = $2 and r.id = v.i
        and coalesce(r.data->$4, 'null') = coalesce(v.s, 'null') and r.${column} is distinct from v.x`,
    [tenantId, object.id, JSON.stringify(input), field.id],
  );
  return { rows: rows.length, lastId: rows[rows.length - 1]!.id };
}
