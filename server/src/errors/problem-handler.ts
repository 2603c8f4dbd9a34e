import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { isConnectionLost } from '../db/connection-lost.ts';
import { preferredLocale } from '../auth/auth-routes.ts';
import { urlForLog } from '../http/log-redaction.ts';
import { localeOf } from '../metadata/words.ts';
import { problemTitle, translateProblemText } from './problem-language.ts';
import { isWriteConflict, PROBLEM_BASE, ProblemError, writeConflict, type FieldProblem } from './problems.ts';

/** The longest part of a path between slashes the router takes (Fastify's `maxParamLength`): ids and names are far shorter. */
export const MAX_PATH_PART = 500;

/**
 * Maps every error leaving a route to application/problem+json, in the request's language
 * (problem-language.ts). An unknown error becomes a 500
 * with no detail, logged to stderr with its request id whatever the log setting; every response
 * carries that id in `x-request-id` and every problem in `requestId`.
 */
export function registerProblemHandler(app: FastifyInstance): void {
  // Callback hooks here and in security-headers.ts and normalize-input.ts: an async hook costs
  // every request a promise and a turn of the microtask queue for work that never waits.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  app.setErrorHandler(answerError);
  const apiPaths = apiPathsOf(app);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = apiPaths.methodsOf(path);
    if (allowed.length) {
      // The path exists, not with this method (RFC 9110 §15.5.6): 405, and the methods it takes.
      const locale = localeOfRequest(request);
      void reply.status(405).header('allow', allowed.join(', ')).type('application/problem+json').send({
        type: PROBLEM_BASE + 'method-not-allowed',
        title: problemTitle('method-not-allowed', locale),
        status: 405,
        detail: translateProblemText(`${request.method} is not a method of ${path}, which takes ${allowed.join(', ')}`, locale),
        requestId: request.id,
      });
      return;
    }
    void reply.status(404).type('application/problem+json').send({
      type: PROBLEM_BASE + 'not-found',
      title: problemTitle('not-found', localeOfRequest(request)),
      status: 404,
      detail: translateProblemText(`No route ${request.method} ${request.url.split('?')[0]}`, localeOfRequest(request)),
      requestId: request.id,
    });
  });
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * The API's routes by path, kept beside Fastify's router, which answers only "no route" for a
 * path that exists under other methods. The studio's catch-all page route is left out, so an
 * unknown API path stays a 404.
 */
function apiPathsOf(app: FastifyInstance): { methodsOf(path: string): string[] } {
  const router = FindMyWay({ maxParamLength: MAX_PATH_PART });
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    for (const method of [route.method].flat()) {
      if (!router.hasRoute(method as HTTPMethod, route.url)) router.on(method as HTTPMethod, route.url, () => undefined);
    }
  });
  return {
    methodsOf: (path) => (path.startsWith('/api/') ? METHODS.filter((method) => router.find(method, path) !== null) : []),
  };
}

/**
 * The problem answer to an error: from a route or a hook, or from the router itself
 * (`frameworkErrors`: a path that does not decode, a path parameter over the router's limit).
 */
export function answerError(error: FastifyError | ProblemError, request: FastifyRequest, reply: FastifyReply): void {
  const clientFault = clientFaultOfDatabase(error);
  const problem = clientFault ?? toProblem(error, request);
  if (problem.status >= 500) logError('error', 'unhandled error', request, error);
  // A safety net, not a fix: the input should have been refused before reaching SQL.
  else if (clientFault) logError('warn', 'database refused a value that input validation let through', request, error);
  const locale = localeOfRequest(request);
  const body: Record<string, unknown> = {
    type: PROBLEM_BASE + problem.type,
    title: problemTitle(problem.type, locale),
    status: problem.status,
    detail: translateProblemText(problem.message, locale),
    ...(problem.errors ? { errors: problem.errors.map((e) => ({ ...e, message: translateProblemText(e.message, locale) })) } : {}),
    ...problem.extra,
    requestId: request.id,
  };
  if (problem.type === 'unavailable') void reply.header('retry-after', '1');
  // Errors of the router come before any hook, so before the one that sets this header.
  void reply.header('x-request-id', request.id).status(problem.status).type('application/problem+json').send(body);
}

/** The language of a problem (and of any stored error a route answers): the request's (Accept-Language), then the signed-in user's setting. */
export function localeOfRequest(request: FastifyRequest) {
  return localeOf(preferredLocale(request.headers['accept-language']) ?? (request as { principal?: { locale?: string } | null }).principal?.locale);
}

