import { Type, type TSchema } from '@sinclair/typebox';

/** Building blocks of the documented response bodies. */
const described = (description?: string) => (description ? { description } : {});
export const uuid = (description?: string) => Type.String({ format: 'uuid', ...described(description) });
export const dateTime = (description?: string) => Type.String({ format: 'date-time', ...described(description) });
export const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const literals = (values: readonly string[], description?: string) => Type.Union(values.map((v) => Type.Literal(v)), described(description));
/** A JSON object whose properties are not fixed. */
export const freeObject = (description?: string) => Type.Record(Type.String(), Type.Unknown(), described(description));
