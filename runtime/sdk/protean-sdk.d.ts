/**
 * The Protean script SDK: everything a tenant script or a plugin's code can reach. The host API
 * (`ctx`) is the only bridge out of the sandbox; every value crosses it as a JSON copy.
 *
 * A script is a module whose default export is its handler:
 *
 *   export default async function (ctx: ScriptContext, input: ActionInput) { … }
 */

/** A JSON value: what crosses the sandbox boundary in either direction. */
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Record values by field API name, plus the system fields (id, version, created_at, …) when read. */
interface RecordValues {
  [field: string]: JsonValue | undefined;
}

/** The REST list filter: `{ field, op, value }` combined with `and`, `or`, `not`. Text comparisons ignore case. */
type RecordFilter =
  | { and: RecordFilter[] }
  | { or: RecordFilter[] }
  | { not: RecordFilter }
  | { field: string; op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'nin' | 'contains' | 'startsWith' | 'isNull'; value: JsonValue };

interface RecordQuery {
  /** e.g. `{ and: [{ field: 'stage', op: 'eq', value: 'won' }, { field: 'amount', op: 'gt', value: 1000 }] }`. */
  filter?: RecordFilter;
  /** e.g. `-created_at,name`. */
  sort?: string;
  /** At most 200; default 50. */
  limit?: number;
}

interface RecordsApi {
  /** Records of an object visible to the script's principal; counts one query and each record read. */
  query(object: string, query?: RecordQuery): Promise<RecordValues[]>;
  /** One record by id; rejects with a not-found error when the principal cannot see it. */
  get(object: string, id: string): Promise<RecordValues>;
  /** Validated and saved like any other write; counts one record written. */
  create(object: string, values: RecordValues): Promise<RecordValues>;
  update(object: string, id: string, values: RecordValues): Promise<RecordValues>;
  delete(object: string, id: string): Promise<void>;
}

interface LogApi {
  info(...values: unknown[]): void;
  warn(...values: unknown[]): void;
  error(...values: unknown[]): void;
}

interface ConfigApi {
  /** A tenant script setting by name; secrets are returned but never appear in logs or errors. */
  get(name: string): Promise<JsonValue | undefined>;
}

interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  headers?: Record<string, string>;
  /** A string body; objects are sent as JSON. */
  body?: string | JsonValue;
}

interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as text, at most the response size limit. */
  body: string;
  /** The body parsed as JSON when the response says it is JSON. */
  json?: JsonValue;
}

interface HttpApi {
  /**
   * HTTPS or HTTP to a host the script (or plugin) declared; addresses that resolve to private,
   * loopback or link-local ranges are refused, redirects are checked again, and the response
   * is limited in size and time.
   */
  fetch(url: string, request?: HttpRequest): Promise<HttpResponse>;
}

interface ScriptUser {
  readonly id: string;
  readonly name: string;
  readonly locale: string;
  readonly role: string;
}

interface ScriptContext {
  readonly records: RecordsApi;
  readonly log: LogApi;
  readonly config: ConfigApi;
  readonly http: HttpApi;
  /** The current time (the server's clock). */
  now(): Date;
  /** The tenant's IANA time zone, e.g. `Asia/Shanghai`. */
  readonly timeZone: string;
  /** Who the script runs for: the user whose save or click started it. */
  readonly user: ScriptUser;
}

/** Input of a before-save trigger: return changes to the record, or errors that refuse the save. */
interface BeforeSaveInput {
  object: string;
  action: 'create' | 'update';
  /** The values about to be saved (by API name). */
  record: RecordValues;
  /** The stored values before this save (updates only). */
  previous?: RecordValues;
}

interface FieldError {
  field: string;
  message: string;
}

interface BeforeSaveResult {
  /** Values to set on the record before it is saved (validated like user input). */
  set?: RecordValues;
  /** Refuses the save; each error is shown beside its field. */
  errors?: FieldError[];
}

/** Input of an after-save trigger, run from the outbox after the save committed. */
interface AfterSaveInput {
  object: string;
  event: 'created' | 'updated' | 'deleted' | 'restored';
  recordId: string;
  /** The record as it is now (absent once deleted). */
  record?: RecordValues;
  /** Field changes of an update: `{ field: { from, to } }`. */
  changes?: Record<string, { from: JsonValue; to: JsonValue }>;
}

/** Input of a record action: the record it was started on and the parameters from its form. */
interface ActionInput {
  object: string;
  recordId: string;
  record: RecordValues;
  params: { [name: string]: JsonValue };
}

/** Input of a scheduled script. */
interface ScheduledInput {
  /** When the run was due (ISO 8601, UTC). */
  scheduledAt: string;
}

declare module '@protean/sdk' {
  export type {
    JsonValue,
    RecordValues,
    RecordQuery,
    RecordFilter,
    RecordsApi,
    LogApi,
    ConfigApi,
    HttpApi,
    HttpRequest,
    HttpResponse,
    ScriptUser,
    ScriptContext,
    BeforeSaveInput,
    BeforeSaveResult,
    FieldError,
    AfterSaveInput,
    ActionInput,
    ScheduledInput,
  };
}
