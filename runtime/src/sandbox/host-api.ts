/**
 * The host side of the bridge: what the embedding server (tenant scripts) or the plugin host
 * (marketplace code) hands the sandbox for one invocation. Every method receives and returns
 * plain JSON data; the sandbox counts each call against the invocation's governor limits and
 * copies values across, so nothing of the host reaches the script.
 */
export type JsonObject = { [key: string]: unknown };

export interface RecordQuery {
  filter?: string;
  sort?: string;
  limit?: number;
}

export interface RecordsHost {
  query(object: string, query: RecordQuery): Promise<JsonObject[]>;
  get(object: string, id: string): Promise<JsonObject>;
  create(object: string, values: JsonObject): Promise<JsonObject>;
  update(object: string, id: string, values: JsonObject): Promise<JsonObject>;
  delete(object: string, id: string): Promise<void>;
}

export interface OutboundRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json?: unknown;
}

export interface HttpHost {
  fetch(url: string, request: OutboundRequest): Promise<OutboundResponse>;
}

export interface ScriptUser {
  id: string;
  name: string;
  locale: string;
  role: string;
}

export interface ScriptSetting {
  value: unknown;
  /** Secret values never appear in the invocation's logs or errors. */
  secret: boolean;
}

export interface ScriptHost {
  records: RecordsHost;
  /** Absent when the script declared no outbound hosts: every fetch is refused. */
  http?: HttpHost | undefined;
  config(name: string): Promise<ScriptSetting | undefined>;
  user: ScriptUser;
  timeZone: string;
}

/**
 * Who owns the code: a tenant's own scripts, or one plugin installed in a tenant. Each owner has
 * isolates of its own, so a plugin never shares a heap with the tenant's scripts or with
 * another plugin.
 */
export interface SandboxOwner {
  tenantId: string;
  plugin?: string | undefined;
}

export const ownerKey = (owner: SandboxOwner): string => (owner.plugin ? `${owner.tenantId}/plugin:${owner.plugin}` : `${owner.tenantId}/tenant`);
