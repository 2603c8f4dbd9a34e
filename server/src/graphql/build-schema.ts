import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLFloat,
  GraphQLID,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  valueFromASTUntyped,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigMap,
  type GraphQLInputFieldConfigMap,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type FieldNode,
  type SelectionSetNode,
} from './graphql-js.ts';
import { queryLimits, type ObjectDef } from '@protean/metadata';
import type { BatchOperation } from '../data/data-service.ts';
import { parseListRequest } from '../data/list-request.ts';
import type { ApiRecord } from '../data/record-codec.ts';
import { notFound, ProblemError, validationError } from '../errors/problems.ts';
import type { GraphQLContext } from './graphql-context.ts';
import type { RelatedPage } from './record-loaders.ts';
import type { FieldShape, ObjectShape, SchemaDescriptor } from './schema-descriptor.ts';
import { recordChanges, type RecordChange } from './record-changes.ts';
import { sharedTypes } from './shared-types.ts';
import { pascal } from './graphql-names.ts';
import { normalizeRecordInput } from '../http/normalize-input.ts';

/** A shared input type's batch operation is shared with it. */
const batchOperations = new WeakMap<GraphQLInputObjectType, GraphQLInputObjectType>();

export const LIST_LIMIT = { default: 50, max: 200 } as const;
export const NESTED_LIMIT = { default: 10, max: 100 } as const;

const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value. List filters take the REST filter language as JSON: {"field": "stage", "op": "eq", "value": "won"}.',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: (ast, variables) => finiteJson(valueFromASTUntyped(ast, variables)),
});

/** A literal past a double's range (1e400) parses to Infinity, which is no JSON value: refused as one. */
function finiteJson(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('JSON numbers are finite: a number here is beyond ±1.8e308');
  if (Array.isArray(value)) value.forEach(finiteJson);
  else if (value !== null && typeof value === 'object') Object.values(value).forEach(finiteJson);
  return value;
}
const stringScalar = (name: string, description: string, pattern: RegExp) =>
  new GraphQLScalarType({
    name,
    description,
    serialize: (v) => v,
    parseValue: (v) => {
      if (typeof v !== 'string' || !pattern.test(v)) throw new TypeError(`${name} must be a string such as ${description}`);
      return v;
    },
    parseLiteral: (ast) => {
      if (ast.kind !== Kind.STRING || !pattern.test(ast.value)) throw new TypeError(`${name} must be a string such as ${description}`);
      return ast.value;
    },
  });
const DateScalar = stringScalar('Date', '"2026-03-01" (YYYY-MM-DD)', /^\d{4}-\d{2}-\d{2}$/);
const DateTimeScalar = stringScalar('DateTime', '"2026-03-01T09:30:00Z" (ISO 8601)', /^\d{4}-\d{2}-\d{2}[Tt ]/);

const PageInfo = new GraphQLObjectType({
  name: 'PageInfo',
  description: 'Relay page information. Lists page forward: pass endCursor as `after`.',
  fields: {
    hasNextPage: { type: new GraphQLNonNull(GraphQLBoolean) },
    hasPreviousPage: { type: new GraphQLNonNull(GraphQLBoolean) },
    startCursor: { type: GraphQLString },
    endCursor: { type: GraphQLString, description: 'Null on a nested connection read in a batch: page on with the list of that object filtered by the parent.' },
  },
});
/** `T!` and `[T!]!` of a type made for one schema (typed loosely: they serve input and output types alike). */
const nonNull = (type: GraphQLOutputType | GraphQLInputType) => new GraphQLNonNull(type as never) as GraphQLNonNull<never>;
const listOf = (type: GraphQLOutputType | GraphQLInputType) => nonNull(new GraphQLList(nonNull(type)));
// Wrapped types and argument maps every object uses alike, made once: a schema of 50 objects
// would otherwise make (and graphql-js check) thousands of equal ones.
const NonNullID = new GraphQLNonNull(GraphQLID);
const NonNullInt = new GraphQLNonNull(GraphQLInt);
const NonNullBoolean = new GraphQLNonNull(GraphQLBoolean);
const NonNullString = new GraphQLNonNull(GraphQLString);
const idArgs = { id: { type: NonNullID } };
const versionArg = { type: GraphQLInt, description: 'The version you read (optimistic concurrency, like If-Match).' };
const listArgs = (limits: { default: number; max: number }) => ({
  filter: { type: JSONScalar, description: 'The REST filter language, as JSON.' },
  sort: { type: GraphQLString, description: 'As in REST: "-close_date,name".' },
  first: { type: GraphQLInt, description: `Page size (default ${limits.default}, at most ${limits.max}).` },
  after: { type: GraphQLString, description: 'The endCursor of the previous page.' },
});
const rootListArgs = listArgs(LIST_LIMIT);
const nestedListArgs = listArgs(NESTED_LIMIT);
const RecordEvent = new GraphQLEnumType({ name: 'RecordEvent', values: { created: {}, updated: {}, deleted: {}, restored: {} } });
const BatchOp = new GraphQLEnumType({ name: 'BatchOp', values: { create: {}, update: {}, upsert: {}, delete: {} } });
const NonNullBatchOp = new GraphQLNonNull(BatchOp);
const NonNullRecordEvent = new GraphQLNonNull(RecordEvent);
const NonNullDateTime = new GraphQLNonNull(DateTimeScalar);
const StringList = new GraphQLList(NonNullString);
const eventsArgs = { events: { type: new GraphQLList(NonNullRecordEvent), description: 'Only these events (default: all).' } };
const NonNullPageInfo = new GraphQLNonNull(PageInfo);
const DeletedRecord = new GraphQLObjectType({ name: 'DeletedRecord', fields: { id: { type: NonNullID }, deleted: { type: NonNullBoolean } } });

