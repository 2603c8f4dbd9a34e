export {
  runInIsolate,
  IsolateLimitError,
  DEFAULT_MEMORY_LIMIT_MB,
  DEFAULT_TIMEOUT_MS,
} from './isolate.ts';
export type { IsolateRunOptions, IsolateLimit } from './isolate.ts';
