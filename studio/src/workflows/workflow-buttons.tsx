import { useState } from 'react';
import { workflowsApi, type WorkflowButton } from '../api/workflows.ts';
import { Dialog } from '../components/dialog.tsx';
import { describeError, useToast } from '../components/feedback.tsx';
import { SchemaForm } from '../forms/schema-form.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { useAsync } from '../lib/use-async.ts';

/**
 * Buttons that start the object's hand-started workflows: on a record page for that record, in a
 * list's selection bar for each selected record. A workflow with an input form opens it (rjsf,
 * checked against the form's schema; the server's refusals shown beside the fields) first.
 */
export function WorkflowButtons({ object, recordIds, onDone }: { object: string; recordIds: readonly string[]; onDone?: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const buttons = useAsync(() => workflowsApi.buttons(object).catch(() => [] as WorkflowButton[]), [object]);
  const [open, setOpen] = useState<WorkflowButton | null>(null);
  const start = async (button: WorkflowButton, input: Record<string, unknown>) => {
    for (const recordId of recordIds) await workflowsApi.start(button.apiName, { recordId, input });
    toast(t('workflows.startedRun', { workflow: button.label }), 'success');
    setOpen(null);
    onDone?.();
  };
  if (!buttons.data?.length || !recordIds.length) return null;
  return (
    <>
      {buttons.data.map((button) => (
        <button
          key={button.apiName}
          type="button"
          className="btn btn-small"
          title={button.description || undefined}
          data-testid={`workflow-${button.apiName}`}
          onClick={() => (button.inputSchema ? setOpen(button) : void start(button, {}).catch((e: unknown) => toast(describeError(e, i18n), 'error')))}
        >
          {button.label}
        </button>
      ))}
      {open ? (
        <Dialog open title={open.label} onClose={() => setOpen(null)}>
          <SchemaForm schema={open.inputSchema!} uiSchema={{}} formData={{}} submitLabel={t('workflows.start')} onCancel={() => setOpen(null)} errorPrefix={/^input\.?/} onSubmit={(data) => start(open, data)} />
        </Dialog>
      ) : null}
    </>
  );
}