interface Connection {
  records: ApiRecord[];
  hasNextPage: boolean;
  endCursor: string | null;
  total?: number | undefined;
}

/** Whether the selection asks for `name` (fragments included): a count costs a second statement. */
function selects(info: GraphQLResolveInfo, name: string): boolean {
  const visit = (set: SelectionSetNode | undefined): boolean =>
    !!set?.selections.some((s) =>
      s.kind === Kind.FIELD ? s.name.value === name : s.kind === Kind.INLINE_FRAGMENT ? visit(s.selectionSet) : visit(info.fragments[s.name.value]?.selectionSet),
    );
  return info.fieldNodes.some((node) => visit(node.selectionSet));
}

const objectOf = (context: GraphQLContext, apiName: string): ObjectDef => {
  const object = context.ctx.model.object(apiName);
  // The schema is built from the model the request runs against, so this holds; a clear error if not.
  if (!object) throw notFound(`No object named '${apiName}'`);
  return object;
};

function pageSize(first: unknown, limits: { default: number; max: number }): number {
  if (first === undefined || first === null) return limits.default;
  if (typeof first !== 'number' || first < 1 || first > limits.max) throw validationError(`'first' must be between 1 and ${limits.max}`, [{ field: 'first', code: 'range', message: `must be between 1 and ${limits.max}` }], 400);
  return first;
}

const lookupId = (value: unknown) => (value && typeof value === 'object' ? ((value as ApiRecord)['id'] ?? null) : (value ?? null));

/** What a record joined by a list's `expand` carries: its id, name and live values, not its system columns. */
const EXPANDED_KEYS = new Set(['id', 'display_name', '__typename']);

/**
 * Lookups of the listed records whose selection a joined record answers in full (the list
 * statement then joins them, as REST's `expand` does, instead of a second read). A selection that
 * goes further (system columns, relations, the target's own lookups) is read in a batch instead.
 */
function expandable(info: GraphQLResolveInfo, object: ObjectShape, objects: ReadonlyMap<string, ObjectShape>): string[] {
  const fieldsOf = (set: SelectionSetNode | undefined): FieldNode[] =>
    (set?.selections ?? []).flatMap((s) => (s.kind === Kind.FIELD ? [s] : s.kind === Kind.INLINE_FRAGMENT ? fieldsOf(s.selectionSet) : fieldsOf(info.fragments[s.name.value]?.selectionSet)));
  const records = info.fieldNodes.flatMap((node) =>
    fieldsOf(node.selectionSet).flatMap((f) => (f.name.value === 'nodes' ? fieldsOf(f.selectionSet) : f.name.value === 'edges' ? fieldsOf(f.selectionSet).filter((e) => e.name.value === 'node').flatMap((e) => fieldsOf(e.selectionSet)) : [])),
  );
  // A lookup selected more than once (aliases, fragments) is joined only when the join answers
  // every one of its selections: the joined record is what each of them then reads.
  const names = new Set<string>();
  const notJoined = new Set<string>();
  for (const selected of records) {
    const field = object.fields.find((f) => f.apiName === selected.name.value && f.target);
    const target = field?.target ? objects.get(field.target) : undefined;
    if (!field || !target) continue;
    const answerable = (name: string) => EXPANDED_KEYS.has(name) || target.fields.some((f) => (f.apiName === name && !f.target) || `${f.apiName}_id` === name || f.deprecatedAliases.includes(name));
    if (!selected.arguments?.length && fieldsOf(selected.selectionSet).every((sub) => answerable(sub.name.value))) names.add(field.apiName);
    else notJoined.add(field.apiName);
  }
  return [...names].filter((name) => !notJoined.has(name)).slice(0, queryLimits.maxExpand);
}

