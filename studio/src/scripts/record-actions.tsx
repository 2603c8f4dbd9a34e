import { useState } from 'react';
import { scriptsApi, type RecordAction } from '../api/scripts.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useAsync } from '../lib/use-async.ts';
import { Dialog } from '../components/dialog.tsx';
import { describeError, useToast } from '../components/feedback.tsx';
import { SchemaForm } from '../forms/schema-form.tsx';

/**
 * The record page's action buttons: one per active record action of the object. An action with
 * a parameter schema opens its form (rjsf, checked against the schema before it runs, the
 * server's refusals shown beside the parameters); the result or the failure is told in a toast.
 */
export function RecordActions({ object, id, onDone }: { object: string; id: string; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const actions = useAsync(() => scriptsApi.actions(object, id).catch(() => [] as RecordAction[]), [object, id]);
  const [open, setOpen] = useState<RecordAction | null>(null);
  const run = async (action: RecordAction, params: Record<string, unknown>) => {
    await scriptsApi.runAction(object, id, action.apiName, params);
    toast(t('scripts.actionDone', { action: action.label }), 'success');
    setOpen(null);
    onDone();
  };
  if (!actions.data?.length) return null;
  return (
    <>
      {actions.data.map((action) => (
        <button
          key={action.apiName}
          type="button"
          className="btn btn-small"
          title={action.description ?? undefined}
          data-testid={`action-${action.apiName}`}
          onClick={() => (action.inputSchema ? setOpen(action) : void run(action, {}).catch((e: unknown) => toast(describeError(e, i18n), 'error')))}
        >
          {action.label}
        </button>
      ))}
      {open ? (
        <Dialog open title={open.label} onClose={() => setOpen(null)}>
          <SchemaForm
            schema={open.inputSchema!}
            uiSchema={{}}
            formData={{}}
            submitLabel={t('scripts.run')}
            onCancel={() => setOpen(null)}
            errorPrefix={/^params\.?/}
            onSubmit={(data) => run(open, data)}
          />
        </Dialog>
      ) : null}
    </>
  );
}
