export {
  runInIsolate,
  IsolateLimitError,
  DEFAULT_MEMORY_LIMIT_MB,
  DEFAULT_TIMEOUT_MS,
} from './isolate.ts';
export type { IsolateRunOptions, IsolateLimit } from './isolate.ts';
export { ScriptSandbox, OutboundRefused } from './sandbox/script-sandbox.ts';
export type { ScriptCode, InvokeRequest, InvocationReport, InvocationError, LogEntry, GovernorUsage, SandboxOptions } from './sandbox/script-sandbox.ts';
export { DEFAULT_LIMITS, TRANSACTION_LIMITS, limitsWith, ScriptLimitError, ScriptRuntimeError } from './sandbox/limits.ts';
export type { ScriptLimits, LimitName, GovernorLimit } from './sandbox/limits.ts';
export { ownerKey } from './sandbox/host-api.ts';
export type { ScriptHost, RecordsHost, HttpHost, RecordQuery, OutboundRequest, OutboundResponse, ScriptUser, ScriptSetting, SandboxOwner, JsonObject } from './sandbox/host-api.ts';
export { parseFromSandbox } from './sandbox/safe-json.ts';
export { SourceMapper } from './sandbox/source-map.ts';
export { compileScript } from './compile/compile-script.ts';
export type { CompileResult, CompiledScript, CompileProblem, ScriptLanguage } from './compile/compile-script.ts';
export { sdkTypes } from './sdk-types.ts';
export { createOutboundHttp, isPublicAddress, hostDeclared } from './http/outbound-http.ts';
export type { OutboundPolicy, ResolvedAddress } from './http/outbound-http.ts';
export { ProcessSandbox } from './sandbox/process-sandbox.ts';
export type { Sandbox, ProcessSandboxOptions } from './sandbox/process-sandbox.ts';
