import { enc, http, request, type ApiResponse } from './http.ts';
import { tracked } from './in-flight.ts';
import type { JsonSchema } from './index.ts';
import type { GrantableProfile } from './types.ts';

export const SCRIPT_KINDS = ['beforeSave', 'afterSave', 'action', 'scheduled'] as const;
export type ScriptKind = (typeof SCRIPT_KINDS)[number];

export interface ScriptInput {
  apiName: string;
  label: string;
  description?: string;
  kind: ScriptKind;
  object?: string;
  events?: string[];
  cron?: string;
  timeZone?: string;
  language: 'typescript' | 'javascript';
  source: string;
  inputSchema?: JsonSchema;
  outputSchema?: JsonSchema;
  allowedHosts?: string[];
  active?: boolean;
  /** The profile of the automation principal the script acts as (a new script without one takes its author's). */
  profile?: string;
  message?: string;
}

export interface Script extends Omit<ScriptInput, 'profile'> {
  id: string;
  /** Null: the script has no principal and reaches nothing. */
  profile: string | null;
  version: number;
  hash: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface CompileProblem {
  line: number;
  column: number;
  message: string;
  code: string;
}

export interface Invocation {
  id: string;
  version: number;
  startedAt: string;
  cause: string;
  recordId: string | null;
  durationMs: number;
  cpuMs: number;
  memoryBytes: number;
  outcome: 'ok' | 'error' | 'limit';
  limit: string | null;
  usage: Record<string, number>;
  logs: { at: string; level: string; message: string }[];
  input: unknown;
  output: unknown;
  error: { name: string; message: string; stack?: string } | null;
}

export interface RunResult {
  invocationId: string;
  ok: boolean;
  output: unknown;
  error: { name: string; message: string; stack?: string; limit?: string; errors?: { field: string; message: string }[] } | null;
  logs: { at: string; level: string; message: string }[];
  durationMs: number;
  cpuMs: number;
  memoryBytes: number;
}

export interface RecordAction {
  apiName: string;
  label: string;
  description: string | null;
  inputSchema: JsonSchema | null;
  /** Whether it may write records (it does not declare `limits.recordsWritten: 0`): then it runs only where the user may edit the record. */
  writes: boolean;
}

let sdkText: Promise<string> | undefined;

export const scriptsApi = {
  /** The profiles a script may act as, each saying whether the signed-in user may give it. */
  profiles: () => http.get<GrantableProfile[]>('/script-profiles'),
  list: async () => (await http.get<{ data: Script[] }>('/scripts')).data,
  get: (ref: string): Promise<ApiResponse<Script>> => request<Script>('GET', `/scripts/${enc(ref)}`),
  create: (input: ScriptInput) => http.post<Script>('/scripts', input),
  save: (ref: string, input: ScriptInput, version: number) => request<Script>('PUT', `/scripts/${enc(ref)}`, { body: input, headers: { 'if-match': `"${version}"` } }).then((r) => r.data),
  remove: (ref: string) => http.delete(`/scripts/${enc(ref)}`),
  compile: (language: ScriptInput['language'], source: string) => http.post<{ ok: boolean; errors: CompileProblem[] }>('/scripts/compile', { language, source }),
  test: (ref: string, body: { recordId?: string; params?: Record<string, unknown>; source?: string; language?: ScriptInput['language'] }) => http.post<RunResult>(`/scripts/${enc(ref)}/test`, body),
  invocations: async (ref: string, outcome?: string) => (await http.get<{ data: Invocation[] }>(`/scripts/${enc(ref)}/invocations`, { query: { limit: 50, outcome } })).data,
  /** The SDK's declarations: what the editor completes `ctx.` from. */
  sdk: () => (sdkText ??= tracked(() => fetch('/api/v1/scripts/sdk.d.ts', { credentials: 'same-origin' }).then((r) => r.text()))),
  actions: async (object: string, id: string) => (await http.get<{ data: RecordAction[] }>(`/records/${enc(object)}/${enc(id)}/actions`)).data,
  runAction: (object: string, id: string, script: string, params: Record<string, unknown>) => http.post<RunResult>(`/records/${enc(object)}/${enc(id)}/actions/${enc(script)}`, { params }),
};
