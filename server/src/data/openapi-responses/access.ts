import { Type, type TSchema } from '@sinclair/typebox';
import { uuid, dateTime, nullable, freeObject } from './shared.ts';

const FieldLevel = Type.Union([Type.Literal('none'), Type.Literal('read'), Type.Literal('edit')]);
const RecordDefault = Type.Union([Type.Literal('private'), Type.Literal('read'), Type.Literal('edit')], { description: 'The org-wide default: private, public read only, or public read/write' });
const ShareAccess = Type.Union([Type.Literal('read'), Type.Literal('edit')]);
const GranteeKind = Type.Union([Type.Literal('role'), Type.Literal('group'), Type.Literal('user')]);
const MemberKind = Type.Union([Type.Literal('user'), Type.Literal('role'), Type.Literal('role_and_below')]);
const Locale = Type.Union([Type.Literal('en'), Type.Literal('zh-CN')]);

const SessionsEnded = Type.Object({ ended: Type.Integer({ description: 'How many sessions were signed out' }) });

const flag = Type.Optional(Type.Boolean());
/** The six object rights, each present (resolved for one principal). */
const ObjectRights = {
  create: Type.Boolean(),
  read: Type.Boolean(),
  edit: Type.Boolean(),
  delete: Type.Boolean(),
  viewAll: Type.Boolean(),
  modifyAll: Type.Boolean(),
};
const SetupRights = Type.Object({ model: Type.Boolean(), terms: Type.Boolean(), users: Type.Boolean(), keys: Type.Boolean(), access: Type.Boolean() });

/** What a permission set grants, as stored. */
const Grants = Type.Object(
  {
    objects: Type.Record(Type.String(), Type.Object({ create: flag, read: flag, edit: flag, delete: flag, viewAll: flag, modifyAll: flag }), {
      description: "Rights by object id; '*' applies to every object the set does not name",
    }),
    fields: Type.Record(Type.String(), Type.Record(Type.String(), FieldLevel), { description: 'Field levels by object id, then field id; fields not named follow their object' }),
    setup: Type.Object({ model: flag, terms: flag, users: flag, keys: flag, access: flag }),
  },
  { description: 'What the permission set grants' },
);

const PermissionSet = Type.Object({
  id: uuid(),
  key: Type.String(),
  name: Type.String(),
  description: Type.String(),
  system: Type.Boolean({ description: 'A built-in set: it cannot be changed or deleted' }),
  grants: Grants,
});

const Profile = Type.Object({
  id: uuid(),
  key: Type.String(),
  name: Type.String(),
  system: Type.Boolean({ description: 'A built-in profile: its permission sets cannot be changed' }),
  permissionSetIds: Type.Array(uuid()),
});

const Role = Type.Object({
  id: uuid(),
  name: Type.String(),
  parentId: nullable(uuid()),
  path: Type.Array(uuid(), { description: 'The role ids from the top of the hierarchy down to this role, itself included' }),
});

const Group = Type.Object({
  id: uuid(),
  name: Type.String(),
  members: Type.Array(Type.Object({ kind: MemberKind, id: uuid() })),
});

const SharingDefaults = Type.Object({ objects: Type.Record(Type.String(), RecordDefault, { description: 'The org-wide default of each object, by API name' }) });

const sharingRule = {
  id: uuid(),
  object: Type.String({ description: 'The API name of the object' }),
  name: Type.String(),
  condition: Type.String(),
  granteeKind: GranteeKind,
  granteeId: uuid(),
  access: ShareAccess,
  active: Type.Boolean(),
};
const SharingRule = Type.Object(sharingRule);
const AppliedRule = Type.Object({
  ...sharingRule,
  applied: Type.Object(
    { matched: Type.Integer({ description: 'Records the rule now shares' }), ms: Type.Integer({ description: 'How long the recalculation took' }) },
    { description: 'The recalculation of the rule over the records of its object' },
  ),
});

const share = {
  granteeId: uuid(),
  access: ShareAccess,
  source: Type.String({ description: "'manual', or 'rule:' and the id of the sharing rule" }),
};

const User = Type.Object({
  id: uuid(),
  email: Type.String(),
  name: Type.String(),
  role: Type.String({ description: 'The key of the profile' }),
  locale: Locale,
  localeChosen: Type.Boolean({ description: 'Whether a language was ever set for the account; false: locale is the default' }),
  active: Type.Boolean(),
  createdAt: dateTime(),
});

