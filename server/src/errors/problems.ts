/** The one family of errors the server raises; `problem-handler.ts` maps them to application/problem+json. */
export interface FieldProblem {
  field: string;
  code: string;
  message: string;
  index?: number;
  [extra: string]: unknown;
}

export type ProblemType =
  | 'validation'
  | 'not-found'
  | 'method-not-allowed'
  | 'conflict'
  | 'precondition-failed'
  | 'forbidden'
  | 'unauthorized'
  | 'payload-too-large'
  | 'limit-exceeded'
  | 'unsupported-media-type'
  | 'unavailable'
  | 'internal';

export class ProblemError extends Error {
  readonly type: ProblemType;
  readonly status: number;
  readonly errors: readonly FieldProblem[] | undefined;
  readonly extra: Record<string, unknown> | undefined;

  constructor(type: ProblemType, status: number, message: string, errors?: readonly FieldProblem[], extra?: Record<string, unknown>) {
    super(message);
    this.type = type;
    this.status = status;
    this.errors = errors;
    this.extra = extra;
  }
}

export const validationError = (message: string, errors: readonly FieldProblem[], status = 422, extra?: Record<string, unknown>) =>
  new ProblemError('validation', status, message, errors, extra);
export const notFound = (message: string) => new ProblemError('not-found', 404, message);
export const conflict = (message: string, errors?: readonly FieldProblem[], extra?: Record<string, unknown>) => new ProblemError('conflict', 409, message, errors, extra);
/** Postgres' aborts of a transaction that met another head-on: a deadlock, a serialization failure. Nothing of it was written. */
export const isWriteConflict = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
};
export const writeConflict = () => conflict('Other requests were changing the same records at the same time; nothing was saved, retry');
export const preconditionFailed = (message: string, extra?: Record<string, unknown>) => new ProblemError('precondition-failed', 412, message, undefined, extra);
export const forbidden = (message: string) => new ProblemError('forbidden', 403, message);
export const unauthorized = (message: string) => new ProblemError('unauthorized', 401, message);
export const limitExceeded = (message: string, status = 400) => new ProblemError('limit-exceeded', status, message);

export const PROBLEM_BASE = 'https://protean.dev/problems/';
