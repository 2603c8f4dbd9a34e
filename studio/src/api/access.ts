import { enc, http } from './http.ts';

export const OBJECT_ACTIONS = ['create', 'read', 'edit', 'delete', 'viewAll', 'modifyAll'] as const;
export type ObjectAction = (typeof OBJECT_ACTIONS)[number];
export const SETUP_RIGHTS = ['model', 'terms', 'users', 'keys', 'access'] as const;
export type SetupRight = (typeof SETUP_RIGHTS)[number];
export type FieldLevel = 'none' | 'read' | 'edit';
export type RecordDefault = 'private' | 'read' | 'edit';

export interface Grants {
  objects: Record<string, Partial<Record<ObjectAction, boolean>>>;
  fields: Record<string, Record<string, FieldLevel>>;
  setup: Partial<Record<SetupRight, boolean>>;
}

export interface PermissionSet {
  id: string;
  key: string;
  name: string;
  description: string;
  system: boolean;
  grants: Grants;
}

export interface Profile {
  id: string;
  key: string;
  name: string;
  system: boolean;
  permissionSetIds: string[];
}

export interface AccessRole {
  id: string;
  name: string;
  parentId: string | null;
  path: string[];
}

export interface GroupMember {
  kind: 'user' | 'role' | 'role_and_below';
  id: string;
}

export interface AccessGroup {
  id: string;
  name: string;
  members: GroupMember[];
}

export interface SharingRule {
  id: string;
  object: string;
  name: string;
  condition: string;
  granteeKind: 'role' | 'group' | 'user';
  granteeId: string;
  access: 'read' | 'edit';
  active: boolean;
  applied?: { matched: number; ms: number };
}

export interface UserAccess {
  id: string;
  name: string;
  email: string;
  profile: string;
  roleId: string | null;
  permissionSetIds: string[];
}

/** What the signed-in user may do: the studio hides what it cannot (the server checks regardless). */
export interface MyAccess {
  setup: Record<SetupRight, boolean>;
  objects: Record<string, Record<ObjectAction, boolean> & { recordDefault: RecordDefault; fields: Record<string, FieldLevel> }>;
  /** Whether the user may empty the whole recycle bin: modify all on every object, seen or not. */
  recycleBin: { emptyAll: boolean };
}

export interface Explanation {
  user: { id: string; name: string; profile: string };
  object: string;
  objectRights: Record<ObjectAction, { allowed: boolean; by: string[] }>;
  permissionSets: string[];
  field?: { name: string; level: FieldLevel; because: { permissionSet: string; level: string }[] };
  record?: { because: string[] };
  can?: { read: boolean; edit: boolean; delete: boolean };
}

export interface AuditEntry {
  id: string;
  at: string;
  actorId: string;
  actorName: string;
  action: string;
  subject: string;
  detail: Record<string, unknown>;
}

/** Whether a save or a delete of one record would be allowed for the signed-in user. */
export interface RecordRights {
  edit: boolean;
  delete: boolean;
}

export const accessApi = {
  me: () => http.get<MyAccess>('/access/me'),
  /** Per record (at most 200 ids); records the user cannot read are absent. */
  recordRights: (object: string, ids: readonly string[], signal?: AbortSignal) =>
    http.get<{ records: Record<string, RecordRights> }>(`/access/me/records/${enc(object)}`, { query: { ids: ids.join(',') }, signal }),
  permissionSets: () => http.get<PermissionSet[]>('/access/permission-sets'),
  createPermissionSet: (set: { key: string; name: string; description?: string; grants: Grants }) => http.post<PermissionSet>('/access/permission-sets', set),
  updatePermissionSet: (id: string, patch: { name?: string; description?: string; grants?: Grants }) => http.patch<PermissionSet>(`/access/permission-sets/${enc(id)}`, patch),
  deletePermissionSet: (id: string) => http.delete<unknown>(`/access/permission-sets/${enc(id)}`),
  profiles: () => http.get<Profile[]>('/access/profiles'),
  createProfile: (profile: { key: string; name: string; permissionSetIds: string[] }) => http.post<Profile>('/access/profiles', profile),
  updateProfile: (id: string, patch: { name?: string; permissionSetIds?: string[] }) => http.patch<Profile>(`/access/profiles/${enc(id)}`, patch),
  roles: () => http.get<AccessRole[]>('/access/roles'),
  createRole: (role: { name: string; parentId: string | null }) => http.post<AccessRole>('/access/roles', role),
  deleteRole: (id: string) => http.delete<unknown>(`/access/roles/${enc(id)}`),
  groups: () => http.get<AccessGroup[]>('/access/groups'),
  createGroup: (name: string) => http.post<AccessGroup>('/access/groups', { name }),
  setMembers: (id: string, members: GroupMember[]) => http.put<AccessGroup>(`/access/groups/${enc(id)}/members`, { members }),
  sharing: () => http.get<{ objects: Record<string, RecordDefault> }>('/access/sharing'),
  setSharing: (objects: Record<string, RecordDefault>) => http.put<{ objects: Record<string, RecordDefault> }>('/access/sharing', { objects }),
  rules: () => http.get<SharingRule[]>('/access/sharing-rules'),
  createRule: (rule: Omit<SharingRule, 'id' | 'applied'>) => http.post<SharingRule>('/access/sharing-rules', rule),
  updateRule: (id: string, patch: Partial<Omit<SharingRule, 'id' | 'object' | 'applied'>>) => http.patch<SharingRule>(`/access/sharing-rules/${enc(id)}`, patch),
  deleteRule: (id: string) => http.delete<unknown>(`/access/sharing-rules/${enc(id)}`),
  users: () => http.get<UserAccess[]>('/access/users'),
  setUser: (id: string, patch: { profile?: string; roleId?: string | null; permissionSetIds?: string[] }) => http.put<unknown>(`/access/users/${enc(id)}`, patch),
  explain: (query: { user: string; object: string; record?: string; field?: string }) => http.get<Explanation>('/access/explain', { query }),
  audit: (limit = 100) => http.get<AuditEntry[]>('/access/audit', { query: { limit } }),
};
