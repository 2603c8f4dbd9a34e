// Setup › Access: permission sets (object × action grid, field grid, Setup rights), profiles and
// who holds them, the role hierarchy, groups, sharing (org-wide defaults and rules), the
// explainer and the audit trail (ADR 0012). Every change goes through /access and is audited there.
import { useMemo, useState } from 'react';
import type { FieldDef, ObjectDef } from '@protean/metadata';
import type { PageProps } from '../app/routes.tsx';
import { accessApi, OBJECT_ACTIONS, SETUP_RIGHTS, type AccessGroup, type AccessRole, type Explanation, type FieldLevel, type Grants, type ObjectAction, type PermissionSet, type RecordDefault, type SharingRule } from '../api/access.ts';
import { useI18n, type MessageKey } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { useAsync } from '../lib/use-async.ts';
import { Tabs } from '../components/tabs.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';
import { accessName } from './profile-choices.ts';

type Tab = 'sets' | 'users' | 'roles' | 'groups' | 'sharing' | 'explain' | 'audit';
const TABS: Tab[] = ['sets', 'users', 'roles', 'groups', 'sharing', 'explain', 'audit'];

export default function AccessPage(_: PageProps) {
  const { t } = useI18n();
  const [tab, setTab] = useState<Tab>('sets');
  return (
    <div className="page access-page">
      <header className="page-header">
        <h1>{t('access.title')}</h1>
      </header>
      <Tabs tabs={TABS.map((id) => ({ id, label: t(`access.tab.${id}` as MessageKey) }))} active={tab} onChange={(id) => setTab(id as Tab)} label={t('access.title')} />
      <div role="tabpanel" aria-labelledby={`tab-${tab}`} className="tab-panel">
        {tab === 'sets' ? <PermissionSets /> : null}
        {tab === 'users' ? <UserAssignments /> : null}
        {tab === 'roles' ? <Roles /> : null}
        {tab === 'groups' ? <Groups /> : null}
        {tab === 'sharing' ? <Sharing /> : null}
        {tab === 'explain' ? <Explainer /> : null}
        {tab === 'audit' ? <Audit /> : null}
      </div>
    </div>
  );
}

/** One try/catch shape for every change: a toast either way, and the caller's reload. */
function useChange() {
  const i18n = useI18n();
  const toast = useToast();
  return async (work: () => Promise<unknown>, done?: () => void) => {
    try {
      await work();
      toast(i18n.t('access.saved'), 'success');
      done?.();
    } catch (err) {
      toast(describeError(err, i18n), 'error');
    }
  };
}

