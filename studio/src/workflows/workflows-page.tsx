import { useCallback, useMemo, useState, type DragEvent } from 'react';
import { Background, Controls, Handle, Position, ReactFlow, ReactFlowProvider, useReactFlow, type Connection, type Edge, type Node, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import Form from '@rjsf/core';
import { customizeValidator } from '@rjsf/validator-ajv8';
import { conditionSchema, localizeFormSchema, stepConfigSchema, triggerObject, triggerSchema, validateWorkflow, type StepType, type WorkflowDefinition, type WorkflowModel, type WorkflowStep } from '@protean/metadata/workflows';
import type { PageProps } from '../app/routes.tsx';
import { useSession } from '../app/session.tsx';
import { workflowsApi, type StepExecution, type Workflow, type WorkflowRun } from '../api/workflows.ts';
import { useI18n, type MessageKey } from '../i18n/i18n.tsx';
import { navigate } from '../lib/router.tsx';
import { useAsync } from '../lib/use-async.ts';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';
import { approvalFormSchema, cleanApprovalConfig, userFieldChoices } from './approver-form.ts';
import { findObject } from '../lib/model.ts';
import { deepEqual } from '@protean/metadata/json';
import { RecordPicker } from '../components/record-picker.tsx';
import { connect, diffDefinitions, disconnect, edgesOf, handlesOf, newStep, paletteTypes, removeSteps, TRIGGER_NODE } from './workflow-graph.ts';

const validator = customizeValidator();

/** What a trigger of each type starts as when chosen; the form then edits it. */
const TRIGGER_DEFAULTS: Record<WorkflowDefinition['trigger']['type'], WorkflowDefinition['trigger']> = {
  record: { type: 'record', object: 'customer', events: ['created'] },
  noActivity: { type: 'noActivity', object: 'customer', days: 7 },
  relativeTime: { type: 'relativeTime', object: 'task', field: 'due_date', offset: { amount: 1, unit: 'days' }, direction: 'before' },
  schedule: { type: 'schedule', cron: '0 9 * * 1' },
  manual: { type: 'manual' },
  webhook: { type: 'webhook' },
};

/** One trigger type's schema (the branch of the trigger schema for it), with the condition it may refer to. */
function triggerVariant(type: string): Record<string, unknown> {
  const variant = (triggerSchema.oneOf as readonly { properties: { type: { const: string } } }[]).find((v) => v.properties.type.const === type);
  return { ...variant, $defs: { condition: conditionSchema } };
}
// Configuration forms in the reader's language: one localized schema per (locale, step or trigger type), made once.
const formSchemas = new Map<string, Record<string, unknown>>();
function formSchema(locale: string, kind: 'step' | 'trigger', type: string): Record<string, unknown> {
  const key = `${locale}:${kind}:${type}`;
  let schema = formSchemas.get(key);
  if (!schema) formSchemas.set(key, (schema = localizeFormSchema(kind === 'step' ? stepConfigSchema(type as StepType) : triggerVariant(type), locale)));
  return schema;
}
// What the forms fill in by themselves: nothing the workflow did not say in an optional field. A
// choice offered as named constants (localizeFormSchema) would otherwise put its first into every
// optional field that has one (an escalation with a unit and no amount), and a trigger without a
// condition would be given an empty "all of these", so every workflow opened unsaved.
const FORM_DEFAULTS = { constAsDefaults: 'skipOneOf', emptyObjectFields: 'populateRequiredDefaults' } as const;
const stepKey = (type: string) => `workflows.step.${type}` as MessageKey;
const statusKey = (status: string) => `workflows.status.${status}` as MessageKey;

/**
 * A form's `object` property as a choice of the workspace's objects by their label, instead of a
 * box for an API name typed from memory. A value that names no object (renamed or deleted since)
 * stays offered under its name, so the form shows what the workflow says and validation names it.
 */
function withObjectChoices(schema: Record<string, unknown>, objects: readonly { apiName: string; label: string }[], current: unknown): { schema: Record<string, unknown>; ui: Record<string, unknown> } {
  const properties = schema['properties'] as Record<string, Record<string, unknown>> | undefined;
  const object = properties?.['object'];
  if (!properties || object?.['type'] !== 'string') return { schema, ui: {} };
  const names = objects.map((o) => o.apiName);
  const labels = objects.map((o) => o.label);
  if (typeof current === 'string' && current && !names.includes(current)) {
    names.push(current);
    labels.push(current);
  }
  return { schema: { ...schema, properties: { ...properties, object: { ...object, enum: names } } }, ui: { object: { 'ui:enumNames': labels } } };
}

/** Setup → Workflows: the list, and the builder of one workflow. */
export default function WorkflowsPage({ params }: PageProps) {
  return params['workflow'] ? <WorkflowBuilderPage key={params['workflow']} id={params['workflow']} /> : <WorkflowList />;
}

function WorkflowList() {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const list = useAsync(() => workflowsApi.list(), []);
  const [label, setLabel] = useState('');
  const create = async () => {
    const apiName = label.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').replace(/^(?![a-z])/, 'w_').slice(0, 63);
    try {
      const wf = await workflowsApi.create({
        apiName,
        label: label.trim(),
        definition: { trigger: { type: 'manual' }, start: 'end_1', steps: [{ id: 'end_1', type: 'end', label: t(stepKey('end')), config: {}, position: { x: 0, y: 140 } }], triggerPosition: { x: 0, y: 0 } },
      });
      navigate(`/setup/workflows/${wf.apiName}`);
    } catch (error) {
      toast(describeError(error, i18n), 'error');
    }
  };
  return (
    <div className="page">
      <header className="page-header">
        <h1>{t('workflows.title')}</h1>
      </header>
      <p className="muted">{t('workflows.intro')}</p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (label.trim()) void create();
        }}
      >
        <label>
          {t('workflows.newLabel')} <input value={label} onChange={(e) => setLabel(e.target.value)} aria-label={t('workflows.newLabel')} />
        </label>
        <button type="submit" className="btn btn-primary" disabled={!label.trim()}>
          {t('workflows.new')}
        </button>
      </form>
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        <DataTable label={t('workflows.title')} columns={[t('workflows.label'), t('workflows.trigger'), t('workflows.statusColumn'), t('workflows.version')]}>
          {list.data.map((wf: Workflow) => (
            <tr key={wf.id}>
              <td>
                <a href={`/setup/workflows/${wf.apiName}`} onClick={(e) => (e.preventDefault(), navigate(`/setup/workflows/${wf.apiName}`))}>
                  {wf.label}
                </a>
              </td>
              <td>{t(`workflows.trigger.${wf.triggerType}` as MessageKey)}</td>
              <td>{t(statusKey(wf.status))}</td>
              <td>{wf.version}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </div>
  );
}

function WorkflowBuilderPage({ id }: { id: string }) {
  const loaded = useAsync(() => workflowsApi.get(id), [id]);
  if (loaded.error) return <ErrorBox error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <Loading />;
  return (
    <ReactFlowProvider>
      <Builder initial={loaded.data} reload={loaded.reload} />
    </ReactFlowProvider>
  );
}

interface StepNodeData extends Record<string, unknown> {
  title: string;
  kind: string;
  handles: string[];
  problem: boolean;
  ran?: StepExecution['status'];
  isTrigger: boolean;
}

/** A branch a step leaves by, in the reader's words: the fixed ones of conditions and approvals are translated, a switch's cases are the designer's own. */
function branchLabel(i18n: ReturnType<typeof useI18n>, branch: string): string {
  return branch === 'next' ? i18n.t('workflows.next') : (i18n.tMaybe(`workflows.branch.${branch}`) ?? branch);
}

function StepNode({ data, selected }: NodeProps<Node<StepNodeData>>) {
  const i18n = useI18n();
  const classes = ['wf-node', data.isTrigger ? 'wf-trigger' : '', data.problem ? 'wf-problem' : '', data.ran ? `wf-ran-${data.ran}` : '', selected ? 'wf-selected' : ''].join(' ');
  return (
    <div className={classes} data-testid={`wf-node-${data.title}`}>
      {data.isTrigger ? null : <Handle type="target" position={Position.Top} id="in" />}
      <div className="wf-node-kind">{data.kind}</div>
      <div className="wf-node-title">{data.title}</div>
      <div className="wf-node-handles">
        {data.handles.map((h, i) => (
          <Handle key={h} type="source" position={Position.Bottom} id={h} style={{ left: `${((i + 1) * 100) / (data.handles.length + 1)}%` }} title={branchLabel(i18n, h)} />
        ))}
      </div>
      {data.handles.length > 1 ? (
        <div className="wf-node-branches" aria-hidden>
          {data.handles.map((h) => (
            <span key={h}>{branchLabel(i18n, h)}</span>
          ))}
        </div>
      ) : null}
    </div>
  );
}

const nodeTypes = { step: StepNode };

function Builder({ initial, reload }: { initial: Awaited<ReturnType<typeof workflowsApi.get>>; reload: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot } = useSession();
  const flow = useReactFlow();
  const [def, setDef] = useState<WorkflowDefinition>(initial.definition);
  const [selected, setSelected] = useState<string>(TRIGGER_NODE);
  const [dirty, setDirty] = useState(false);
  // The nodes are rebuilt from the definition on every render; the canvas hides a node it has no
  // size for, so the sizes it measured are handed back, or every keystroke would blink the canvas.
  const [measured, setMeasured] = useState<ReadonlyMap<string, { width: number; height: number }>>(new Map());
  const [message, setMessage] = useState('');
  const [testRecord, setTestRecord] = useState('');
  const [testRun, setTestRun] = useState<(WorkflowRun & { steps: StepExecution[] }) | null>(null);
  const [tab, setTab] = useState<'problems' | 'runs' | 'versions'>('problems');

  const model: WorkflowModel = useMemo(
    () => ({
      fields: (name) => {
        const object = snapshot.objects.find((o) => o.apiName === name || o.id === name);
        return object?.fields.filter((f) => !f.deletedAt).map((f) => ({ apiName: f.apiName, type: f.type, lookup: f.lookup ? findObject(snapshot, f.lookup.objectId)?.apiName : undefined }));
      },
      // Expression conditions are type-checked while editing, as the server checks them at save.
      snapshot,
    }),
    [snapshot],
  );
  const problems = useMemo(() => validateWorkflow(def, model), [def, model]);
  // Approval steps pick profiles, roles and user fields by name (approver-form.ts).
  const approverChoices = useAsync(() => workflowsApi.approverChoices(), []);
  const userFields = useMemo(() => userFieldChoices(snapshot, triggerObject(def), i18n.fieldLabel), [snapshot, def, i18n.fieldLabel]);
  const problemSteps = useMemo(() => new Set(problems.map((p) => /^\/steps\/(\d+)/.exec(p.path)?.[1]).filter(Boolean).map((i) => def.steps[Number(i)]?.id)), [problems, def]);
  const ran = useMemo(() => new Map(testRun?.steps.map((s) => [s.stepId, s.status]) ?? []), [testRun]);

  const update = (next: WorkflowDefinition) => {
    // The configuration forms report their data when they mount and on every render; only a
    // change of what the workflow says makes it unsaved (and keeps it from a test run).
    if (deepEqual(next, def)) return;
    setDef(next);
    setDirty(true);
  };
  const label = (step: WorkflowStep) => step.label || step.id;

  const nodes: Node<StepNodeData>[] = [
    {
      id: TRIGGER_NODE,
      type: 'step',
      position: def.triggerPosition ?? { x: 0, y: 0 },
      measured: measured.get(TRIGGER_NODE),
      deletable: false,
      selected: selected === TRIGGER_NODE,
      data: { title: t(`workflows.trigger.${def.trigger.type}` as MessageKey), kind: t('workflows.triggerNode'), handles: ['next'], problem: problems.some((p) => p.path.startsWith('/trigger') || p.path === '/start'), isTrigger: true },
    },
    ...def.steps.map((step, i) => ({
      id: step.id,
      type: 'step',
      position: step.position ?? { x: 0, y: 140 * (i + 1) },
      measured: measured.get(step.id),
      selected: selected === step.id,
      data: { title: label(step), kind: t(stepKey(step.type)), handles: handlesOf(step), problem: problemSteps.has(step.id), isTrigger: false, ...(ran.has(step.id) ? { ran: ran.get(step.id)! } : {}) },
    })),
  ];
  const titleOf = new Map(nodes.map((n) => [n.id, n.data.title]));
  const edges: Edge[] = edgesOf(def).map((e) => ({
    ...e,
    label: e.sourceHandle === 'next' ? undefined : branchLabel(i18n, e.sourceHandle),
    ariaLabel: t('workflows.edge', { from: titleOf.get(e.source) ?? e.source, to: titleOf.get(e.target) ?? e.target }),
    animated: ran.has(e.source) && ran.has(e.target),
  }));
  // The canvas library's own controls and screen-reader texts, in the studio's language.
  const ariaLabelConfig = useMemo(
    () => ({
      'node.a11yDescription.default': t('workflows.stepHelp'),
      'node.a11yDescription.keyboardDisabled': t('workflows.stepHelpKeyboard'),
      'node.a11yDescription.ariaLiveMessage': ({ x, y }: { x: number; y: number }) => t('workflows.stepMoved', { x: String(Math.round(x)), y: String(Math.round(y)) }),
      'edge.a11yDescription.default': t('workflows.edgeHelp'),
      'controls.ariaLabel': t('workflows.canvasControls'),
      'controls.zoomIn.ariaLabel': t('workflows.zoomIn'),
      'controls.zoomOut.ariaLabel': t('workflows.zoomOut'),
      'controls.fitView.ariaLabel': t('workflows.fitView'),
      'controls.interactive.ariaLabel': t('workflows.lockCanvas'),
      'minimap.ariaLabel': t('workflows.miniMap'),
      'handle.ariaLabel': t('workflows.handle'),
    }),
    [t],
  );

  const addStep = (type: StepType, position?: { x: number; y: number }) => {
    const lowest = Math.max(0, ...def.steps.map((s) => s.position?.y ?? 0));
    const step = newStep(def, type, position ?? { x: 0, y: lowest + 140 }, t(stepKey(type)));
    update({ ...def, steps: [...def.steps, step] });
    setSelected(step.id);
    // Keep the whole graph in view, the new step included, once it has been drawn.
    requestAnimationFrame(() => void flow.fitView({ duration: 0, padding: 0.2 }));
  };

  const onDrop = useCallback(
    (event: DragEvent) => {
      event.preventDefault();
      const type = event.dataTransfer.getData('application/x-protean-step') as StepType;
      if (type) addStep(type, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [def, flow],
  );

  const save = async () => {
    try {
      await workflowsApi.update(initial.apiName, { definition: def, message, expectedVersion: initial.version });
      setDirty(false);
      setMessage('');
      toast(t('workflows.saved'), 'success');
      reload();
    } catch (error) {
      toast(describeError(error, i18n), 'error');
    }
  };
  const toggle = async () => {
    try {
      await (initial.status === 'active' ? workflowsApi.deactivate(initial.apiName) : workflowsApi.activate(initial.apiName));
      reload();
    } catch (error) {
      toast(describeError(error, i18n), 'error');
    }
  };
  const test = async () => {
    try {
      const { runId } = await workflowsApi.start(initial.apiName, { test: true, ...(testObject && testRecord ? { recordId: testRecord } : {}) });
      const deadline = Date.now() + 15_000;
      let run = await workflowsApi.run(runId);
      while (['queued', 'running'].includes(run.status) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 300));
        run = await workflowsApi.run(runId);
      }
      setTestRun(run);
    } catch (error) {
      toast(describeError(error, i18n), 'error');
    }
  };

  const step = def.steps.find((s) => s.id === selected);
  const testObjectName = triggerObject(def);
  const testObject = testObjectName ? findObject(snapshot, testObjectName) : undefined;
  const objectChoices = snapshot.objects.map((o) => ({ apiName: o.apiName, label: i18n.objectLabel(o, 'singular') }));
  const triggerForm = withObjectChoices(formSchema(i18n.locale, 'trigger', def.trigger.type), objectChoices, (def.trigger as { object?: unknown }).object);
  const stepForm = step ? withObjectChoices(formSchema(i18n.locale, 'step', step.type), objectChoices, step.config['object']) : undefined;
  return (
    <div className="page wf-builder">
      <header className="page-header">
        <h1>
          {initial.label} <small className="muted">v{initial.version}</small>
        </h1>
        <span className={`badge badge-${initial.status}`}>{t(statusKey(initial.status))}</span>
        <button type="button" className="btn" onClick={() => void toggle()}>
          {initial.status === 'active' ? t('workflows.deactivate') : t('workflows.activate')}
        </button>
      </header>
      {initial.pausedReason ? <p className="error-text">{initial.pausedReason}</p> : null}
      <div className="wf-layout">
        <aside className="wf-palette" aria-label={t('workflows.palette')}>
          <h2>{t('workflows.palette')}</h2>
          {paletteTypes.map((type) => (
            <button key={type} type="button" className="btn btn-small wf-palette-item" draggable onDragStart={(e) => e.dataTransfer.setData('application/x-protean-step', type)} onClick={() => addStep(type)}>
              {t(stepKey(type))}
            </button>
          ))}
        </aside>
        <div className="wf-canvas" onDragOver={(e) => e.preventDefault()} onDrop={onDrop} role="application" aria-label={t('workflows.canvas')}>
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            ariaLabelConfig={ariaLabelConfig}
            fitView
            deleteKeyCode={['Delete', 'Backspace']}
            onNodeClick={(_, node) => setSelected(node.id)}
            autoPanOnConnect={false}
            onNodesChange={(changes) => {
              const sizes = changes.flatMap((change) => (change.type === 'dimensions' && change.dimensions ? [[change.id, change.dimensions] as const] : []));
              if (sizes.length > 0) setMeasured((known) => new Map([...known, ...sizes]));
              // Nodes follow the mouse while dragged: their positions live in the definition.
              let next = def;
              for (const change of changes) {
                if (change.type !== 'position' || !change.position) continue;
                const position = change.position;
                next = change.id === TRIGGER_NODE ? { ...next, triggerPosition: position } : { ...next, steps: next.steps.map((s) => (s.id === change.id ? { ...s, position } : s)) };
              }
              if (next !== def) update(next);
            }}
            onConnect={(c: Connection) => c.source && c.target && update(connect(def, c.source, c.sourceHandle ?? 'next', c.target))}
            onEdgesDelete={(gone) => update(gone.reduce((d, e) => disconnect(d, e.id), def))}
            onNodesDelete={(gone) => {
              update(removeSteps(def, gone.map((n) => n.id).filter((n) => n !== TRIGGER_NODE)));
              setSelected(TRIGGER_NODE);
            }}
          >
            <Background />
            <Controls />
          </ReactFlow>
        </div>
        <aside className="wf-inspector" aria-label={t('workflows.inspector')}>
          {selected === TRIGGER_NODE ? (
            <>
              <h2>{t('workflows.triggerNode')}</h2>
              <label className="field">
                {t('workflows.trigger')}
                <select value={def.trigger.type} onChange={(e) => update({ ...def, trigger: TRIGGER_DEFAULTS[e.target.value as WorkflowDefinition['trigger']['type']] })}>
                  {Object.keys(TRIGGER_DEFAULTS).map((type) => (
                    <option key={type} value={type}>
                      {t(`workflows.trigger.${type}` as MessageKey)}
                    </option>
                  ))}
                </select>
              </label>
              <Form
                key={def.trigger.type}
                schema={triggerForm.schema as never}
                formData={def.trigger}
                validator={validator}
                experimental_defaultFormStateBehavior={FORM_DEFAULTS}
                liveValidate
                showErrorList={false}
                onChange={(e) => e.formData && update({ ...def, trigger: { ...(e.formData as object), type: def.trigger.type } as WorkflowDefinition['trigger'] })}
                uiSchema={{
                  ...triggerForm.ui,
                  type: { 'ui:widget': 'hidden' },
                  // The record events in the reader's words, as the webhook form says them.
                  events: { items: { 'ui:enumNames': ['created', 'updated', 'deleted'].map((event) => t(`webhooks.action.${event}` as MessageKey)) } },
                  'ui:submitButtonOptions': { norender: true },
                }}
              />
            </>
          ) : step ? (
            <>
              <h2>{t(stepKey(step.type))}</h2>
              <label className="field">
                {t('workflows.stepLabel')}
                <input value={step.label ?? ''} onChange={(e) => update({ ...def, steps: def.steps.map((s) => (s.id === step.id ? { ...s, label: e.target.value } : s)) })} />
              </label>
              <p className="muted">
                <code>{step.id}</code>
              </p>
              <Form
                key={step.id}
                schema={(step.type === 'approval' ? approvalFormSchema(stepForm!.schema, approverChoices.data, userFields, step.config) : stepForm!.schema) as never}
                formData={step.config}
                validator={validator}
                experimental_defaultFormStateBehavior={FORM_DEFAULTS}
                liveValidate
                showErrorList={false}
                onChange={(e) => {
                  const config = (e.formData ?? {}) as Record<string, unknown>;
                  update({ ...def, steps: def.steps.map((s) => (s.id === step.id ? { ...s, config: s.type === 'approval' ? cleanApprovalConfig(config) : config } : s)) });
                }}
                uiSchema={{ ...stepForm!.ui, 'ui:submitButtonOptions': { norender: true } }}
              />
              <button type="button" className="btn btn-small btn-danger" onClick={() => (update(removeSteps(def, [step.id])), setSelected(TRIGGER_NODE))}>
                {t('workflows.removeStep')}
              </button>
            </>
          ) : null}
        </aside>
      </div>
      <div className="wf-toolbar">
        <input value={message} onChange={(e) => setMessage(e.target.value)} placeholder={t('workflows.changeNote')} aria-label={t('workflows.changeNote')} />
        <button type="button" className="btn btn-primary" disabled={!dirty || problems.length > 0} onClick={() => void save()}>
          {t('workflows.save')}
        </button>
        {/* A test run takes a record of the trigger's object, found by its name (a trigger without an object takes none). */}
        {testObject ? <RecordPicker object={testObject} value={testRecord || null} onChange={(id) => setTestRecord(id ?? '')} label={t('workflows.testRecord')} placeholder={t('workflows.testRecord')} /> : null}
        <button type="button" className="btn" disabled={dirty} onClick={() => void test()}>
          {t('workflows.testRun')}
        </button>
        {testRun ? <span data-testid="wf-test-status">{t(statusKey(testRun.status))}: {testRun.steps.map((s) => label(def.steps.find((x) => x.id === s.stepId) ?? ({ id: s.stepId } as WorkflowStep))).join(' → ')}</span> : null}
      </div>
      <div className="tabs" role="tablist">
        {(['problems', 'runs', 'versions'] as const).map((name) => (
          <button key={name} type="button" role="tab" aria-selected={tab === name} className={tab === name ? 'tab active' : 'tab'} onClick={() => setTab(name)}>
            {t(`workflows.tab.${name}` as MessageKey)}
            {name === 'problems' && problems.length ? ` (${problems.length})` : ''}
          </button>
        ))}
      </div>
      {tab === 'problems' ? (
        problems.length ? (
          <ul className="wf-problems" aria-label={t('workflows.tab.problems')}>
            {problems.map((p, i) => (
              <li key={i}>
                <code>{p.path || '/'}</code> {p.message}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">{t('workflows.noProblems')}</p>
        )
      ) : null}
      {tab === 'runs' ? <RunHistory workflow={initial.apiName} /> : null}
      {tab === 'versions' ? <Versions workflow={initial.apiName} current={initial.version} /> : null}
    </div>
  );
}

function RunHistory({ workflow }: { workflow: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const runs = useAsync(() => workflowsApi.runs(workflow), [workflow]);
  const [open, setOpen] = useState<string | null>(null);
  const detail = useAsync(() => (open ? workflowsApi.run(open) : Promise.resolve(null)), [open]);
  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      runs.reload();
      detail.reload();
    } catch (error) {
      toast(describeError(error, i18n), 'error');
    }
  };
  if (runs.error) return <ErrorBox error={runs.error} onRetry={runs.reload} />;
  if (!runs.data) return <Loading />;
  return (
    <div>
      <button type="button" className="btn btn-small" onClick={runs.reload}>
        {t('workflows.refresh')}
      </button>
      <DataTable label={t('workflows.tab.runs')} columns={[t('workflows.started'), t('workflows.statusColumn'), t('workflows.version'), t('workflows.error')]} actions>
        {runs.data.map((run) => (
          <tr key={run.id}>
            <td>{new Date(run.startedAt).toLocaleString(i18n.locale)}</td>
            <td>
              {t(statusKey(run.status))}
              {run.test ? ` (${t('workflows.test')})` : ''}
            </td>
            <td>{run.version}</td>
            <td>{run.error ?? ''}</td>
            <td className="row-actions">
              <button type="button" className="btn btn-small" onClick={() => setOpen(open === run.id ? null : run.id)}>
                {t('workflows.steps')}
              </button>
              {run.status === 'failed' ? (
                <button type="button" className="btn btn-small" onClick={() => void act(() => workflowsApi.retry(run.id))}>
                  {t('workflows.retry')}
                </button>
              ) : null}
              {['queued', 'running', 'waiting'].includes(run.status) ? (
                <button type="button" className="btn btn-small btn-danger" onClick={() => void act(() => workflowsApi.cancel(run.id))}>
                  {t('workflows.cancel')}
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </DataTable>
      {detail.data ? (
        <DataTable label={t('workflows.steps')} columns={['#', t('workflows.step'), t('workflows.statusColumn'), t('workflows.duration'), t('workflows.input'), t('workflows.output')]}>
          {detail.data.steps.map((s) => (
            <tr key={s.seq}>
              <td>{s.seq}</td>
              <td>
                {s.stepId} <small className="muted">{t(stepKey(s.type))}</small>
              </td>
              <td>
                {t(`workflows.stepStatus.${s.status}` as MessageKey)}
                {s.attempt > 1 ? ` ×${s.attempt}` : ''}
                {s.error ? <div className="error-text">{s.error}</div> : null}
              </td>
              <td>{s.durationMs === null ? '' : `${s.durationMs.toFixed(1)} ms`}</td>
              <td>
                <code className="wf-json">{JSON.stringify(s.input)}</code>
              </td>
              <td>
                <code className="wf-json">{JSON.stringify(s.output)}</code>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </div>
  );
}

function Versions({ workflow, current }: { workflow: string; current: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const versions = useAsync(() => workflowsApi.versions(workflow), [workflow]);
  const [from, setFrom] = useState(Math.max(1, current - 1));
  const [to, setTo] = useState(current);
  const diff = useAsync(async () => {
    const [a, b] = await Promise.all([workflowsApi.get(workflow, from), workflowsApi.get(workflow, to)]);
    return diffDefinitions(a.definition, b.definition);
  }, [workflow, from, to]);
  if (versions.error) return <ErrorBox error={versions.error} onRetry={versions.reload} />;
  if (!versions.data) return <Loading />;
  const pick = (value: number, set: (n: number) => void, name: string) => (
    <select value={value} onChange={(e) => set(Number(e.target.value))} aria-label={name}>
      {versions.data!.map((v) => (
        <option key={v.version} value={v.version}>
          v{v.version}
        </option>
      ))}
    </select>
  );
  return (
    <div>
      <DataTable label={t('workflows.tab.versions')} columns={[t('workflows.version'), t('workflows.changeNote'), t('workflows.started')]}>
        {versions.data.map((v) => (
          <tr key={v.version}>
            <td>v{v.version}</td>
            <td>{v.message}</td>
            <td>{new Date(v.createdAt).toLocaleString(i18n.locale)}</td>
          </tr>
        ))}
      </DataTable>
      <p>
        {t('workflows.compare')} {pick(from, setFrom, t('workflows.from'))} → {pick(to, setTo, t('workflows.to'))}
      </p>
      {diff.data ? (
        <ul className="wf-diff">
          {diff.data.trigger ? <li>{t('workflows.diff.trigger')}</li> : null}
          {diff.data.added.map((id) => (
            <li key={`a${id}`} className="added">
              + {id}
            </li>
          ))}
          {diff.data.removed.map((id) => (
            <li key={`r${id}`} className="removed">
              − {id}
            </li>
          ))}
          {diff.data.changed.map((id) => (
            <li key={`c${id}`}>~ {id}</li>
          ))}
          {!diff.data.trigger && !diff.data.added.length && !diff.data.removed.length && !diff.data.changed.length ? <li>{t('workflows.diff.same')}</li> : null}
        </ul>
      ) : null}
    </div>
  );
}
