import { createHash } from 'node:crypto';
import {
  execute,
  getOperationAST,
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
} from './graphql-js.ts';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { BoundedCache } from '@protean/metadata';
import type { DataService } from '../data/data-service.ts';
import type { RequestContext } from '../data/request-context.ts';
import type { TenantModel } from '../data/tenant-model.ts';
import { ProblemError } from '../errors/problems.ts';
import { buildSchema, LIST_LIMIT, NESTED_LIMIT } from './build-schema.ts';
import type { ChangeHub } from './change-hub.ts';
import type { GraphQLContext } from './graphql-context.ts';
import { RecordLoaders } from './record-loaders.ts';
import { describeModel, descriptorKey, type SchemaAccess } from './schema-descriptor.ts';
import { clientFaultOfDatabase } from '../errors/problem-handler.ts';

/** Limits every operation is held to; a breach is refused before anything runs, with the limit named. */
export const graphqlLimits = {
  /** Fields nested in one another, the root field included (a connection's edges and nodes do not count). */
  maxDepth: 8,
  /** Records an operation may ask for at most: each list multiplies what it selects by its page size. */
  maxCost: 20_000,
  maxQueryLength: 50_000,
  /** Documents parsed and validated once per schema, by their text. */
  documentsPerSchema: 500,
  persistedQueries: 5_000,
  /** Schemas remembered per model, by locale and access shape (identical shapes still share one schema). */
  schemasPerModel: 200,
} as const;

export interface TenantSchema {
  schema: GraphQLSchema;
  /** The content address: tenants with equal models and words have the same key and share the schema. */
  key: string;
  documents: BoundedCache<string, DocumentNode | readonly GraphQLError[]>;
  /** Operations compiled to functions (graphql-jit), by operation name and text; null when jit cannot take one. */
  compiled: BoundedCache<string, CompiledQuery | null>;
}

export interface GraphQLRequest {
  query?: string | undefined;
  variables?: Record<string, unknown> | undefined;
  operationName?: string | undefined;
  extensions?: { persistedQuery?: { version?: number; sha256Hash?: string } } | undefined;
}

export interface GraphQLResponse {
  status: number;
  body: { data?: unknown; errors?: readonly GraphQLFormattedError[] };
}

/**
 * Per-tenant GraphQL over graphql-js (ADR 0016). A tenant's schema is built from its model at
 * the request's revision and memoised on that model, so it lives and dies with the model cache
 * (bounded, and refreshed by the revision NOTIFY on every process). Schemas are content
 * addressed: tenants whose descriptors are equal share one schema and one document cache.
 */
