import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { useSession } from '../app/session.tsx';
import { WEBHOOK_ACTIONS, webhooksApi, type Delivery, type Webhook, type WebhookAction } from '../api/webhooks.ts';
import { useI18n, type MessageKey } from '../i18n/i18n.tsx';
import { useAsync } from '../lib/use-async.ts';
import { ConfirmDialog, Dialog } from '../components/dialog.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';

const actionKey = (a: WebhookAction) => `webhooks.action.${a}` as MessageKey;
const stateKey = (s: Delivery['state']) => `webhooks.state.${s}` as MessageKey;

/** Setup → Webhooks: register endpoints, see each delivery and send one again. */
export default function WebhooksPage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot } = useSession();
  const hooks = useAsync(() => webhooksApi.list(), []);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const [selected, setSelected] = useState<string | null>(null);

  const objectName = (apiName: string) => {
    const object = snapshot.objects.find((o) => o.apiName === apiName);
    return object ? i18n.objectLabel(object, 'plural') : apiName;
  };

  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      hooks.reload();
    } catch (error) {
      toast(describeError(error, i18n), 'error');
    }
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1>{t('webhooks.title')}</h1>
        <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
          {t('webhooks.new')}
        </button>
      </header>
      <p className="muted">{t('webhooks.intro')}</p>
      {hooks.error ? <ErrorBox error={hooks.error} onRetry={hooks.reload} /> : null}
      {hooks.loading && !hooks.data ? <Loading /> : null}
      {hooks.data && hooks.data.length === 0 ? <p>{t('webhooks.none')}</p> : null}
      {hooks.data && hooks.data.length > 0 ? (
        <DataTable label={t('webhooks.title')} columns={[t('webhooks.name'), t('webhooks.url'), t('webhooks.events'), t('webhooks.active')]} actions>
          {hooks.data.map((hook) => (
            <tr key={hook.id} className={hook.active ? undefined : 'inactive'}>
              <td>{hook.name}</td>
              <td>
                <code>{hook.url}</code>
              </td>
              <td>{hook.events.map((e) => `${objectName(e.object)}: ${e.actions.map((a) => t(actionKey(a))).join(', ')}`).join('; ')}</td>
              <td>
                <input type="checkbox" checked={hook.active} aria-label={t('webhooks.activeNamed', { name: hook.name })} onChange={(e) => void act(() => webhooksApi.update(hook.id, { active: e.target.checked }))} />
              </td>
              <td className="row-actions">
                <button type="button" className="btn btn-small" onClick={() => setSelected(selected === hook.id ? null : hook.id)} aria-expanded={selected === hook.id}>
                  {t('webhooks.show')}
                </button>
                <button type="button" className="btn btn-small" onClick={() => void act(async () => setSecret((await webhooksApi.update(hook.id, { secret: 'rotate' })).secret ?? null))}>
                  {t('webhooks.rotate')}
                </button>
                <button type="button" className="btn btn-small btn-danger" onClick={() => setDeleting(hook)}>
                  {t('webhooks.delete')}
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {selected ? <DeliveryLog key={selected} webhookId={selected} /> : null}
      {creating ? (
        <CreateWebhookDialog
          onClose={() => setCreating(false)}
          onCreated={(hook) => {
            setCreating(false);
            setSecret(hook.secret ?? null);
            hooks.reload();
          }}
        />
      ) : null}
      {secret ? (
        <Dialog open title={t('webhooks.secretTitle')} onClose={() => setSecret(null)}>
          <p>{t('webhooks.secretOnce')}</p>
          <p>
            <code className="secret" data-testid="webhook-secret">
              {secret}
            </code>
          </p>
          <button type="button" className="btn btn-small" onClick={() => void navigator.clipboard?.writeText(secret).then(() => toast(t('keys.copied'), 'success'), () => {})}>
            {t('action.copy')}
          </button>
        </Dialog>
      ) : null}
      <ConfirmDialog
        open={!!deleting}
        title={t('webhooks.delete')}
        message={deleting ? t('webhooks.deleteConfirm', { name: deleting.name }) : ''}
        confirmLabel={t('webhooks.delete')}
        danger
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          const hook = deleting;
          setDeleting(null);
          if (hook) void act(() => webhooksApi.remove(hook.id));
        }}
      />
    </div>
  );
}

function CreateWebhookDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (hook: Webhook) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot } = useSession();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('https://');
  const [chosen, setChosen] = useState<Record<string, WebhookAction[]>>({});
  const [filter, setFilter] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const toggle = (object: string, action: WebhookAction, on: boolean) =>
    setChosen((current) => {
      const actions = new Set(current[object] ?? []);
      if (on) actions.add(action);
      else actions.delete(action);
      return { ...current, [object]: WEBHOOK_ACTIONS.filter((a) => actions.has(a)) };
    });

  const submit = async () => {
    setError(null);
    const events = Object.entries(chosen)
      .filter(([, actions]) => actions.length)
      .map(([object, actions]) => ({ object, actions }));
    if (events.length === 0) {
      setError(new Error(t('webhooks.pickObject')));
      return;
    }
    let parsedFilter: unknown;
    if (filter.trim()) {
      try {
        parsedFilter = JSON.parse(filter);
      } catch {
        setError(new Error(t('webhooks.filterInvalid')));
        return;
      }
    }
    setBusy(true);
    try {
      onCreated(await webhooksApi.create({ ...(name.trim() ? { name: name.trim() } : {}), url: url.trim(), events, ...(parsedFilter === undefined ? {} : { filter: parsedFilter }) }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open title={t('webhooks.new')} onClose={onClose} wide>
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label>
          {t('webhooks.name')} <input value={name} onChange={(e) => setName(e.target.value)} maxLength={120} />
        </label>
        <label>
          {t('webhooks.url')} <input value={url} onChange={(e) => setUrl(e.target.value)} required maxLength={2000} type="url" />
        </label>
        <fieldset>
          <legend>{t('webhooks.events')}</legend>
          <table className="grid compact">
            <tbody>
              {snapshot.objects.map((object) => (
                <tr key={object.id}>
                  <th scope="row">{i18n.objectLabel(object, 'plural')}</th>
                  {WEBHOOK_ACTIONS.map((action) => (
                    <td key={action}>
                      <label className="inline-label">
                        <input type="checkbox" checked={(chosen[object.apiName] ?? []).includes(action)} onChange={(e) => toggle(object.apiName, action, e.target.checked)} /> {t(actionKey(action))}
                      </label>
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </fieldset>
        <label>
          {t('webhooks.filter')}
          <textarea value={filter} onChange={(e) => setFilter(e.target.value)} rows={3} placeholder='{"field": "stage", "op": "eq", "value": "won"}' />
          <span className="muted">{t('webhooks.filterHint')}</span>
        </label>
        {error ? <ErrorBox error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {t('webhooks.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DeliveryLog({ webhookId }: { webhookId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const log = useAsync(() => webhooksApi.deliveries(webhookId), [webhookId]);
  const redeliver = async (delivery: Delivery) => {
    try {
      const result = await webhooksApi.redeliver(webhookId, delivery.id);
      toast(t('webhooks.redelivered', { status: result.responseStatus ?? '—' }), result.state === 'delivered' ? 'success' : 'error');
      log.reload();
    } catch (error) {
      toast(describeError(error, i18n), 'error');
    }
  };
  return (
    <section aria-label={t('webhooks.deliveries')}>
      <h2>{t('webhooks.deliveries')}</h2>
      {log.error ? <ErrorBox error={log.error} onRetry={log.reload} /> : null}
      {log.loading && !log.data ? <Loading /> : null}
      {log.data && log.data.data.length === 0 ? <p>{t('webhooks.noDeliveries')}</p> : null}
      {log.data && log.data.data.length > 0 ? (
        <DataTable compact label={t('webhooks.deliveries')} columns={[t('webhooks.time'), t('webhooks.event'), t('webhooks.state'), t('webhooks.response'), t('webhooks.duration'), t('webhooks.attempts')]} actions>
          {log.data.data.map((d) => (
            <tr key={d.id} data-state={d.state}>
              <td>{i18n.formatDateTime(d.createdAt)}</td>
              <td>
                <code>{d.event}</code>
              </td>
              <td>
                <span className="badge">{t(stateKey(d.state))}</span>
              </td>
              <td>{d.responseStatus ?? d.error ?? ''}</td>
              <td>{d.durationMs === null ? '' : t('webhooks.ms', { ms: d.durationMs })}</td>
              <td>{d.attempts}</td>
              <td>
                <button type="button" className="btn btn-small" onClick={() => void redeliver(d)}>
                  {t('webhooks.redeliver')}
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </section>
  );
}
