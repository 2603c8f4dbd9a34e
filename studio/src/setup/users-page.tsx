import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { usersApi, type Role, type User } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { useAsync } from '../lib/use-async.ts';
import { forgetUsers } from '../lib/user-directory.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';
import { DataTable } from '../components/data-table.tsx';
import { InvitesPanel } from './invites-panel.tsx';
import { useProfileChoices, type ProfileChoice } from './profile-choices.ts';

export default function UsersPage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { me } = useSession();
  // The server says which users the signed-in user may change and which profiles it may give (a
  // user manager cannot change or make anyone who holds more than it does).
  const profiles = useProfileChoices();
  const { choices } = profiles;
  const outOfReach = (u: User) => u.id === me.user.id || u.manageable === false;
  const users = useAsync(() => usersApi.list(), []);
  const [inviting, setInviting] = useState(false);
  const [resetting, setResetting] = useState<User | null>(null);

  const update = async (u: User, patch: Partial<User>) => {
    try {
      const next = await usersApi.update(u.id, patch);
      forgetUsers();
      users.setData((list) => (list ?? []).map((x) => (x.id === u.id ? { ...x, ...next } : x)));
      toast(t('users.updated', { name: u.name }), 'success');
    } catch (err) {
      toast(describeError(err, i18n), 'error');
    }
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1>{t('setup.users')}</h1>
        <span className="spacer" />
        <button type="button" className="btn btn-primary btn-small" onClick={() => setInviting(true)}>
          {t('users.new')}
        </button>
      </header>
      {users.error ? <ErrorBox error={users.error} onRetry={users.reload} /> : null}
      {users.loading && !users.data ? <Loading /> : null}
      <DataTable label={t('setup.users')} columns={[t('users.name'), t('users.email'), t('users.role'), t('users.active')]} actions>
        {(users.data ?? []).map((u) => (
          <tr key={u.id} data-user={u.email}>
            <td>{u.name}</td>
            <td>{u.email}</td>
            <td>
              <select
                aria-label={t('users.roleNamed', { name: u.name })}
                value={u.role}
                disabled={outOfReach(u)}
                onChange={(e) => void update(u, { role: e.target.value as Role })}
              >
                <ProfileOptions choices={choices} current={u.role} />
              </select>
            </td>
            <td>
              <input
                type="checkbox"
                aria-label={t('users.activeNamed', { name: u.name })}
                checked={u.active !== false}
                disabled={outOfReach(u)}
                onChange={(e) => void update(u, { active: e.target.checked })}
              />
            </td>
            <td>
              <button type="button" className="btn btn-small" disabled={u.id !== me.user.id && outOfReach(u)} onClick={() => setResetting(u)} aria-label={t('users.resetNamed', { name: u.name })}>
                {t('users.resetPassword')}
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
      <InvitesPanel profiles={profiles} />
      {inviting ? (
        <InviteDialog
          choices={choices}
          onClose={() => setInviting(false)}
          onCreated={(u) => {
            forgetUsers();
            users.setData((list) => [...(list ?? []), u]);
            setInviting(false);
            toast(t('users.created', { name: u.name }), 'success');
          }}
        />
      ) : null}
      {resetting ? <PasswordDialog user={resetting} own={resetting.id === me.user.id} onClose={() => setResetting(null)} /> : null}
    </div>
  );
}

function InviteDialog({ choices, onClose, onCreated }: { choices: ProfileChoice[]; onClose: () => void; onCreated: (u: User) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('standard');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog open title={t('users.new')} onClose={onClose}>
      <form
        className="form-grid cols-1"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            onCreated(await usersApi.create({ name, email, role, password }));
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          {t('users.name')}
          <input value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
        </label>
        <label>
          {t('users.email')}
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </label>
        <label>
          {t('users.role')}
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <ProfileOptions choices={choices} current={role} />
          </select>
        </label>
        <label>
          {t('users.initialPassword')}
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} required minLength={10} autoComplete="new-password" />
          <span className="hint">{t('users.passwordRule')}</span>
        </label>
        {error ? <ErrorBox error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {t('action.create')}
          </button>
          <button type="button" className="btn" onClick={onClose}>
            {t('action.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function PasswordDialog({ user, own, onClose }: { user: User; own: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const toast = useToast();
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <Dialog open title={t('users.resetNamed', { name: user.name })} onClose={onClose}>
      <form
        className="form-grid cols-1"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await usersApi.setPassword(user.id, password, own ? current : undefined);
            toast(t('users.passwordSet', { name: user.name }), 'success');
            onClose();
          } catch (err) {
            setError(err);
          }
        }}
      >
        {own ? (
          <label>
            {t('users.currentPassword')}
            <input type="password" value={current} onChange={(e) => setCurrent(e.target.value)} required autoFocus autoComplete="current-password" />
          </label>
        ) : null}
        <label>
          {t('users.newPassword')}
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} required minLength={10} autoFocus={!own} autoComplete="new-password" />
          <span className="hint">{t('users.passwordRule')}</span>
        </label>
        {error ? <ErrorBox error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary">
            {t('action.save')}
          </button>
          <button type="button" className="btn" onClick={onClose}>
            {t('action.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The profiles as options, those the signed-in user may not give disabled; a user's current profile is always shown. */
function ProfileOptions({ choices, current }: { choices: ProfileChoice[]; current: string }) {
  const shown = choices.some((c) => c.key === current) ? choices : [...choices, { key: current, label: current, grantable: false }];
  return (
    <>
      {shown.map((c) => (
        <option key={c.key} value={c.key} disabled={!c.grantable && c.key !== current}>
          {c.label}
        </option>
      ))}
    </>
  );
}
