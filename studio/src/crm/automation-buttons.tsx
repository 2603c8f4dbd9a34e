import { useState } from 'react';
import { whenRefused } from '../api/http.ts';
import type { JsonSchema } from '../api/index.ts';
import { scriptsApi, type RecordAction } from '../api/scripts.ts';
import { workflowsApi, type WorkflowButton } from '../api/workflows.ts';
import { Dialog } from '../components/dialog.tsx';
import { describeError, useToast } from '../components/feedback.tsx';
import { SchemaForm } from '../forms/schema-form.tsx';
import { useI18n, type MessageKey } from '../i18n/i18n.tsx';
import { useAsync } from '../lib/use-async.ts';

/** Something a user starts on records by a button: a script's record action or a hand-started workflow. */
interface Launcher {
  key: string;
  testId: string;
  label: string;
  description: string | null;
  inputSchema: JsonSchema | null;
  /** May write records: offered only where the user may edit every record it runs on. */
  writes: boolean;
  submitLabel: MessageKey;
  /** Where the server names the form's fields in its refusals (`params.x`, `input.x`). */
  errorPrefix: RegExp;
  run: (input: Record<string, unknown>) => Promise<string>;
}

/**
 * The buttons of a record page (its script actions and hand-started workflows) or of a list's
 * selection (its workflows, one run per selected record). One that may write shows only when
 * `mayEdit` says the user may edit every one of the records, as the server checks (ADR 0012); one
 * with an input form opens it first (rjsf, checked against its schema, the server's refusals
 * beside the fields); the outcome is told in a toast.
 */
export function AutomationButtons({ object, recordIds, mayEdit, actions = false, onDone }: { object: string; recordIds: readonly string[]; mayEdit: boolean; actions?: boolean; onDone?: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const single = recordIds.length === 1 ? recordIds[0]! : null;
  const scripts = useAsync(
    () => (actions && single ? scriptsApi.actions(object, single).catch(whenRefused([403, 404], [] as RecordAction[])) : Promise.resolve([] as RecordAction[])),
    [object, actions, single],
  );
  const workflows = useAsync(() => workflowsApi.buttons(object).catch(whenRefused([403, 404], [] as WorkflowButton[])), [object]);
  const [open, setOpen] = useState<Launcher | null>(null);
  if (!recordIds.length) return null;

  const launchers: Launcher[] = [
    ...(scripts.data ?? []).map((action) => ({
      key: `action:${action.apiName}`,
      testId: `action-${action.apiName}`,
      label: action.label,
      description: action.description,
      inputSchema: action.inputSchema,
      writes: action.writes,
      submitLabel: 'scripts.run' as const,
      errorPrefix: /^params\.?/,
      run: async (params: Record<string, unknown>) => {
        await scriptsApi.runAction(object, single!, action.apiName, params);
        return t('scripts.actionDone', { action: action.label });
      },
    })),
    ...(workflows.data ?? []).map((button) => ({
      key: `workflow:${button.apiName}`,
      testId: `workflow-${button.apiName}`,
      label: button.label,
      description: button.description || null,
      inputSchema: button.inputSchema as JsonSchema | null,
      writes: button.writes,
      submitLabel: 'workflows.start' as const,
      errorPrefix: /^input\.?/,
      run: async (input: Record<string, unknown>) => {
        for (const recordId of recordIds) await workflowsApi.start(button.apiName, { recordId, input });
        return t('workflows.startedRun', { workflow: button.label });
      },
    })),
  ].filter((l) => mayEdit || !l.writes);
  const error = scripts.error ?? workflows.error;

  const run = async (launcher: Launcher, input: Record<string, unknown>) => {
    toast(await launcher.run(input), 'success');
    setOpen(null);
    onDone?.();
  };
  return (
    <>
      {error ? (
        <span className="field-error" role="alert">
          {describeError(error, i18n)}
        </span>
      ) : null}
      {launchers.map((launcher) => (
        <button
          key={launcher.key}
          type="button"
          className="btn btn-small"
          title={launcher.description ?? undefined}
          data-testid={launcher.testId}
          onClick={() => (launcher.inputSchema ? setOpen(launcher) : void run(launcher, {}).catch((e: unknown) => toast(describeError(e, i18n), 'error')))}
        >
          {launcher.label}
        </button>
      ))}
      {open ? (
        <Dialog open title={open.label} onClose={() => setOpen(null)}>
          <SchemaForm schema={open.inputSchema!} uiSchema={{}} formData={{}} submitLabel={t(open.submitLabel)} onCancel={() => setOpen(null)} errorPrefix={open.errorPrefix} onSubmit={(data) => run(open, data)} />
        </Dialog>
      ) : null}
    </>
  );
}