/**
 * Input from GraphQL (null-prototype objects, enum values as names) as the REST body the save
 * pipeline takes, its texts checked and composed as a REST body's are: literals in the query text
 * are decoded by the GraphQL parser, after the HTTP layer's walk of the JSON body.
 */
const asBody = (input: unknown): Record<string, unknown> => {
  const body = { ...(input as Record<string, unknown>) };
  normalizeRecordInput(body);
  return body;
};

/**
 * Builds the executable schema of a descriptor. Resolvers find objects by API name in the model
 * of the request's context, never in the descriptor, so one schema serves every tenant whose
 * descriptor is equal.
 */
export function buildSchema(descriptor: SchemaDescriptor): GraphQLSchema {
  const types = new Map<string, GraphQLObjectType>();
  const connections = new Map<string, GraphQLObjectType>();
  const inputs = new Map<string, GraphQLInputObjectType>();
  const enums = new Map<string, GraphQLEnumType>();
  const byApiName = new Map(descriptor.objects.map((o) => [o.apiName, o]));

  const enumOf = (object: ObjectShape, field: FieldShape): GraphQLEnumType | undefined => {
    if (!field.enumValues) return undefined;
    const key = `${object.typeName}_${field.apiName}`;
    let type = enums.get(key);
    if (!type) {
      const values = field.enumValues;
      type = sharedTypes.get({ enum: key, description: field.description, values }, () =>
        new GraphQLEnumType({
          name: key,
          description: field.description,
          values: Object.fromEntries(values.map((v) => [v.name, { value: v.name, description: v.description, ...(v.active ? {} : { deprecationReason: 'inactive value' }) }])),
        }),
      );
      enums.set(key, type);
    }
    return type;
  };

  const scalarOf = (object: ObjectShape, field: FieldShape): GraphQLOutputType & GraphQLInputType => {
    switch (field.type) {
      case 'number':
      case 'currency':
      case 'percent':
        return GraphQLFloat;
      case 'boolean':
        return GraphQLBoolean;
      case 'date':
        return DateScalar;
      case 'datetime':
        return DateTimeScalar;
      case 'picklist':
        return enumOf(object, field) ?? GraphQLString;
      case 'multiPicklist': {
        const values = enumOf(object, field);
        return new GraphQLList(new GraphQLNonNull(values ?? GraphQLString));
      }
      case 'owner':
        return GraphQLID;
      case 'lookup':
        return GraphQLID;
      case 'json':
        return JSONScalar;
      default:
        return GraphQLString;
    }
  };

  const connectionOf = (object: ObjectShape): GraphQLObjectType => {
    let type = connections.get(object.apiName);
    if (type) return type;
    const node = () => typeOf(object);
    const Edge = new GraphQLObjectType<{ record: ApiRecord; cursor: string | null }>({
      name: `${object.typeName}_Edge`,
      fields: () => ({ node: { type: nonNull(node()), resolve: (e) => e.record }, cursor: { type: GraphQLString, description: 'Set on the last edge of a page: the page’s end cursor.' } }),
    });
    type = new GraphQLObjectType<Connection>({
      name: `${object.typeName}_Connection`,
      description: `A page of ${object.description.split('\n')[0]}`,
      fields: () => ({
        edges: { type: listOf(Edge), resolve: (c) => c.records.map((record, i) => ({ record, cursor: i === c.records.length - 1 ? c.endCursor : null })) },
        nodes: { type: listOf(node()), resolve: (c) => c.records },
        pageInfo: { type: NonNullPageInfo, resolve: (c) => ({ hasNextPage: c.hasNextPage, hasPreviousPage: false, startCursor: null, endCursor: c.endCursor }) },
        totalCount: { type: GraphQLInt, description: 'How many records match (counted only when asked for).', resolve: (c) => c.total ?? null },
      }),
    });
    connections.set(object.apiName, type);
    return type;
  };

  function typeOf(object: ObjectShape): GraphQLObjectType {
    let type = types.get(object.apiName);
    if (type) return type;
    type = new GraphQLObjectType<ApiRecord, GraphQLContext>({
      name: object.typeName,
      description: object.description,
      fields: () => {
        const fields: GraphQLFieldConfigMap<ApiRecord, GraphQLContext> = {
          id: { type: NonNullID },
          version: { type: NonNullInt },
          display_name: {
            type: GraphQLString,
            description: 'The record’s name field, or its id when that is empty.',
            resolve: (record, _args, context) => {
              const current = objectOf(context, object.apiName);
              const name = current.fields.find((f) => f.id === current.nameFieldId);
              const value = name ? record[name.apiName] : undefined;
              return typeof value === 'string' && value ? value : record['id'];
            },
          },
          created_at: { type: DateTimeScalar },
          created_by: { type: GraphQLID },
          updated_at: { type: DateTimeScalar },
          updated_by: { type: GraphQLID },
        };
        for (const field of object.fields) {
          const target = field.target ? byApiName.get(field.target) : undefined;
          const config: GraphQLFieldConfig<ApiRecord, GraphQLContext> = target
            ? {
                type: typeOf(target),
                description: field.description,
                resolve: (record, _args, context) => {
                  const value = record[field.apiName];
                  // Joined by the list statement itself (see expandable); otherwise read in the level's batch.
                  if (value && typeof value === 'object') return value;
                  return typeof value === 'string' ? context.loaders.record(objectOf(context, target.apiName), value) : null;
                },
              }
            : // The record's property of the field's name: graphql-js's default resolver, no closure per field (graphql-jit inlines it).
              { type: scalarOf(object, field), description: field.description };
          fields[field.apiName] = config;
          for (const alias of field.deprecatedAliases) {
            if (!(alias in fields)) fields[alias] = { ...config, ...(config.resolve ? {} : { resolve: (record: ApiRecord) => record[field.apiName] }), deprecationReason: `Renamed to ${field.apiName}` };
          }
          if (target) {
            fields[`${field.apiName}_id`] ??= { type: GraphQLID, description: `${field.description} (id)`, resolve: (record) => lookupId(record[field.apiName]) };
          }
        }
        for (const relation of object.relations) {
          const source = byApiName.get(relation.source);
          if (!source) continue;
          fields[relation.name] = {
            type: nonNull(connectionOf(source)),
            description: relation.description,
            args: nestedListArgs,
            resolve: async (record, args, context, info): Promise<Connection> => {
              const sourceObject = objectOf(context, source.apiName);
              const lookup = context.ctx.model.field(sourceObject, relation.field);
              if (!lookup) throw notFound(`No field named '${relation.field}'`);
              const page: RelatedPage = await context.loaders.related(sourceObject, lookup, record['id'] as string, {
                filter: args['filter'],
                sort: args['sort'] as string | undefined,
                first: pageSize(args['first'], NESTED_LIMIT),
                after: (args['after'] as string | null) ?? undefined,
                count: selects(info, 'totalCount'),
              });
              return page;
            },
          };
        }
        return fields;
      },
    });
    types.set(object.apiName, type);
    return type;
  }

  const inputOf = (object: ObjectShape): GraphQLInputObjectType => {
    let type = inputs.get(object.apiName);
    if (type) return type;
    const writable = object.fields.filter((f) => f.writable);
    const description = `Values of ${object.description.split('\n')[0]} to write; validated exactly as the REST API validates them.`;
    // Its fields are scalars and enums only, so equal objects of any tenant share it.
    type = sharedTypes.get({ input: object.typeName, description, fields: writable.map((f) => [f.apiName, f.type, f.description, f.enumValues ?? null, f.deprecatedAliases]) }, () => {
      const fields: GraphQLInputFieldConfigMap = {};
      for (const field of writable) fields[field.apiName] = { type: scalarOf(object, field), description: field.description };
      // An integration written before a field's rename keeps writing it under the old name, as REST
      // bodies may; the data service refuses both names in one input.
      for (const field of writable) {
        for (const alias of field.deprecatedAliases) fields[alias] ??= { type: scalarOf(object, field), description: field.description, deprecationReason: `Renamed to ${field.apiName}` };
      }
      return new GraphQLInputObjectType({ name: `${object.typeName}_Input`, description, fields });
    });
    inputs.set(object.apiName, type);
    return type;
  };

  const query: GraphQLFieldConfigMap<unknown, GraphQLContext> = {};
  const mutation: GraphQLFieldConfigMap<unknown, GraphQLContext> = {};
  const subscription: GraphQLFieldConfigMap<unknown, GraphQLContext> = {};
  for (const object of descriptor.objects) {
    const type = typeOf(object);
    const get: GraphQLFieldConfig<unknown, GraphQLContext> = {
      type,
      description: object.description,
      args: idArgs,
      resolve: async (_root, args, context) => {
        try {
          return await context.data.get(context.ctx, objectOf(context, object.apiName), args['id'] as string);
        } catch (error) {
          if ((error as { status?: number }).status === 404) return null;
          throw error;
        }
      },
    };
    const list: GraphQLFieldConfig<unknown, GraphQLContext> = {
      type: nonNull(connectionOf(object)),
      description: object.description,
      args: rootListArgs,
      resolve: async (_root, args, context, info): Promise<Connection> => {
        const target = objectOf(context, object.apiName);
        const filter = args['filter'];
        const expand = expandable(info, object, byApiName);
        const asked = {
          ...(filter === undefined || filter === null ? {} : { filter: typeof filter === 'string' ? filter : JSON.stringify(filter) }),
          ...(expand.length ? { expand: expand.join(',') } : {}),
          ...(args['sort'] ? { sort: args['sort'] as string } : {}),
          limit: pageSize(args['first'], LIST_LIMIT),
          cursor: (args['after'] as string | null) ?? undefined,
          count: selects(info, 'totalCount'),
        };
        const request = parseListRequest(context.ctx.model, target, asked);
        // Kept and checked as REST's pages are (ADR 0025), named by what was asked; a URL's query never holds a line break.
        const result = await context.data.listKept(context.ctx, request, `graphql\n${JSON.stringify(asked)}`);
        return { records: result.data, hasNextPage: result.nextCursor !== null, endCursor: result.nextCursor, total: result.total };
      },
    };
    query[object.apiName] = get;
    query[`${object.apiName}List`] = list;
    for (const alias of object.aliases) {
      query[alias] ??= { ...get, deprecationReason: `Renamed to ${object.apiName}` };
      query[`${alias}List`] ??= { ...list, deprecationReason: `Renamed to ${object.apiName}List` };
    }

    // Only the mutations the principal's object rights allow are in its schema. An object with nothing
    // it may write (an autonumber name, every other field read-only) has no input type: GraphQL forbids empty ones.
    const { rights } = object;
    const Input = object.fields.some((f) => f.writable) ? inputOf(object) : undefined;
    const version = versionArg;
    const writes: Record<string, GraphQLFieldConfig<unknown, GraphQLContext>> = {};
    if (Input && rights.create) {
      writes['create'] = {
        type: nonNull(type),
        args: { input: { type: nonNull(Input) } },
        resolve: (_root, args, context) => context.data.create(context.ctx, objectOf(context, object.apiName), asBody(args['input'])),
      };
    }
    if (Input && rights.edit) {
      writes['update'] = {
        type: nonNull(type),
        args: { id: { type: NonNullID }, version, input: { type: nonNull(Input) } },
        resolve: (_root, args, context) =>
          context.data.update(context.ctx, objectOf(context, object.apiName), args['id'] as string, asBody(args['input']), (args['version'] as number | null) ?? undefined),
      };
    }
    if (rights.delete) {
      writes['delete'] = {
        type: nonNull(DeletedRecord),
        args: { id: { type: NonNullID }, version },
        resolve: async (_root, args, context) => {
          await context.data.delete(context.ctx, objectOf(context, object.apiName), args['id'] as string, (args['version'] as number | null) ?? undefined);
          return { id: args['id'], deleted: true };
        },
      };
      writes['restore'] = {
        type: nonNull(type),
        args: idArgs,
        resolve: (_root, args, context) => context.data.restore(context.ctx, objectOf(context, object.apiName), args['id'] as string),
      };
    }
    if (Input && (rights.create || rights.edit || rights.delete)) {
      let Operation = batchOperations.get(Input);
      if (!Operation) {
        Operation = new GraphQLInputObjectType({
          name: `${object.typeName}_BatchOperation`,
          fields: { op: { type: NonNullBatchOp }, id: { type: GraphQLID }, version: { type: GraphQLInt }, matchField: { type: GraphQLString }, data: { type: Input } },
        });
        batchOperations.set(Input, Operation);
      }
      const Result = new GraphQLObjectType<{ id: string; version: number; action: string; record?: ApiRecord }>({
        name: `${object.typeName}_BatchResult`,
        fields: { id: { type: NonNullID }, version: { type: GraphQLInt }, action: { type: NonNullString }, record: { type } },
      });
      writes['batch'] = {
        type: listOf(Result),
        description: 'Applies the operations in order, all or nothing, as POST /records/:object/batch does.',
        args: { operations: { type: listOf(Operation) } },
        resolve: (_root, args, context) =>
          context.data.batch(context.ctx, objectOf(context, object.apiName), (args['operations'] as Record<string, unknown>[]).map(toBatchOperation), true),
      };
    }

    for (const [verb, config] of Object.entries(writes)) {
      mutation[`${verb}${object.typeName}`] = config;
      // Mutations under a renamed object's old API name, as REST paths keep it (current names win a clash).
      for (const alias of object.aliases) mutation[`${verb}${pascal(alias)}`] ??= { ...config, deprecationReason: `Renamed to ${verb}${object.typeName}` };
    }

    const Change = new GraphQLObjectType<RecordChange>({
      name: `${object.typeName}_Change`,
      fields: {
        event: { type: NonNullRecordEvent },
        id: { type: NonNullID },
        eventId: { type: NonNullID, description: 'The outbox event id: the same on every delivery of this change.' },
        occurredAt: { type: NonNullDateTime },
        changedFields: { type: StringList, description: 'API names of the fields an update changed.' },
        record: {
          type,
          description: 'The record as read with your access when the change arrived; null once deleted.',
        },
      },
    });
    const changed: GraphQLFieldConfig<unknown, GraphQLContext> = {
      type: nonNull(Change),
      description: `${object.description.split('\n')[0]}: created, updated, deleted and restored, as they commit on any server.`,
      args: eventsArgs,
      subscribe: (_root, args, context) => recordChanges(context, objectOf(context, object.apiName), (args['events'] as string[] | null) ?? undefined),
      resolve: (change: unknown) => change as RecordChange,
    };
    subscription[`${object.apiName}Changed`] = changed;
    for (const alias of object.aliases) subscription[`${alias}Changed`] ??= { ...changed, deprecationReason: `Renamed to ${object.apiName}Changed` };
  }

  // A principal that may read no object still gets a valid schema (a type needs one field).
  if (!Object.keys(query).length) query['readableObjects'] = { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLString))), description: 'The objects you may read: none.', resolve: () => [] };
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: query }),
    // A principal that may change nothing has no Mutation type: GraphQL forbids a type without fields.
    ...(Object.keys(mutation).length ? { mutation: new GraphQLObjectType({ name: 'Mutation', fields: mutation }) } : {}),
    ...(Object.keys(subscription).length ? { subscription: new GraphQLObjectType({ name: 'Subscription', fields: subscription }) } : {}),
    types: [JSONScalar],
  });
}

