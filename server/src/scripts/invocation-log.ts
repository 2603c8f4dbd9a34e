import type { InvocationReport } from '@protean/runtime';
import type { Database, Queryable } from '../db/database.ts';
import { newRecordId } from '../data/record-id.ts';

export type InvocationCause = 'test' | 'action' | 'beforeSave' | 'afterSave' | 'scheduled';

export interface InvocationEntry {
  tenantId: string;
  scriptId: string;
  version: number;
  cause: InvocationCause;
  recordId?: string | undefined;
  userId?: string | undefined;
  /** The profile the script acted as: what the entry holds was read with it. */
  profile?: string | null | undefined;
  input?: unknown;
  report: InvocationReport;
}

export interface InvocationRow {
  id: string;
  version: number;
  startedAt: string;
  cause: InvocationCause;
  recordId: string | null;
  userId: string | null;
  profile: string | null;
  durationMs: number;
  cpuMs: number;
  memoryBytes: number;
  outcome: 'ok' | 'error' | 'limit';
  limit: string | null;
  usage: Record<string, number>;
  logs: { at: string; level: string; message: string }[];
  input: unknown;
  output: unknown;
  error: { name: string; message: string; stack?: string; limit?: string; errors?: unknown[] } | null;
}

// What the log keeps of a value: enough to see what happened, never megabytes per invocation.
const MAX_VALUE_CHARS = 16 * 1024;
const KEPT_PER_SCRIPT = 500;

function kept(value: unknown): string | null {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text.length <= MAX_VALUE_CHARS ? text : JSON.stringify({ truncated: true, chars: text.length });
}

/**
 * The invocation log, written after the fact and in batches: a before-save trigger runs inside a
 * write transaction that may roll back (and on PGlite holds the only connection), yet its log
 * entry must survive, so entries are queued and written in their own transactions shortly after.
 * Each script keeps its newest entries.
 */
export class InvocationLog {
  readonly #db: Database;
  #queue: (InvocationEntry & { id: string })[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  readonly #pruneCount = new Map<string, number>();

  constructor(db: Database) {
    this.#db = db;
  }

  /** Queues an entry; returns its id (newest ids sort last). */
  record(entry: InvocationEntry): string {
    const id = newRecordId();
    this.#queue.push({ ...entry, id });
    this.#timer ??= setTimeout(() => void this.flush(), 20);
    return id;
  }

  /** Writes everything queued so far. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    this.#flushing = this.#flushing.then(() => this.#write(batch)).catch((error: unknown) => console.error('invocation log write failed', error));
    return this.#flushing;
  }

  async #write(batch: (InvocationEntry & { id: string })[]): Promise<void> {
    const byTenant = new Map<string, typeof batch>();
    for (const entry of batch) byTenant.set(entry.tenantId, [...(byTenant.get(entry.tenantId) ?? []), entry]);
    for (const [tenantId, entries] of byTenant) {
      const rows = entries.map((e) => ({
        script_id: e.scriptId,
        id: e.id,
        version: e.version,
        started_at: e.report.startedAt.toISOString(),
        cause: e.cause,
        record_id: e.recordId ?? null,
        user_id: e.userId ?? null,
        profile: e.profile ?? null,
        duration_ms: e.report.durationMs,
        cpu_ms: e.report.cpuMs,
        memory_bytes: e.report.memoryBytes,
        outcome: e.report.ok ? 'ok' : e.report.error?.limit ? 'limit' : 'error',
        limit_name: e.report.error?.limit ?? null,
        usage: e.report.usage,
        logs: e.report.logs,
        input: kept(e.input),
        output: kept(e.report.output),
        error: e.report.error ?? null,
      }));
      await this.#db.transaction(tenantId, async (tx) => {
        await tx.query(
          `insert into script_invocation (tenant_id, script_id, id, version, started_at, cause, record_id, user_id, profile, duration_ms, cpu_ms, memory_bytes, outcome, limit_name, usage, logs, input, output, error)
           select $1, script_id, id, version, started_at, cause, record_id, user_id, profile, duration_ms, cpu_ms, memory_bytes, outcome, limit_name, usage, logs, input::jsonb, output::jsonb, error
             from jsonb_to_recordset($2::jsonb) as x(script_id uuid, id uuid, version integer, started_at timestamptz, cause text, record_id uuid, user_id uuid, profile text,
               duration_ms double precision, cpu_ms double precision, memory_bytes bigint, outcome text, limit_name text, usage jsonb, logs jsonb, input text, output text, error jsonb)`,
          [tenantId, JSON.stringify(rows)],
        );
        for (const scriptId of new Set(entries.map((e) => e.scriptId))) await this.#prune(tx, tenantId, scriptId, entries.filter((e) => e.scriptId === scriptId).length);
      });
    }
  }

  /** Every hundred entries of a script, its log is cut back to the newest ones. */
  async #prune(tx: Queryable, tenantId: string, scriptId: string, added: number): Promise<void> {
    const key = `${tenantId}/${scriptId}`;
    const count = (this.#pruneCount.get(key) ?? 0) + added;
    if (count < 100) {
      this.#pruneCount.set(key, count);
      return;
    }
    this.#pruneCount.set(key, 0);
    await tx.query(
      `delete from script_invocation where tenant_id = $1 and script_id = $2
         and id < (select id from script_invocation where tenant_id = $1 and script_id = $2 order by id desc offset $3 limit 1)`,
      [tenantId, scriptId, KEPT_PER_SCRIPT - 1],
    );
  }
}

const ROW_COLUMNS = `id, version, started_at as "startedAt", cause, record_id as "recordId", user_id as "userId", profile, duration_ms as "durationMs", cpu_ms as "cpuMs",
  memory_bytes as "memoryBytes", outcome, limit_name as "limit", usage, logs, input, output, error`;

/** Newest first, paged by id. */
export async function readInvocations(q: Queryable, tenantId: string, scriptId: string, options: { limit: number; before?: string | undefined; outcome?: string | undefined }): Promise<InvocationRow[]> {
  return q.query<InvocationRow>(
    `select ${ROW_COLUMNS} from script_invocation
      where tenant_id = $1 and script_id = $2 and ($3::uuid is null or id < $3::uuid) and ($4::text is null or outcome = $4)
      order by id desc limit $5`,
    [tenantId, scriptId, options.before ?? null, options.outcome ?? null, options.limit],
  );
}

export async function readInvocation(q: Queryable, tenantId: string, scriptId: string, id: string): Promise<InvocationRow | undefined> {
  const [row] = await q.query<InvocationRow>(`select ${ROW_COLUMNS} from script_invocation where tenant_id = $1 and script_id = $2 and id = $3`, [tenantId, scriptId, id]);
  return row;
}
