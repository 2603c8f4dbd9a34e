/**
 * Messages between the server and its sandbox process (ADR 0017). Values that the in-process
 * sandbox turned into JSON text (the input, what host calls answer) cross as JSON text here too,
 * so a value means the same on both sides of the process boundary (toJSON, dropped functions).
 */
import type { SandboxOwner, ScriptUser } from './host-api.ts';
import type { LimitName, ScriptLimits } from './limits.ts';
import type { InvocationReport, ScriptCode, SandboxOptions } from './script-sandbox.ts';

export type HostOp = 'records.query' | 'records.get' | 'records.create' | 'records.update' | 'records.delete' | 'config' | 'http.fetch';

/** A host error as the script may see it; what it may not see stayed in the server (`reported`). */
export interface WireHostError {
  name: string;
  message: string;
  status?: number;
  errors?: { field: string; message: string }[];
  limit?: LimitName;
  max?: number;
  /** The server logged the real error already; the script sees only that the host failed. */
  reported?: boolean;
}

export type ToSandbox =
  | {
      t: 'invoke';
      id: number;
      owner: SandboxOwner;
      /** `code` is left out once this process has been sent the script; it answers `need` if it forgot it. */
      script: { hash: string; code?: string; sourceMap?: string | undefined };
      inputText: string;
      limits?: Partial<ScriptLimits> | undefined;
      user: ScriptUser;
      timeZone: string;
      http: boolean;
    }
  | { t: 'reply'; call: number; valueText?: string; error?: WireHostError };

export type FromSandbox =
  | { t: 'ready'; pid: number }
  | { t: 'need'; id: number }
  | { t: 'limit'; id: number; limit: LimitName }
  | { t: 'done'; id: number; report: InvocationReport }
  | { t: 'host'; id: number; call: number; op: HostOp; args: unknown[] }
  | { t: 'catastrophe'; message: string };

export type SandboxProcessOptions = Omit<SandboxOptions, 'onHostError'>;
export type { ScriptCode };
