// Shapes of the HTTP contract (docs/api.md). Metadata shapes come from @protean/metadata so
// the studio and the server cannot drift; only the envelope shapes the server adds are here.
import type { Snapshot, DiffEntry, Locale } from '@protean/metadata';

export type {
  ObjectDef,
  FieldDef,
  FieldType,
  LayoutDef,
  Snapshot,
  Locale,
  PicklistValue,
  ChangeRequest,
  Operation,
} from '@protean/metadata';

/** A profile key: the built-in `admin` and `standard`, or one the workspace made (ADR 0012). */
export type Role = 'admin' | 'standard' | (string & {});

export interface User {
  id: string;
  name: string;
  email: string;
  role: Role;
  locale?: Locale | string;
  /** Whether a language was ever set for the account; false: `locale` is the default, and a device follows its browser. */
  localeChosen?: boolean;
  active?: boolean;
  createdAt?: string;
  /** In the Setup list: whether the signed-in user may change this user (the server's rule). */
  manageable?: boolean;
}

/** A profile as the Users page offers it: whether the signed-in user may give it (the server's rule). */
export interface GrantableProfile {
  key: string;
  name: string;
  system: boolean;
  grantable: boolean;
}

export interface Tenant {
  id: string;
  slug: string;
  name: string;
}

export interface Me {
  user: User;
  tenant: Tenant;
}

export interface ApiKey {
  id: string;
  name: string;
  /** The last characters of the key, to tell keys apart. */
  hint?: string;
  userId?: string;
  createdAt?: string;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
}

/** When the asking session ends unless used (GET /auth/session); asking is not use. */
export interface SessionStatus {
  /** Milliseconds until it ends unless used again, by any tab. */
  endsIn: number;
  /** 'idle': use keeps it; 'limit': it reaches its 12 hours first, whatever the use. */
  endsBy: 'idle' | 'limit';
  /** The workspace's idle time, in milliseconds. */
  idleTimeout: number;
  expiresAt: string;
}

/** The workspace's idle time (GET /workspace/session-settings). */
export interface SessionSettings {
  idleMinutes: number;
  /** Whether an administrator chose it; else it is the server's default. */
  chosen: boolean;
  defaultMinutes: number;
  choices: number[];
}

/** One of the signed-in user's sessions (GET /auth/sessions). */
export interface UserSession {
  id: string;
  createdAt: string;
  /** To within a few minutes: the server records use coarsely. */
  lastSeenAt: string;
  expiresAt: string;
  address: string | null;
  userAgent: string | null;
  browser: string | null;
  os: string | null;
  /** The session this studio is signed in with. */
  current: boolean;
}

export interface CreatedApiKey {
  id: string;
  name: string;
  key: string;
}

/** A record as the REST API returns it: system columns plus values keyed by field API name. */
export interface RecordData {
  id: string;
  version: number;
  created_at?: string;
  created_by?: string;
  updated_at?: string;
  updated_by?: string;
  [field: string]: unknown;
}

export interface ListResult {
  data: RecordData[];
  nextCursor: string | null;
  total?: number;
}

export type { FilterOperator as FilterOp, DiffEntry, DiffChange, MetadataError, Dependent } from '@protean/metadata';
import type { FilterOperator as FilterOp } from '@protean/metadata';

export type Filter =
  | { and: Filter[] }
  | { or: Filter[] }
  | { not: Filter }
  | { field: string; op: FilterOp; value: unknown };

export interface RelatedGroup {
  /** API name of the object whose records look this one up. */
  object: string;
  /** API name of the lookup field on that object. */
  field: string;
  label?: string;
  records: RecordData[];
  total?: number;
}

export interface RevisionSummary {
  revision: number;
  authorId?: string | null;
  authorName?: string | null;
  createdAt: string;
  message?: string | null;
  /** Number of diff entries in the revision. */
  changes?: number;
}

export interface RevisionDetail extends RevisionSummary {
  snapshot: Snapshot;
  diff: DiffEntry[];
}

export interface ChangeResult {
  revision: number;
  diff: DiffEntry[];
}

export interface DeletedRecord extends RecordData {
  object: string;
  display_name?: string;
  deleted_at?: string;
  deleted_by?: string;
}

/** A name from `GET /users/directory`, which any signed-in user may read to show owners. */
export interface DirectoryUser {
  id: string;
  name: string;
  active: boolean;
}

/** What a saved view shows; `filter` is the REST filter language, `groupBy` the kanban picklist. */
export interface ViewDefinition {
  kind: 'list' | 'kanban';
  columns?: string[];
  sort?: string;
  filter?: Filter | null;
  groupBy?: string;
}

/** A saved list or kanban view: private to its owner unless an admin shared it. */
export interface SavedView {
  id: string;
  /** API name of the object. */
  object: string;
  name: string;
  shared: boolean;
  owner: string;
  /** True when the signed-in user owns the view. */
  mine: boolean;
  definition: ViewDefinition;
  createdAt: string;
  updatedAt: string;
}

export interface NewSavedView {
  object: string;
  name: string;
  shared?: boolean;
  definition: ViewDefinition;
}

/** One object's matches from `GET /search`; `object` is its API name. */
export interface SearchGroup {
  object: string;
  records: (RecordData & { display_name?: string })[];
}

export interface RecycleBinPage {
  data: DeletedRecord[];
  nextCursor: string | null;
}
