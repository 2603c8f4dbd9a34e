import type { FastifyError, FastifyInstance } from 'fastify';
import { PROBLEM_BASE, ProblemError, type FieldProblem, type ProblemType } from './problems.ts';

const TITLES: Record<ProblemType, string> = {
  validation: 'Validation failed',
  'not-found': 'Not found',
  conflict: 'Conflict',
  'precondition-failed': 'Precondition failed',
  forbidden: 'Forbidden',
  unauthorized: 'Unauthorized',
  'payload-too-large': 'Payload too large',
  'limit-exceeded': 'Limit exceeded',
  'unsupported-media-type': 'Unsupported media type',
  internal: 'Internal error',
};

/** Maps every error leaving a route to application/problem+json; unknown errors become a logged 500 with no detail. */
export function registerProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ProblemError, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'unhandled error');
    const body: Record<string, unknown> = {
      type: PROBLEM_BASE + problem.type,
      title: TITLES[problem.type],
      status: problem.status,
      detail: problem.message,
      ...(problem.errors ? { errors: problem.errors } : {}),
      ...problem.extra,
    };
    void reply.status(problem.status).type('application/problem+json').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).type('application/problem+json').send({
      type: PROBLEM_BASE + 'not-found',
      title: TITLES['not-found'],
      status: 404,
      detail: `No route ${request.method} ${request.url.split('?')[0]}`,
    });
  });
}

function toProblem(error: FastifyError | ProblemError): ProblemError {
  if (error instanceof ProblemError) return error;
  const code = error.code;
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
