export * from './http.ts';
export * from './types.ts';
export { authApi } from './auth.ts';
export { metadataApi, type JsonSchema, type MetadataKind, type DescribedChange } from './metadata.ts';
export { recordsApi, BATCH_LIMIT, type ListQuery, type BatchOperation, type BatchResult, type ByFilterResult } from './records.ts';
export { viewsApi, type SavedViewPatch } from './views.ts';
export { searchApi, SEARCH_LIMIT_MAX } from './search.ts';
export { usersApi, apiKeysApi, type NewUser } from './users.ts';
export { homeApi, settingsApi, invitesApi, type PipelineSummary, type PipelineStage, type RecentRecord, type WorkspaceSettings, type Invite, type InviteInfo } from './home.ts';
