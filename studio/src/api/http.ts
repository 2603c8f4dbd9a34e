// The one place that speaks HTTP to the server: JSON in, JSON out, problem+json errors
// turned into ApiError so every screen handles failures the same way.

import { tracked } from './in-flight.ts';

export const API_BASE = '/api/v1';

export interface ProblemFieldError {
  field?: string;
  path?: string;
  code?: string;
  message: string;
  index?: number;
  dependents?: unknown[];
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: ProblemFieldError[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }
  /** The problem type's last segment: `validation`, `not-found`, `precondition-failed`, … */
  get kind(): string {
    return this.problem.type.split('/').pop() ?? '';
  }
}

/**
 * A `.catch` handler that answers `fallback` when the server refused with one of `statuses` (what
 * the caller can do without) and lets every other failure through to the page's error handling.
 */
export function whenRefused<T>(statuses: readonly number[], fallback: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof ApiError && statuses.includes(error.status)) return fallback;
    throw error;
  };
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ApiResponse<T> {
  data: T;
  status: number;
  etag: string | null;
}

let uiLocale = 'en';

/** The UI language, sent as Accept-Language so server messages can follow the user's switch. */
export function setRequestLocale(locale: string) {
  uiLocale = locale;
}

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** The session shell listens here so an expired session sends the user to the login page. */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

type SessionEndsListener = (endsInMs: number) => void;
const sessionEndsListeners = new Set<SessionEndsListener>();

/** When the session ends unused, by the last answer that said so, and whether its 12 hours end it then instead. */
const sessionEnd = { at: Number.POSITIVE_INFINITY, byLimit: false };

/** The session timer tells what ends the session when the server says (GET /auth/session's `endsBy`). */
export function noteSessionEndsBy(endsBy: 'idle' | 'limit'): void {
  sessionEnd.byLimit = endsBy === 'limit';
}

/** Whether the session's 12 hours end it before its idle time, as the server last said. */
export const sessionEndsByLimit = (): boolean => sessionEnd.byLimit;

/**
 * Whether a refusal as signed out is the session's idle time run out (the time the answers gave has
 * passed, with a little slack for the round trip) rather than an end from elsewhere (signed out in
 * another window, ended by an administrator, its 12 hours): whichever request meets it first.
 */
export function sessionLapsedUnused(): boolean {
  return !sessionEnd.byLimit && Date.now() >= sessionEnd.at - 2_000;
}

/** Every answer to a session's request says how long until it ends unused (X-Session-Ends-In); the session timer listens here. */
export function onSessionEndsIn(listener: SessionEndsListener): () => void {
  sessionEndsListeners.add(listener);
  return () => sessionEndsListeners.delete(listener);
}

export function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return `${API_BASE}${path}${qs ? `?${qs}` : ''}`;
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'status' in value && 'title' in value;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json', 'accept-language': uiLocale, ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const { response, text } = await tracked(async () => {
    let response: Response;
    try {
      response = await fetch(buildUrl(path, options.query), {
        method,
        headers,
        body,
        credentials: 'same-origin',
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiError({ type: 'network', title: 'Network error', status: 0, detail: String(error) });
    }
    return { response, text: await response.text() };
  });
  const endsIn = Number(response.headers.get('x-session-ends-in') ?? NaN);
  if (Number.isFinite(endsIn)) {
    sessionEnd.at = Date.now() + endsIn;
    sessionEndsListeners.forEach((l) => l(endsIn));
  }
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!response.ok) {
    const problem: Problem = isProblem(parsed)
      ? parsed
      : { type: `http-${response.status}`, title: response.statusText || 'Error', status: response.status, detail: typeof parsed === 'string' ? parsed : undefined };
    if (response.status === 401 && !path.startsWith('/auth/login')) unauthorizedListeners.forEach((l) => l());
    throw new ApiError(problem);
  }
  return { data: parsed as T, status: response.status, etag: response.headers.get('etag') };
}

export const http = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options).then((r) => r.data),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, { ...options, body }).then((r) => r.data),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PATCH', path, { ...options, body }).then((r) => r.data),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', path, { ...options, body }).then((r) => r.data),
  delete: <T>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options).then((r) => r.data),
};

/** A write's options naming the version it was made against (If-Match): the server refuses it (412) once that is no longer current. None without a version. */
export function ifMatch(version: number | undefined): RequestOptions {
  return version === undefined ? {} : { headers: { 'if-match': `"${version}"` } };
}

export function enc(segment: string): string {
  return encodeURIComponent(segment);
}