function toBatchOperation(input: Record<string, unknown>, index: number): BatchOperation {
  const missing = (field: string) => validationError(`operations[${index}]: '${field}' is required for '${String(input['op'])}'`, [{ field, code: 'required', message: 'is required', index }], 400);
  let data: Record<string, unknown> | undefined;
  try {
    data = input['data'] ? asBody(input['data']) : undefined;
  } catch (error) {
    // Named as a REST batch names them: by the operation's index.
    if (error instanceof ProblemError && error.errors) throw validationError(error.message, error.errors.map((e) => ({ ...e, index })), error.status);
    throw error;
  }
  const version = typeof input['version'] === 'number' ? { version: input['version'] } : {};
  switch (input['op']) {
    case 'create':
      if (!data) throw missing('data');
      return { op: 'create', data };
    case 'update':
      if (typeof input['id'] !== 'string') throw missing('id');
      if (!data) throw missing('data');
      return { op: 'update', id: input['id'], ...version, data };
    case 'upsert':
      if (typeof input['matchField'] !== 'string') throw missing('matchField');
      if (!data) throw missing('data');
      return { op: 'upsert', matchField: input['matchField'], data };
    default:
      if (typeof input['id'] !== 'string') throw missing('id');
      return { op: 'delete', id: input['id'], ...version };
  }
}