const SessionSettings = Type.Object({
  idleMinutes: Type.Integer({ description: 'A session unused this long ends' }),
  chosen: Type.Boolean({ description: 'Whether an administrator chose it; else it is the server’s default' }),
  defaultMinutes: Type.Integer({ description: 'The server’s default (PROTEAN_SESSION_IDLE_MINUTES), for a workspace that chose none' }),
  choices: Type.Array(Type.Integer(), { description: 'The idle times an administrator may choose, in minutes' }),
});

/** A record as the record routes answer it: the system fields, then the fields the caller may read by API name. */
const ApiRecord = Type.Object(
  {
    id: uuid(),
    version: Type.Integer(),
    created_at: dateTime(),
    created_by: nullable(uuid()),
    updated_at: dateTime(),
    updated_by: nullable(uuid()),
  },
  { description: 'A record: its system fields and, by API name, the fields you may read' },
);

const LogEntry = Type.Object({ at: dateTime(), level: Type.Union([Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')]), message: Type.String() });
const Usage = Type.Object({ queries: Type.Integer(), recordsRead: Type.Integer(), recordsWritten: Type.Integer(), outboundCalls: Type.Integer(), logBytes: Type.Integer() });

/** Success bodies of the access, user, record share, record action, related-record and recycle-bin purge routes, by `METHOD /path`. */
export const accessResponses: Record<string, TSchema> = {
  'GET /access/me': Type.Object({
    setup: SetupRights,
    objects: Type.Record(
      Type.String(),
      Type.Object({ ...ObjectRights, recordDefault: RecordDefault, fields: Type.Record(Type.String(), FieldLevel, { description: 'Your level on each live field, by API name' }) }),
      { description: 'The objects you may read, by API name' },
    ),
    recycleBin: Type.Object({ emptyAll: Type.Boolean({ description: 'Whether you may empty the whole recycle bin (modify all on every object)' }) }),
  }),

  'GET /access/me/records/:object': Type.Object({
    records: Type.Record(Type.String(), Type.Object({ edit: Type.Boolean(), delete: Type.Boolean() }), {
      description: 'By record id; records you cannot read, or that do not exist, are left out',
    }),
  }),

  'PUT /access/api-keys/:id': Type.Object({
    id: uuid(),
    permissionSetIds: Type.Union([Type.Array(uuid()), Type.Null()], { description: "Null: the key acts with its creator's access" }),
  }),

  'GET /access/permission-sets': Type.Array(PermissionSet),
  'POST /access/permission-sets': PermissionSet,
  'PATCH /access/permission-sets/:id': PermissionSet,

  'GET /access/profiles': Type.Array(Profile),
  'POST /access/profiles': Profile,
  'PATCH /access/profiles/:id': Profile,

  'GET /access/roles': Type.Array(Role),
  'POST /access/roles': Role,

  'GET /access/groups': Type.Array(Group),
  'POST /access/groups': Group,
  'PUT /access/groups/:id/members': Group,

  'GET /access/sharing': SharingDefaults,
  'PUT /access/sharing': Type.Object({ objects: Type.Record(Type.String(), RecordDefault, { description: 'The defaults that were set, by API name' }) }),

  'GET /access/sharing-rules': Type.Array(SharingRule),
  'POST /access/sharing-rules': AppliedRule,
  'PATCH /access/sharing-rules/:id': AppliedRule,

  'GET /access/users': Type.Array(
    Type.Object({
      id: uuid(),
      name: Type.String(),
      email: Type.String(),
      profile: Type.String({ description: 'The key of the profile' }),
      roleId: nullable(uuid()),
      permissionSetIds: Type.Array(uuid(), { description: 'Permission sets assigned beyond the profile' }),
    }),
  ),

  'PUT /access/users/:id': Type.Object(
    {
      id: uuid(),
      profile: Type.Optional(Type.String()),
      roleId: Type.Optional(nullable(uuid())),
      permissionSetIds: Type.Optional(Type.Array(uuid())),
    },
    { description: 'The id of the {user} and the changes as given' },
  ),

  'POST /access/automations': Type.Object({
    id: uuid(),
    kind: Type.Union([Type.Literal('script'), Type.Literal('workflow'), Type.Literal('plugin')]),
    name: Type.String(),
    profile: Type.String(),
    roleId: Type.Optional(uuid()),
  }),

  'GET /access/explain': Type.Object({
    user: Type.Object({ id: uuid(), name: Type.String(), profile: Type.String() }),
    object: Type.String(),
    objectRights: Type.Object(
      Object.fromEntries(
        Object.keys(ObjectRights).map((action) => [action, Type.Object({ allowed: Type.Boolean(), by: Type.Array(Type.String(), { description: 'The permission sets that grant it' }) })]),
      ),
    ),
    permissionSets: Type.Array(Type.String(), { description: "The names of the user's permission sets" }),
    field: Type.Optional(
      Type.Object(
        {
          name: Type.String(),
          level: FieldLevel,
          because: Type.Array(
            Type.Object({ permissionSet: Type.String(), level: Type.Union([Type.Literal('none'), Type.Literal('read'), Type.Literal('edit'), Type.Literal('object default')]) }),
          ),
        },
        { description: 'Present when a field was asked about' },
      ),
    ),
    record: Type.Optional(Type.Object({ because: Type.Array(Type.String()) }, { description: 'Present when a record was asked about: why the {user} reaches it or not' })),
    can: Type.Optional(Type.Object({ read: Type.Boolean(), edit: Type.Boolean(), delete: Type.Boolean() }, { description: 'Present when a record was asked about' })),
  }),

  'GET /access/audit': Type.Array(
    Type.Object({
      id: uuid(),
      at: dateTime(),
      actorId: nullable(uuid()),
      actorName: Type.String(),
      action: Type.String(),
      subject: Type.String(),
      detail: freeObject('What changed; its properties depend on the action'),
    }),
    { description: 'Newest first' },
  ),

  'GET /records/:object/:id/shares': Type.Array(Type.Object({ ...share, createdAt: dateTime() })),
  'POST /records/:object/:id/shares': Type.Object({ ...share, source: Type.Literal('manual') }),

  'GET /records/:object/:id/actions': Type.Object({
    data: Type.Array(
      Type.Object({
        apiName: Type.String(),
        label: Type.String(),
        description: nullable(Type.String()),
        inputSchema: nullable(freeObject('The JSON Schema of the parameters')),
        writes: Type.Boolean({ description: 'Whether the action may change records (then it runs only where you may edit the record)' }),
      }),
    ),
  }),

  'POST /records/:object/:id/actions/:script': Type.Object({
    invocationId: uuid(),
    ok: Type.Literal(true),
    output: Type.Unknown({ description: 'What the script returned (null for nothing)' }),
    error: Type.Null(),
    logs: Type.Array(LogEntry),
    durationMs: Type.Number(),
    cpuMs: Type.Number(),
    memoryBytes: Type.Number(),
    usage: Usage,
  }),

  'GET /related/:object/:id': Type.Array(
    Type.Object({
      object: Type.String({ description: 'The API name of the referring object' }),
      field: Type.String({ description: 'The API name of its reference field' }),
      label: Type.String(),
      records: Type.Array(ApiRecord, { description: 'At most 20, by id descending' }),
      total: Type.Integer({ description: 'How many records refer, all told' }),
    }),
  ),

  'POST /recycle-bin/purge': Type.Object({ purged: Type.Integer({ description: 'How many records were deleted for good' }) }),

  'GET /users': Type.Array(Type.Composite([User, Type.Object({ manageable: Type.Boolean({ description: 'Whether you may change this {user}' }) })])),
  'POST /users': User,
  'GET /users/profiles': Type.Array(Type.Object({ key: Type.String(), name: Type.String(), system: Type.Boolean(), grantable: Type.Boolean({ description: 'Whether you may give this profile' }) })),
  'PATCH /users/:id': User,
  'DELETE /users/:id/sessions': SessionsEnded,
  'GET /auth/sessions': Type.Array(
    Type.Object({
      id: uuid(),
      createdAt: dateTime('When it was signed in'),
      lastSeenAt: dateTime('When it was last used, to within a few minutes'),
      expiresAt: dateTime('When it ends however much it is used (it also ends when unused for the idle time)'),
      address: nullable(Type.String({ description: 'The client address it signed in from' })),
      userAgent: nullable(Type.String({ description: 'The User-Agent header it signed in with' })),
      browser: nullable(Type.String({ description: 'The browser and its major version, as read from the User-Agent' })),
      os: nullable(Type.String({ description: 'The operating system, as read from the User-Agent' })),
      current: Type.Boolean({ description: 'Whether this is the session asking' }),
    }),
  ),
  'POST /auth/sessions/end-others': SessionsEnded,
  'GET /auth/session': Type.Object({
    endsIn: Type.Integer({ description: 'Milliseconds until the session ends unless it is used again (or at its 12 hours)' }),
    endsBy: Type.Union([Type.Literal('idle'), Type.Literal('limit')], { description: "'idle': use keeps it; 'limit': it reaches its 12 hours first, whatever the use" }),
    idleTimeout: Type.Integer({ description: 'The idle time, in milliseconds' }),
    expiresAt: dateTime('When it ends however much it is used'),
  }),
  'GET /workspace/session-settings': SessionSettings,
  'PATCH /workspace/session-settings': SessionSettings,
};