/**
 * Postgres errors that mean "this value cannot be stored or compared" (bad text representation,
 * numeric or datetime out of range, NUL or invalid Unicode, an oversized index row): the
 * client's fault, answered 400 without the database's words.
 */
const clientFaultStates: Record<string, string> = {
  '22P02': 'a value has the wrong form for its field',
  '22003': 'a number is out of range',
  '22007': 'a date or time is not valid',
  '22008': 'a date or time is out of range',
  '22021': 'a text holds a character that cannot be stored',
  '22P05': 'a text holds a character that cannot be stored',
  '54000': 'a value is too large to store or index',
};

export function clientFaultOfDatabase(error: unknown): ProblemError | undefined {
  if (error instanceof ProblemError || !error || typeof error !== 'object') return undefined;
  const state = (error as { code?: unknown }).code;
  const reason = typeof state === 'string' ? clientFaultStates[state] : undefined;
  return reason ? new ProblemError('validation', 400, `The request holds a value that cannot be stored: ${reason}`, [{ field: '', code: 'unstorable', message: reason }]) : undefined;
}

/** One JSON line on stderr, always on: request id, method, path (never the query; an invitation token in it redacted) and stack. */
export function logError(level: 'error' | 'warn', message: string, request: FastifyRequest, error: unknown): void {
  const err = error instanceof Error ? { name: error.name, message: error.message, code: (error as { code?: unknown }).code, stack: error.stack } : { message: String(error) };
  process.stderr.write(
    JSON.stringify({ level, time: new Date().toISOString(), msg: message, requestId: request.id, method: request.method, path: urlForLog(request.url.split('?')[0]!), err }) + '\n',
  );
}

/**
 * Whether the client went away before its request had arrived (a body cut off by a closed or
 * reset connection): its doing, not a bug; nobody is left to read the answer.
 */
function clientWentAway(error: { code?: unknown }, request: FastifyRequest): boolean {
  // A connection to the database reset under a live request is not this: its socket is still open.
  return (error.code === 'ECONNRESET' || error.code === 'ECONNABORTED') && request.raw.socket.destroyed;
}

function toProblem(error: FastifyError | ProblemError, request: FastifyRequest): ProblemError {
  if (error instanceof ProblemError) return error;
  const code = error.code;
  if (clientWentAway(error, request)) return new ProblemError('validation', 400, 'The connection closed before the request had arrived');
  if (code === 'FST_ERR_BAD_URL') {
    return new ProblemError('validation', 400, 'The path is not valid', [{ field: 'path', code: 'encoding', message: 'holds a percent-escape that is not UTF-8 text' }]);
  }
  if (code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return new ProblemError('validation', 414, 'The path is not valid', [{ field: 'path', code: 'maxLength', message: `has a part longer than ${MAX_PATH_PART} characters` }]);
  }
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ProblemError('payload-too-large', 413, 'The request body is larger than the limit');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ProblemError('unsupported-media-type', 415, 'Send JSON with Content-Type: application/json');
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new ProblemError('validation', 400, 'The request body is empty', [{ field: '', code: 'required', message: 'a JSON body is required' }]);
  if (error instanceof SyntaxError || code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new ProblemError('validation', 400, 'The request body is not valid JSON', [{ field: '', code: 'json', message: error.message }]);
  }
  if (error.validation) {
    const errors: FieldProblem[] = error.validation.map((v) => ({
      field: fieldOf(v.instancePath, v.params),
      code: v.keyword,
      message: v.message ?? 'is invalid',
    }));
    return new ProblemError('validation', 400, `The request ${error.validationContext ?? 'input'} is invalid`, errors);
  }
  // Two transactions that met head-on (the save pipeline runs its own again before it comes to this).
  if (isWriteConflict(error)) return writeConflict();
  // The database restarting or out of reach is not a bug of the request: 503, worth a retry.
  if (isConnectionLost(error)) return new ProblemError('unavailable', 503, 'The database is unavailable for the moment; retry shortly');
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return new ProblemError(status === 413 ? 'payload-too-large' : 'validation', status, error.message);
  return new ProblemError('internal', 500, 'Something went wrong on our side; the error was logged');
}

function fieldOf(instancePath: string, params: Record<string, unknown>): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  const missing = typeof params['missingProperty'] === 'string' ? params['missingProperty'] : undefined;
  const extra = typeof params['additionalProperty'] === 'string' ? params['additionalProperty'] : undefined;
  const leaf = missing ?? extra;
  return leaf ? (path ? `${path}.${leaf}` : leaf) : path;
}