export class GraphQLService {
  readonly #data: DataService;
  readonly #changes: ChangeHub;
  readonly #shared = new Map<string, WeakRef<TenantSchema>>();
  readonly #collect = new FinalizationRegistry<string>((key) => {
    if (!this.#shared.get(key)?.deref()) this.#shared.delete(key);
  });
  /**
   * Automatic persisted queries: text by tenant and SHA-256. Shared by every tenant, a hash that
   * answered told one tenant that another had sent that exact text (a guessed query naming a
   * customer, say).
   */
  readonly #persisted = new BoundedCache<string, string>(graphqlLimits.persistedQueries);
  /** Schemas built (not found shared) since start: what the cache saves shows here. */
  built = 0;

  constructor(data: DataService, changes: ChangeHub) {
    this.#data = data;
    this.#changes = changes;
  }

  /**
   * The schema of what `access` may read and change: its descriptor leaves out objects and fields
   * it cannot read, so equal access shapes share one schema. Memoised per (locale, access key) in a
   * bounded cache on the model: the key names the principal, and a tenant has many.
   */
  schemaFor(model: TenantModel, locale: string | undefined, access: SchemaAccess & { key: string }): TenantSchema {
    const words = model.words(locale);
    const schemas = model.memo('graphql', () => new BoundedCache<string, TenantSchema>(graphqlLimits.schemasPerModel));
    const memoKey = `${words.locale}\n${access.key}`;
    const memoised = schemas.get(memoKey);
    if (memoised) return memoised;
    const descriptor = describeModel(model, words, access);
    const key = descriptorKey(descriptor);
    let schema = this.#shared.get(key)?.deref();
    if (!schema) {
      schema = { schema: buildSchema(descriptor), key, documents: new BoundedCache(graphqlLimits.documentsPerSchema), compiled: new BoundedCache(graphqlLimits.documentsPerSchema) };
      this.built += 1;
      this.#shared.set(key, new WeakRef(schema));
      this.#collect.register(schema, key);
    }
    schemas.set(memoKey, schema);
    return schema;
  }

  /** The schema for the principal of a request, with its access shape. */
  async schemaOf(ctx: RequestContext): Promise<TenantSchema> {
    return this.schemaFor(ctx.model, ctx.principal.locale, await this.#data.access.shapeOf(ctx.principal));
  }

  contextFor(ctx: RequestContext): GraphQLContext {
    return { ctx, data: this.#data, loaders: new RecordLoaders(ctx, this.#data), changes: this.#changes };
  }

  /** Resolves a persisted query's text, or the error that tells the client to send it. */
  queryText(tenantId: string, request: GraphQLRequest): string | GraphQLError {
    const hash = request.extensions?.persistedQuery?.sha256Hash;
    const key = `${tenantId}:${hash}`;
    if (hash === undefined) return request.query ?? new GraphQLError('Send a query', { extensions: { code: 'BAD_REQUEST' } });
    if (request.query !== undefined) {
      if (createHash('sha256').update(request.query).digest('hex') !== hash) return new GraphQLError('The query does not match its sha256Hash', { extensions: { code: 'PERSISTED_QUERY_HASH_MISMATCH' } });
      this.#persisted.set(key, request.query);
      return request.query;
    }
    return this.#persisted.get(key) ?? new GraphQLError('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
  }

  /** Parses and validates once per (schema, text); depth is part of validation. */
  document(tenantSchema: TenantSchema, source: string): DocumentNode | readonly GraphQLError[] {
    const cached = tenantSchema.documents.get(source);
    if (cached) return cached;
    let result: DocumentNode | readonly GraphQLError[];
    if (source.length > graphqlLimits.maxQueryLength) {
      result = [limitError(`The query is ${source.length} characters long; the limit is ${graphqlLimits.maxQueryLength}`, 'QUERY_TOO_LONG')];
    } else {
      try {
        const document = parse(source, { maxTokens: 10_000 });
        const errors = validate(tenantSchema.schema, document, [...specifiedRules, depthLimit(graphqlLimits.maxDepth)]);
        result = errors.length ? errors : document;
      } catch (error) {
        result = [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
      }
    }
    tenantSchema.documents.set(source, result);
    return result;
  }

  /** Everything before execution that depends on who asks and with which variables. */
  async admit(tenantSchema: TenantSchema, document: DocumentNode, ctx: RequestContext, variables: Record<string, unknown> | undefined, operationName: string | undefined): Promise<readonly GraphQLError[]> {
    // Browsing the schema is for whoever designs the model (the Setup right 'model', ADR 0012), not a profile's name.
    if (!(await this.#data.access.shapeOf(ctx.principal)).setup('model')) {
      const errors = validate(tenantSchema.schema, document, [NoSchemaIntrospectionCustomRule]);
      if (errors.length) return errors.map((e) => new GraphQLError(`${e.message} Introspection is for admins (the Setup right 'model').`, { nodes: e.nodes, extensions: { code: 'FORBIDDEN' } }));
    }
    const operation = getOperationAST(document, operationName);
    if (!operation) return [new GraphQLError(operationName ? `No operation named '${operationName}'` : 'Name the operation to run (operationName)', { extensions: { code: 'BAD_REQUEST' } })];
    const cost = operationCost(document, operation, variables ?? {});
    if (cost > graphqlLimits.maxCost) {
      return [limitError(`This query may read ${cost} records; the limit is ${graphqlLimits.maxCost}. Ask for fewer records per list (first) or nest fewer lists.`, 'COST_LIMIT', { cost, limit: graphqlLimits.maxCost })];
    }
    return [];
  }

  /**
   * The operation compiled once per (schema, text) to a function: graphql-js interprets the
   * document for every record of every list, which cost a list of 50 records about 1.5 ms of CPU;
   * the compiled form runs the same resolvers without that walk. Null when jit refuses one.
   */
  #compiled(tenantSchema: TenantSchema, document: DocumentNode, source: string, operationName: string | undefined): CompiledQuery | null {
    const key = `${operationName ?? ''}\n${source}`;
    let compiled = tenantSchema.compiled.get(key);
    if (compiled === undefined) {
      const result = compileQuery(tenantSchema.schema, document, operationName);
      compiled = isCompiledQuery(result) ? result : null;
      tenantSchema.compiled.set(key, compiled);
    }
    return compiled;
  }

  /** One query or mutation over HTTP. */
  async run(model: TenantModel, ctx: RequestContext, request: GraphQLRequest, method: 'GET' | 'POST'): Promise<GraphQLResponse> {
    const source = this.queryText(ctx.principal.tenantId, request);
    if (source instanceof GraphQLError) return { status: source.extensions['code'] === 'PERSISTED_QUERY_NOT_FOUND' ? 200 : 400, body: { errors: [source.toJSON()] } };
    const tenantSchema = await this.schemaOf({ ...ctx, model });
    const document = this.document(tenantSchema, source);
    if (!('kind' in document)) return { status: 400, body: { errors: document.map((e) => e.toJSON()) } };
    const refused = await this.admit(tenantSchema, document, ctx, request.variables, request.operationName);
    if (refused.length) return { status: refused[0]!.extensions['code'] === 'FORBIDDEN' ? 403 : 400, body: { errors: refused.map((e) => e.toJSON()) } };
    const operation = getOperationAST(document, request.operationName)!;
    if (method === 'GET' && operation.operation !== 'query') return { status: 405, body: { errors: [new GraphQLError('Mutations are sent with POST', { extensions: { code: 'METHOD_NOT_ALLOWED' } }).toJSON()] } };
    if (operation.operation === 'subscription') return { status: 400, body: { errors: [new GraphQLError('Subscriptions run over WebSocket (graphql-transport-ws) at the same path', { extensions: { code: 'BAD_REQUEST' } }).toJSON()] } };
    const compiled = this.#compiled(tenantSchema, document, source, request.operationName);
    const result = compiled
      ? await compiled.query(undefined, this.contextFor(ctx), request.variables ?? null)
      : ((await execute({
          schema: tenantSchema.schema,
          document,
          contextValue: this.contextFor(ctx),
          variableValues: request.variables ?? null,
          operationName: request.operationName ?? null,
        })) as ExecutionResult);
    return { status: result.data === undefined || result.data === null ? 400 : 200, body: formatResult(result) };
  }
}

const limitError = (message: string, code: string, extra: Record<string, unknown> = {}) => new GraphQLError(message, { extensions: { code, ...extra } });

/** Errors of the data service carry their problem: type, status and the fields at fault, as in REST. */
export function formatError(error: GraphQLError): GraphQLFormattedError {
  // A value Postgres refused that validation let through is still the client's, as in REST.
  const original = clientFaultOfDatabase(error.originalError) ?? error.originalError;
  if (original instanceof ProblemError) {
    return {
      ...error.toJSON(),
      extensions: { code: original.type.toUpperCase().replace(/-/g, '_'), status: original.status, ...(original.errors ? { errors: original.errors } : {}), ...(original.extra ?? {}) },
    };
  }
  if (original && !(original instanceof GraphQLError) && !(original instanceof TypeError)) {
    // Not ours to explain: the client gets no internals.
    console.error('graphql resolver failed', original);
    return { message: 'Internal error', ...(error.path ? { path: error.path } : {}), extensions: { code: 'INTERNAL' } };
  }
  return error.toJSON();
}

export function formatResult(result: ExecutionResult): { data?: unknown; errors?: GraphQLFormattedError[] } {
  return { ...(result.data === undefined ? {} : { data: result.data }), ...(result.errors?.length ? { errors: result.errors.map(formatError) } : {}) };
}

function depthLimit(max: number): ValidationRule {
  return (context) => {
    const fragments = new Map(context.getDocument().definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0;
      let deepest = 0;
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD) {
          if (s.name.value.startsWith('__')) continue;
          deepest = Math.max(deepest, (CONNECTION_PARTS.has(s.name.value) ? 0 : 1) + depthOf(s.selectionSet, seen));
        } else if (s.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depthOf(s.selectionSet, seen));
        else if (!seen.has(s.name.value)) deepest = Math.max(deepest, depthOf(fragments.get(s.name.value)?.selectionSet, new Set([...seen, s.name.value])));
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        // A connection's edges, node and nodes are not levels of their own.
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > max) context.reportError(limitError(`The query is nested ${depth} fields deep; the limit is ${max}`, 'DEPTH_LIMIT', { depth, limit: max }));
      },
    };
  };
}

