import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import { Type, type Static } from '@sinclair/typebox';
import { execute, GraphQLError, subscribe, type ExecutionArgs } from './graphql-js.ts';
import { CloseCode, handleProtocols, makeServer } from 'graphql-ws';
import type { AuthService, Credentials } from '../auth/auth-service.ts';
import { principalOf, type Principal } from '../auth/principal.ts';
import { bearerToken } from '../auth/bearer.ts';
import { socketFromAnotherOrigin } from '../auth/csrf.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import { formatError, type GraphQLRequest, type GraphQLService } from './graphql-service.ts';
import { logError } from '../errors/problem-handler.ts';
import { rateCallerOf, rateRefusal, type RateLimiter } from '../access/rate-limit.ts';
import { ProblemError } from '../errors/problems.ts';
import { parseJsonInput } from '../http/normalize-input.ts';

const Body = Type.Object(
  {
    query: Type.Optional(Type.String()),
    variables: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
    operationName: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    extensions: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
const Query = Type.Object(
  {
    query: Type.Optional(Type.String({ maxLength: 50_000 })),
    variables: Type.Optional(Type.String({ maxLength: 100_000 })),
    operationName: Type.Optional(Type.String({ maxLength: 200 })),
    extensions: Type.Optional(Type.String({ maxLength: 2_000 })),
  },
  { additionalProperties: false },
);

function parseJsonParam(name: string, text: string | undefined): Record<string, unknown> | undefined | GraphQLError {
  if (text === undefined || text === '') return undefined;
  try {
    const value: unknown = parseJsonInput(text);
    if (value === null) return undefined;
    if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (error) {
    // Not JSON is answered below; a refused key or value as the body's would be.
    if (error instanceof ProblemError) return new GraphQLError(`'${name}': ${error.errors?.[0]?.message ?? error.message}`, { extensions: { code: 'BAD_REQUEST' } });
  }
  return new GraphQLError(`'${name}' must be a JSON object`, { extensions: { code: 'BAD_REQUEST' } });
}

/**
 * Operations one socket may hold at once. Each subscription reads every change of its object as
 * its principal: 1,500 on one socket turned three creates into 4,500 reads, and slowed other
 * workspaces' requests to seconds.
 */
export const MAX_OPERATIONS_PER_SOCKET = 100;

interface SocketExtra {
  request: FastifyRequest;
  principal: Principal | null;
  /** The ids of the operations running on the socket. */
  operations?: Set<string>;
  /** Closes the socket with a close code of the protocol. */
  close: (code: number, reason: string) => void;
  /** Lets go of the socket's hold on its credential (AuthService.hold), once it is closed. */
  release?: () => void;
}

/**
 * `/graphql`: queries and mutations over HTTP (POST, or GET for queries), subscriptions over
 * WebSocket (graphql-transport-ws) at the same path. The schema is the tenant's, at the revision
 * of the request (ADR 0016).
 */
export async function graphqlRoutes(app: FastifyInstance, options: { metadata: MetadataService; graphql: GraphQLService; auth: AuthService; limiter: RateLimiter }): Promise<void> {
  const { metadata, graphql, auth, limiter } = options;
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024, handleProtocols: (protocols: Set<string>) => handleProtocols(protocols) }, errorHandler: onSocketError });

  const context = async (principal: Principal) => {
    const model = await metadata.model(principal.tenantId);
    return { model, ctx: { principal, model } };
  };
  /** Runs a request; one the schema refused runs again if the model moved on meanwhile (a field added through another process). */
  const runFresh = async (principal: Principal, request: GraphQLRequest, method: 'GET' | 'POST') => {
    const { model, ctx } = await context(principal);
    const result = await graphql.run(model, ctx, request, method);
    if (result.status !== 400 || !(await metadata.newerThan(principal.tenantId, model.revision))) return result;
    const fresh = await context(principal);
    return graphql.run(fresh.model, fresh.ctx, request, method);
  };

  const sockets = makeServer<Record<string, unknown> | undefined, SocketExtra>({
    connectionInitWaitTimeout: 10_000,
    // The graphql-js that built the schema runs it (a bundler may give graphql-ws another copy).
    execute: (args) => execute(args),
    subscribe: (args) => subscribe(args),
    // A browser sends its session cookie with the upgrade; other clients may send an API key in connection_init.
    // The socket lives as long as that credential: ending the session or revoking the key closes it.
    onConnect: async (socket) => {
      let credentials: Credentials | null = socket.extra.request.credentials;
      if (!socket.extra.principal) {
        const bearer = bearerToken(socket.connectionParams?.['authorization']);
        credentials = { bearer, cookie: undefined };
        socket.extra.principal = bearer ? await auth.authenticate(credentials) : null;
      }
      if (!socket.extra.principal || !credentials) return false;
      socket.extra.release ??= auth.hold(credentials, socket.extra.principal, (reason) => socket.extra.close(CloseCode.Forbidden, reason));
      return true;
    },
    onSubscribe: async (socket, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
      const principal = socket.extra.principal!;
      // Each operation is a request, drawn from the buckets HTTP requests draw from (ADR 0016).
      const verdict = await limiter.take(principal.tenantId, rateCallerOf(principal));
      if (!verdict.ok) return [new GraphQLError(rateRefusal(verdict.scope), { extensions: { code: 'RATE_LIMITED', retryAfter: verdict.retryAfter } })];
      const operations = (socket.extra.operations ??= new Set());
      if (operations.size >= MAX_OPERATIONS_PER_SOCKET) {
        return [new GraphQLError(`A socket runs at most ${MAX_OPERATIONS_PER_SOCKET} operations at once; complete one first`, { extensions: { code: 'LIMIT_EXCEEDED', limit: MAX_OPERATIONS_PER_SOCKET } })];
      }
      operations.add(id);
      const { model, ctx } = await context(principal);
      const tenantSchema = await graphql.schemaOf(ctx);
      const document = graphql.document(tenantSchema, payload.query);
      if (!('kind' in document)) return document;
      const refused = await graphql.admit(tenantSchema, document, ctx, payload.variables ?? undefined, payload.operationName ?? undefined);
      if (refused.length) return refused;
      return { schema: tenantSchema.schema, document, contextValue: graphql.contextFor(ctx), variableValues: payload.variables ?? null, operationName: payload.operationName ?? null };
    },
    onComplete: (socket, id) => void socket.extra.operations?.delete(id),
    onError: (socket, id, _payload, errors) => {
      socket.extra.operations?.delete(id);
      return errors.map(formatError);
    },
    onNext: (_socket, _id, _payload, _args, result) => ('errors' in result && result.errors ? { ...result, errors: result.errors.map((e) => formatError(e as GraphQLError)) } : result),
  });

  app.route({
    method: 'GET',
    url: '/graphql',
    schema: { querystring: Query },
    handler: async (request, reply) => {
      const query = request.query as Static<typeof Query>;
      const variables = parseJsonParam('variables', query.variables);
      const extensions = parseJsonParam('extensions', query.extensions);
      const bad = [variables, extensions].find((v) => v instanceof GraphQLError);
      if (bad) return reply.status(400).send({ errors: [bad.toJSON()] });
      const result = await runFresh(principalOf(request), { query: query.query, variables: variables as Record<string, unknown> | undefined, operationName: query.operationName, extensions: extensions as never }, 'GET');
      return reply.status(result.status).send(result.body);
    },
    wsHandler: (socket, request) => {
      // A cookie-authenticated socket must come from this site: WebSockets are not bound by CORS.
      // The one same-origin rule of cookie writes: an opaque origin ('null', a sandboxed frame) is another site, not an error.
      if (request.principal?.via === 'session' && socketFromAnotherOrigin(request)) {
        socket.close(CloseCode.Forbidden, 'Cross-site WebSocket refused');
        return;
      }
      const close = (code: number, reason: string) => socket.close(code, reason);
      const extra: SocketExtra = { request, principal: request.principal, close };
      const closed = sockets.opened(
        {
          protocol: socket.protocol,
          // A change read while the socket was closing (its session ended, the client left) has no one to go to: not an error.
          send: (data) =>
            socket.readyState === socket.OPEN ? new Promise<void>((resolve, reject) => socket.send(data, (error?: Error) => (error ? reject(error) : resolve()))) : Promise.resolve(),
          close,
          onMessage: (handle) =>
            socket.on('message', (message: Buffer) => {
              handle(message.toString()).catch((error: unknown) => {
                request.log.error({ err: error }, 'graphql websocket message failed');
                socket.close(CloseCode.InternalServerError, 'Internal error');
              });
            }),
        },
        extra,
      );
      socket.once('close', (code: number, reason: Buffer) => {
        extra.release?.();
        // A connection_init still being authenticated finds the socket let go of and holds nothing.
        extra.release = () => undefined;
        void closed(code, reason.toString());
      });
    },
  });

  app.post('/graphql', { schema: { body: Body } }, async (request, reply) => {
    const body = request.body as Static<typeof Body>;
    const result = await runFresh(principalOf(request), { query: body.query, variables: body.variables ?? undefined, operationName: body.operationName ?? undefined, extensions: body.extensions as never }, 'POST');
    return reply.status(result.status).send(result.body);
  });
}

/**
 * An error on a subscription's socket. A frame the protocol refuses (over `maxPayload`, a bad
 * opcode: `ws` has closed the connection with the code that says so) or a connection the client
 * dropped is the client's doing; anything else is a bug, logged with its request id whatever the
 * log setting, as a route's would be.
 */
function onSocketError(error: Error & { code?: string }, socket: { terminate(): void }, request: FastifyRequest): void {
  if (error.code?.startsWith('WS_ERR_') || error.code === 'ECONNRESET') request.log.info({ err: error }, 'a subscription socket closed on a client error');
  else logError('error', 'subscription socket error', request, error);
  socket.terminate();
}
