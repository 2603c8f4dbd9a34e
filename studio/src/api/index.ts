export * from './http.ts';
export * from './types.ts';
export { authApi } from './auth.ts';
export { metadataApi, type JsonSchema, type MetadataKind } from './metadata.ts';
export { recordsApi, type ListQuery, type BatchOperation } from './records.ts';
export { usersApi, apiKeysApi, type NewUser } from './users.ts';