/**
 * An upper bound of the records an operation reads: every field that returns a list multiplies
 * what is selected under it by its page size (`first`, or the default), every record field costs 1.
 */
export function operationCost(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): number {
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const firstOf = (args: readonly { name: { value: string }; value: import('./graphql-js.ts').ValueNode }[] | undefined, fallback: number, max: number): number => {
    const arg = args?.find((a) => a.name.value === 'first' || a.name.value === 'operations');
    if (!arg) return fallback;
    const value = arg.value.kind === Kind.INT ? Number(arg.value.value) : arg.value.kind === Kind.VARIABLE ? variables[arg.value.name.value] : arg.value.kind === Kind.LIST ? arg.value.values.length : undefined;
    if (Array.isArray(value)) return value.length;
    return typeof value === 'number' ? Math.min(Math.max(value, 1), max) : fallback;
  };
  const walk = (set: SelectionSetNode | undefined, multiplier: number, root: boolean, seen: Set<string>): number => {
    if (!set) return 0;
    let cost = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.INLINE_FRAGMENT) cost += walk(s.selectionSet, multiplier, root, seen);
      else if (s.kind === Kind.FRAGMENT_SPREAD) {
        if (!seen.has(s.name.value)) cost += walk(fragments.get(s.name.value)?.selectionSet, multiplier, root, new Set([...seen, s.name.value]));
      } else if (s.selectionSet && !s.name.value.startsWith('__')) {
        const isList = s.arguments?.some((a) => a.name.value === 'first') || (root && s.name.value.endsWith('List')) || (!root && hasConnectionShape(s.selectionSet));
        const n = isList ? firstOf(s.arguments, root ? LIST_LIMIT.default : NESTED_LIMIT.default, root ? LIST_LIMIT.max : NESTED_LIMIT.max) : 1;
        const wrapper = CONNECTION_PARTS.has(s.name.value) && !isList;
        cost += (wrapper ? 0 : multiplier * n) + walk(s.selectionSet, multiplier * n, false, seen);
      }
    }
    return cost;
  };
  return walk(operation.selectionSet, 1, true, new Set());
}

/** Parts of a connection: the records they hold are counted by the list field above them. */
const CONNECTION_PARTS: ReadonlySet<string> = new Set(['edges', 'node', 'nodes', 'pageInfo']);

/** edges/nodes/pageInfo under a field: a connection, counted at its page size. */
const hasConnectionShape = (set: SelectionSetNode) => set.selections.some((s) => s.kind === Kind.FIELD && (s.name.value === 'edges' || s.name.value === 'nodes'));