function PermissionSets() {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot } = useSession();
  const change = useChange();
  const sets = useAsync(() => accessApi.permissionSets(), []);
  const [selected, setSelected] = useState<string | null>(null);
  const [draft, setDraft] = useState<Grants | null>(null);
  const [fieldObject, setFieldObject] = useState<string>(snapshot.objects[0]?.id ?? '');
  const current = sets.data?.find((s) => s.id === selected) ?? sets.data?.[0];
  const grants = draft ?? current?.grants;
  const readOnly = current?.system ?? true;

  const objectRights = (objectId: string, action: ObjectAction) => grants?.objects[objectId]?.[action] ?? grants?.objects['*']?.[action] ?? false;
  /** The grid keeps the rights the server implies in view: a write needs read, delete needs edit, modify-all is all of them. */
  const setObjectRight = (objectId: string, action: ObjectAction, value: boolean) => {
    if (!grants) return;
    const next: Partial<Record<ObjectAction, boolean>> = { ...(grants.objects[objectId] ?? grants.objects['*'] ?? {}), [action]: value };
    if (value) {
      if (action === 'modifyAll') Object.assign(next, { create: next.create, read: true, edit: true, delete: true, viewAll: true });
      if (action !== 'read') next.read = true;
      if (action === 'delete') next.edit = true;
    } else {
      if (action === 'read') Object.assign(next, { create: false, edit: false, delete: false, viewAll: false, modifyAll: false });
      if (action === 'edit') Object.assign(next, { delete: false, modifyAll: false });
      if (action === 'delete' || action === 'viewAll') next.modifyAll = false;
    }
    setDraft({ ...grants, objects: { ...grants.objects, [objectId]: next } });
  };
  const fieldLevel = (objectId: string, fieldId: string): FieldLevel | '' => grants?.fields[objectId]?.[fieldId] ?? '';
  const setFieldLevel = (objectId: string, fieldId: string, level: FieldLevel | '') => {
    if (!grants) return;
    const fields = { ...(grants.fields[objectId] ?? {}) };
    if (level) fields[fieldId] = level;
    else delete fields[fieldId];
    setDraft({ ...grants, fields: { ...grants.fields, [objectId]: fields } });
  };
  const copy = async (from: PermissionSet) => {
    const name = window.prompt(t('access.copyName'), `${from.name} (2)`);
    if (!name) return;
    const key = name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').replace(/^([^a-z])/, 'p_$1').slice(0, 60) || 'set';
    await change(async () => {
      const made = await accessApi.createPermissionSet({ key, name, grants: from.grants });
      sets.setData((list) => [...(list ?? []), made]);
      setSelected(made.id);
      setDraft(null);
    });
  };
  const fieldsOf = (objectId: string): FieldDef[] => (snapshot.objects.find((o) => o.id === objectId)?.fields ?? []).filter((f) => !f.deletedAt);

  if (sets.error) return <ErrorBox error={sets.error} onRetry={sets.reload} />;
  if (!sets.data || !current || !grants) return <Loading />;
  return (
    <div className="access-sets">
      <div className="toolbar">
        <label>
          {t('access.permissionSet')}
          <select
            value={current.id}
            onChange={(e) => {
              setSelected(e.target.value);
              setDraft(null);
            }}
          >
            {sets.data.map((s) => (
              <option key={s.id} value={s.id}>
                {accessName(s, t)}
                {s.system ? ` — ${t('access.builtIn')}` : ''}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn btn-small" onClick={() => void copy(current)}>
          {t('access.copySet')}
        </button>
        {!readOnly ? (
          <>
            <button type="button" className="btn btn-small btn-primary" disabled={!draft} onClick={() => void change(() => accessApi.updatePermissionSet(current.id, { grants }), () => { setDraft(null); sets.reload(); })}>
              {t('action.save')}
            </button>
            <button type="button" className="btn btn-small btn-danger" onClick={() => void change(() => accessApi.deletePermissionSet(current.id), () => { setSelected(null); sets.reload(); })}>
              {t('action.delete')}
            </button>
          </>
        ) : (
          <span className="hint">{t('access.builtInHint')}</span>
        )}
      </div>
      <h2>{t('access.objectGrid')}</h2>
      <DataTable label={t('access.objectGrid')} compact columns={[t('access.object'), ...OBJECT_ACTIONS.map((a) => t(`access.action.${a}` as MessageKey))]}>
        {snapshot.objects.map((o) => (
          <tr key={o.id}>
            <th scope="row">{i18n.objectLabel(o, 'plural')}</th>
            {OBJECT_ACTIONS.map((a) => (
              <td key={a}>
                <input
                  type="checkbox"
                  aria-label={t('access.rightNamed', { what: i18n.objectLabel(o, 'plural'), action: t(`access.action.${a}` as MessageKey) })}
                  checked={objectRights(o.id, a)}
                  disabled={readOnly}
                  onChange={(e) => setObjectRight(o.id, a, e.target.checked)}
                />
              </td>
            ))}
          </tr>
        ))}
      </DataTable>
      <h2>{t('access.fieldGrid')}</h2>
      <label>
        {t('access.object')}
        <select value={fieldObject} onChange={(e) => setFieldObject(e.target.value)}>
          {snapshot.objects.map((o) => (
            <option key={o.id} value={o.id}>
              {i18n.objectLabel(o, 'plural')}
            </option>
          ))}
        </select>
      </label>
      <DataTable label={t('access.fieldGrid')} compact columns={[t('access.field'), t('access.fieldAccess')]}>
        {fieldsOf(fieldObject).map((f) => (
          <tr key={f.id}>
            <th scope="row">{i18n.fieldLabel(f)}</th>
            <td>
              <select aria-label={t('access.fieldAccessNamed', { label: i18n.fieldLabel(f) })} value={fieldLevel(fieldObject, f.id)} disabled={readOnly} onChange={(e) => setFieldLevel(fieldObject, f.id, e.target.value as FieldLevel | '')}>
                <option value="">{t('access.level.default')}</option>
                <option value="edit">{t('access.level.edit')}</option>
                <option value="read">{t('access.level.read')}</option>
                <option value="none">{t('access.level.none')}</option>
              </select>
            </td>
          </tr>
        ))}
      </DataTable>
      <h2>{t('access.setupRights')}</h2>
      <div className="checks">
        {SETUP_RIGHTS.map((r) => (
          <label key={r} className="check">
            <input type="checkbox" checked={grants.setup[r] === true} disabled={readOnly} onChange={(e) => setDraft({ ...grants, setup: { ...grants.setup, [r]: e.target.checked } })} />
            {t(`access.setup.${r}` as MessageKey)}
          </label>
        ))}
      </div>
    </div>
  );
}

function UserAssignments() {
  const { t } = useI18n();
  const change = useChange();
  const data = useAsync(async () => {
    const [users, profiles, roles, sets] = await Promise.all([accessApi.users(), accessApi.profiles(), accessApi.roles(), accessApi.permissionSets()]);
    return { users, profiles, roles, sets };
  }, []);
  const [newProfile, setNewProfile] = useState({ name: '', sets: [] as string[] });
  if (data.error) return <ErrorBox error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading />;
  const { users, profiles, roles, sets } = data.data;
  return (
    <div>
      <h2>{t('access.profiles')}</h2>
      <DataTable label={t('access.profiles')} compact columns={[t('access.name'), t('access.permissionSets')]}>
        {profiles.map((p) => (
          <tr key={p.id}>
            <th scope="row">{accessName(p, t)}</th>
            <td>{p.permissionSetIds.map((id) => { const s = sets.find((x) => x.id === id); return s ? accessName(s, t) : id; }).join(', ')}</td>
          </tr>
        ))}
      </DataTable>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const key = newProfile.name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').replace(/^([^a-z])/, 'p_$1') || 'profile';
          void change(() => accessApi.createProfile({ key, name: newProfile.name, permissionSetIds: newProfile.sets }), () => {
            setNewProfile({ name: '', sets: [] });
            data.reload();
          });
        }}
      >
        <input aria-label={t('access.newProfileName')} placeholder={t('access.newProfileName')} value={newProfile.name} onChange={(e) => setNewProfile({ ...newProfile, name: e.target.value })} required />
        <select multiple aria-label={t('access.permissionSets')} value={newProfile.sets} onChange={(e) => setNewProfile({ ...newProfile, sets: [...e.target.selectedOptions].map((o) => o.value) })}>
          {sets.map((s) => (
            <option key={s.id} value={s.id}>
              {accessName(s, t)}
            </option>
          ))}
        </select>
        <button type="submit" className="btn btn-small">
          {t('access.newProfile')}
        </button>
      </form>
      <h2>{t('access.assignments')}</h2>
      <DataTable label={t('access.assignments')} columns={[t('access.user'), t('access.profile'), t('access.role'), t('access.extraSets')]}>
        {users.map((u) => (
          <tr key={u.id} data-user={u.email}>
            <th scope="row">{u.name}</th>
            <td>
              <select aria-label={t('access.profileOf', { name: u.name })} value={u.profile} onChange={(e) => void change(() => accessApi.setUser(u.id, { profile: e.target.value }), data.reload)}>
                {profiles.map((p) => (
                  <option key={p.id} value={p.key}>
                    {accessName(p, t)}
                  </option>
                ))}
              </select>
            </td>
            <td>
              <select aria-label={t('access.roleOf', { name: u.name })} value={u.roleId ?? ''} onChange={(e) => void change(() => accessApi.setUser(u.id, { roleId: e.target.value || null }), data.reload)}>
                <option value="">{t('common.none')}</option>
                {roles.map((r) => (
                  <option key={r.id} value={r.id}>
                    {'— '.repeat(r.path.length - 1)}
                    {r.name}
                  </option>
                ))}
              </select>
            </td>
            <td>
              <select
                multiple
                aria-label={t('access.extraSetsOf', { name: u.name })}
                value={u.permissionSetIds}
                onChange={(e) => void change(() => accessApi.setUser(u.id, { permissionSetIds: [...e.target.selectedOptions].map((o) => o.value) }), data.reload)}
              >
                {sets.filter((s) => !s.system).map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}

function Roles() {
  const { t } = useI18n();
  const change = useChange();
  const roles = useAsync(() => accessApi.roles(), []);
  const [name, setName] = useState('');
  const [parentId, setParentId] = useState('');
  if (roles.error) return <ErrorBox error={roles.error} onRetry={roles.reload} />;
  if (!roles.data) return <Loading />;
  const ordered = orderTree(roles.data);
  return (
    <div>
      <p className="hint">{t('access.rolesHint')}</p>
      <ul className="role-tree" aria-label={t('access.tab.roles')}>
        {ordered.map((r) => (
          <li key={r.id} style={{ paddingInlineStart: `${(r.path.length - 1) * 1.5}rem` }}>
            {r.name}{' '}
            <button type="button" className="btn btn-small" aria-label={t('access.deleteNamed', { name: r.name })} onClick={() => void change(() => accessApi.deleteRole(r.id), roles.reload)}>
              {t('action.delete')}
            </button>
          </li>
        ))}
      </ul>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void change(() => accessApi.createRole({ name, parentId: parentId || null }), () => {
            setName('');
            roles.reload();
          });
        }}
      >
        <input aria-label={t('access.roleName')} placeholder={t('access.roleName')} value={name} onChange={(e) => setName(e.target.value)} required />
        <select aria-label={t('access.reportsTo')} value={parentId} onChange={(e) => setParentId(e.target.value)}>
          <option value="">{t('access.topOfHierarchy')}</option>
          {ordered.map((r) => (
            <option key={r.id} value={r.id}>
              {'— '.repeat(r.path.length - 1)}
              {r.name}
            </option>
          ))}
        </select>
        <button type="submit" className="btn btn-small">
          {t('access.newRole')}
        </button>
      </form>
    </div>
  );
}

/** Roles in tree order: each followed by the roles below it. */
function orderTree(roles: AccessRole[]): AccessRole[] {
  return [...roles].sort((a, b) => {
    const names = (r: AccessRole) => r.path.map((id) => roles.find((x) => x.id === id)?.name ?? '').join('\u0000');
    return names(a).localeCompare(names(b));
  });
}

function Groups() {
  const { t } = useI18n();
  const change = useChange();
  const data = useAsync(async () => {
    const [groups, users, roles] = await Promise.all([accessApi.groups(), accessApi.users(), accessApi.roles()]);
    return { groups, users, roles };
  }, []);
  const [name, setName] = useState('');
  if (data.error) return <ErrorBox error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading />;
  const { groups, users, roles } = data.data;
  const toggle = (group: AccessGroup, kind: 'user' | 'role_and_below', id: string, on: boolean) =>
    change(() => accessApi.setMembers(group.id, on ? [...group.members, { kind, id }] : group.members.filter((m) => !(m.kind === kind && m.id === id))), data.reload);
  return (
    <div>
      {groups.map((g) => (
        <section key={g.id} className="panel" aria-label={g.name}>
          <h2>{g.name}</h2>
          <div className="checks">
            {users.map((u) => (
              <label key={u.id} className="check">
                <input type="checkbox" checked={g.members.some((m) => m.kind === 'user' && m.id === u.id)} onChange={(e) => void toggle(g, 'user', u.id, e.target.checked)} />
                {u.name}
              </label>
            ))}
            {roles.map((r) => (
              <label key={r.id} className="check">
                <input type="checkbox" checked={g.members.some((m) => m.kind === 'role_and_below' && m.id === r.id)} onChange={(e) => void toggle(g, 'role_and_below', r.id, e.target.checked)} />
                {t('access.roleAndBelow', { name: r.name })}
              </label>
            ))}
          </div>
        </section>
      ))}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void change(() => accessApi.createGroup(name), () => {
            setName('');
            data.reload();
          });
        }}
      >
        <input aria-label={t('access.groupName')} placeholder={t('access.groupName')} value={name} onChange={(e) => setName(e.target.value)} required />
        <button type="submit" className="btn btn-small">
          {t('access.newGroup')}
        </button>
      </form>
    </div>
  );
}

function Sharing() {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot } = useSession();
  const change = useChange();
  const data = useAsync(async () => {
    const [sharing, rules, roles, groups] = await Promise.all([accessApi.sharing(), accessApi.rules(), accessApi.roles(), accessApi.groups()]);
    return { defaults: sharing.objects, rules, roles, groups };
  }, []);
  const [rule, setRule] = useState<Omit<SharingRule, 'id' | 'applied'>>({ object: snapshot.objects[0]?.apiName ?? '', name: '', condition: '', granteeKind: 'role', granteeId: '', access: 'read', active: true });
  if (data.error) return <ErrorBox error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading />;
  const { defaults, rules, roles, groups } = data.data;
  const grantees = rule.granteeKind === 'role' ? roles : groups;
  const granteeName = (r: SharingRule) => (r.granteeKind === 'role' ? roles : groups).find((g) => g.id === r.granteeId)?.name ?? r.granteeId;
  const objectOf = (apiName: string): ObjectDef | undefined => snapshot.objects.find((o) => o.apiName === apiName);
  return (
    <div>
      <h2>{t('access.defaults')}</h2>
      <DataTable label={t('access.defaults')} compact columns={[t('access.object'), t('access.defaultAccess')]}>
        {snapshot.objects.map((o) => (
          <tr key={o.id}>
            <th scope="row">{i18n.objectLabel(o, 'plural')}</th>
            <td>
              <select aria-label={t('access.defaultOf', { what: i18n.objectLabel(o, 'plural') })} value={defaults[o.apiName] ?? 'edit'} onChange={(e) => void change(() => accessApi.setSharing({ [o.apiName]: e.target.value as RecordDefault }), data.reload)}>
                <option value="private">{t('access.default.private')}</option>
                <option value="read">{t('access.default.read')}</option>
                <option value="edit">{t('access.default.edit')}</option>
              </select>
            </td>
          </tr>
        ))}
      </DataTable>
      <h2>{t('access.rules')}</h2>
      <DataTable label={t('access.rules')} compact actions columns={[t('access.name'), t('access.object'), t('access.condition'), t('access.sharedWith'), t('access.accessLevel'), t('access.active')]}>
        {rules.map((r) => (
          <tr key={r.id}>
            <th scope="row">{r.name}</th>
            <td>{objectOf(r.object) ? i18n.objectLabel(objectOf(r.object)!, 'plural') : r.object}</td>
            <td>
              <code>{r.condition}</code>
            </td>
            <td>{granteeName(r)}</td>
            <td>{t(`access.level.${r.access}` as MessageKey)}</td>
            <td>
              <input type="checkbox" aria-label={t('access.activeNamed', { name: r.name })} checked={r.active} onChange={(e) => void change(() => accessApi.updateRule(r.id, { active: e.target.checked }), data.reload)} />
            </td>
            <td>
              <button type="button" className="btn btn-small btn-danger" aria-label={t('access.deleteNamed', { name: r.name })} onClick={() => void change(() => accessApi.deleteRule(r.id), data.reload)}>
                {t('action.delete')}
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
      <form
        className="form-grid cols-2"
        aria-label={t('access.newRule')}
        onSubmit={(e) => {
          e.preventDefault();
          void change(() => accessApi.createRule(rule), () => {
            setRule({ ...rule, name: '', condition: '' });
            data.reload();
          });
        }}
      >
        <label>
          {t('access.name')}
          <input value={rule.name} onChange={(e) => setRule({ ...rule, name: e.target.value })} required />
        </label>
        <label>
          {t('access.object')}
          <select value={rule.object} onChange={(e) => setRule({ ...rule, object: e.target.value })}>
            {snapshot.objects.map((o) => (
              <option key={o.id} value={o.apiName}>
                {i18n.objectLabel(o, 'plural')}
              </option>
            ))}
          </select>
        </label>
        <label className="span-2">
          {t('access.condition')}
          <input value={rule.condition} onChange={(e) => setRule({ ...rule, condition: e.target.value })} placeholder='amount > 10000 && stage == "negotiation"' required />
          <span className="hint">{t('access.conditionHint')}</span>
        </label>
        <label>
          {t('access.sharedWith')}
          <select value={rule.granteeKind} onChange={(e) => setRule({ ...rule, granteeKind: e.target.value as 'role' | 'group', granteeId: '' })}>
            <option value="role">{t('access.role')}</option>
            <option value="group">{t('access.group')}</option>
          </select>
        </label>
        <label>
          {rule.granteeKind === 'role' ? t('access.role') : t('access.group')}
          <select value={rule.granteeId} onChange={(e) => setRule({ ...rule, granteeId: e.target.value })} required>
            <option value="" />
            {grantees.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('access.accessLevel')}
          <select value={rule.access} onChange={(e) => setRule({ ...rule, access: e.target.value as 'read' | 'edit' })}>
            <option value="read">{t('access.level.read')}</option>
            <option value="edit">{t('access.level.edit')}</option>
          </select>
        </label>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary">
            {t('access.newRule')}
          </button>
        </div>
      </form>
    </div>
  );
}

function Explainer() {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot } = useSession();
  const users = useAsync(() => accessApi.users(), []);
  const [query, setQuery] = useState({ user: '', object: snapshot.objects[0]?.apiName ?? '', record: '', field: '' });
  const [answer, setAnswer] = useState<Explanation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const object = useMemo(() => snapshot.objects.find((o) => o.apiName === query.object), [snapshot, query.object]);
  return (
    <div>
      <form
        className="form-grid cols-2"
        aria-label={t('access.tab.explain')}
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            setAnswer(await accessApi.explain({ user: query.user, object: query.object, ...(query.record ? { record: query.record } : {}), ...(query.field ? { field: query.field } : {}) }));
          } catch (err) {
            setAnswer(null);
            setError(err);
          }
        }}
      >
        <label>
          {t('access.user')}
          <select value={query.user} onChange={(e) => setQuery({ ...query, user: e.target.value })} required>
            <option value="" />
            {(users.data ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('access.object')}
          <select value={query.object} onChange={(e) => setQuery({ ...query, object: e.target.value, field: '' })}>
            {snapshot.objects.map((o) => (
              <option key={o.id} value={o.apiName}>
                {i18n.objectLabel(o, 'plural')}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('access.recordId')}
          <input value={query.record} onChange={(e) => setQuery({ ...query, record: e.target.value.trim() })} placeholder="0190…" />
        </label>
        <label>
          {t('access.field')}
          <select value={query.field} onChange={(e) => setQuery({ ...query, field: e.target.value })}>
            <option value="" />
            {(object?.fields ?? []).filter((f) => !f.deletedAt).map((f) => (
              <option key={f.id} value={f.apiName}>
                {i18n.fieldLabel(f)}
              </option>
            ))}
          </select>
        </label>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary">
            {t('access.explain')}
          </button>
        </div>
      </form>
      {error ? <ErrorBox error={error} /> : null}
      {answer ? (
        <section className="panel explain-answer" aria-label={t('access.answer')} data-testid="explain-answer">
          <p>{t('access.viaSets', { person: answer.user.name, sets: answer.permissionSets.join(', ') || t('common.none') })}</p>
          <ul>
            {OBJECT_ACTIONS.map((a) => (
              <li key={a}>
                {t(`access.action.${a}` as MessageKey)}: {answer.objectRights[a].allowed ? t('common.yes') : t('common.no')}
                {answer.objectRights[a].by.length ? ` (${answer.objectRights[a].by.join(', ')})` : ''}
              </li>
            ))}
          </ul>
          {answer.can ? (
            <p data-testid="explain-can">
              {t('access.canRecord', { read: answer.can.read ? t('common.yes') : t('common.no'), edit: answer.can.edit ? t('common.yes') : t('common.no'), delete: answer.can.delete ? t('common.yes') : t('common.no') })}
            </p>
          ) : null}
          {answer.record ? (
            <ul data-testid="explain-because">
              {answer.record.because.map((b) => (
                <li key={b}>{b}</li>
              ))}
            </ul>
          ) : null}
          {answer.field ? <p>{t('access.fieldAnswer', { label: answer.field.name, level: t(`access.level.${answer.field.level}` as MessageKey) })}</p> : null}
        </section>
      ) : null}
    </div>
  );
}

function Audit() {
  const { t, locale } = useI18n();
  const audit = useAsync(() => accessApi.audit(200), []);
  if (audit.error) return <ErrorBox error={audit.error} onRetry={audit.reload} />;
  if (!audit.data) return <Loading />;
  return (
    <DataTable label={t('access.tab.audit')} compact columns={[t('access.when'), t('access.who'), t('access.what'), t('access.subject')]}>
      {audit.data.map((a) => (
        <tr key={a.id}>
          <td>{new Date(a.at).toLocaleString(locale)}</td>
          <td>{a.actorName}</td>
          <td>{a.action}</td>
          <td>{a.subject}</td>
        </tr>
      ))}
    </DataTable>
  );
}
