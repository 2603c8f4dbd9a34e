// Pure helpers between a workflow definition and the canvas: nodes, edges, and the edits a drag or
// a connection makes. Kept apart from React so they can be tested alone.
import { allowedBranches, stepCatalog, type StepType, type WorkflowDefinition, type WorkflowStep } from '@protean/metadata/workflows';

export const TRIGGER_NODE = '__trigger';

/** The ways out of a step as handles: its branches, plus `next` where a step goes on by itself. */
export function handlesOf(step: WorkflowStep): string[] {
  const branches = allowedBranches(step.type, step.config);
  if (step.type === 'end') return [];
  if (step.type === 'condition' || step.type === 'approval') return branches;
  if (step.type === 'switch' || step.type === 'wait') return branches;
  if (step.type === 'loop') return [...branches, 'next'];
  return ['next'];
}

export interface GraphEdge {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
}

export function edgesOf(def: WorkflowDefinition): GraphEdge[] {
  const edges: GraphEdge[] = [];
  if (def.start) edges.push({ id: `${TRIGGER_NODE}:next`, source: TRIGGER_NODE, sourceHandle: 'next', target: def.start });
  for (const step of def.steps) {
    if (step.next) edges.push({ id: `${step.id}:next`, source: step.id, sourceHandle: 'next', target: step.next });
    for (const [branch, target] of Object.entries(step.branches ?? {})) edges.push({ id: `${step.id}:${branch}`, source: step.id, sourceHandle: branch, target });
  }
  return edges;
}

/** Connects `source`'s way out `handle` to `target`, replacing what it pointed at. */
export function connect(def: WorkflowDefinition, source: string, handle: string, target: string): WorkflowDefinition {
  if (source === target) return def;
  if (source === TRIGGER_NODE) return { ...def, start: target };
  return {
    ...def,
    steps: def.steps.map((s) => {
      if (s.id !== source) return s;
      if (handle === 'next') return { ...s, next: target };
      return { ...s, branches: { ...(s.branches ?? {}), [handle]: target } };
    }),
  };
}

export function disconnect(def: WorkflowDefinition, edgeId: string): WorkflowDefinition {
  const [source, handle] = edgeId.split(':') as [string, string];
  if (source === TRIGGER_NODE) return { ...def, start: '' };
  return {
    ...def,
    steps: def.steps.map((s) => {
      if (s.id !== source) return s;
      if (handle === 'next') {
        const { next: _next, ...rest } = s;
        return rest;
      }
      const branches = { ...(s.branches ?? {}) };
      delete branches[handle];
      return { ...s, branches };
    }),
  };
}

/** Removes steps and every way into them. */
export function removeSteps(def: WorkflowDefinition, ids: string[]): WorkflowDefinition {
  const gone = new Set(ids);
  const steps = def.steps
    .filter((s) => !gone.has(s.id))
    .map((s) => {
      const next = s.next && gone.has(s.next) ? undefined : s.next;
      const branches = Object.fromEntries(Object.entries(s.branches ?? {}).filter(([, t]) => !gone.has(t)));
      const { next: _n, branches: _b, ...rest } = s;
      return { ...rest, ...(next ? { next } : {}), ...(Object.keys(branches).length ? { branches } : {}) };
    });
  return { ...def, steps, start: gone.has(def.start) ? '' : def.start };
}

const snake = (type: string) => type.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * A step added from the palette: an id of its kind, and the kind's name in the designer's
 * language as its label (numbered when another step has it), so the canvas reads "Create a task 2"
 * rather than `create_task_2`; the label is the designer's to change.
 */
export function newStep(def: WorkflowDefinition, type: StepType, position: { x: number; y: number }, kindName: string): WorkflowStep {
  const base = snake(type);
  let n = 1;
  while (def.steps.some((s) => s.id === `${base}_${n}`)) n += 1;
  const labels = new Set(def.steps.map((s) => s.label));
  let label = kindName;
  for (let k = 2; labels.has(label); k++) label = `${kindName} ${k}`;
  const config: Record<string, unknown> = type === 'wait' ? { mode: 'duration', duration: { amount: 1, unit: 'days' } } : type === 'loop' ? { over: 'steps', max: 100 } : {};
  return { id: `${base}_${n}`, type, label, config, position };
}

export const paletteTypes = Object.keys(stepCatalog) as StepType[];

/** Which steps changed between two versions: added, removed, changed (by id), and whether the trigger changed. */
export function diffDefinitions(a: WorkflowDefinition, b: WorkflowDefinition): { trigger: boolean; added: string[]; removed: string[]; changed: string[] } {
  const byId = (d: WorkflowDefinition) => new Map(d.steps.map((s) => [s.id, s]));
  const before = byId(a);
  const after = byId(b);
  const strip = (s: WorkflowStep) => JSON.stringify({ ...s, position: undefined });
  return {
    trigger: JSON.stringify(a.trigger) !== JSON.stringify(b.trigger) || a.start !== b.start,
    added: [...after.keys()].filter((id) => !before.has(id)),
    removed: [...before.keys()].filter((id) => !after.has(id)),
    changed: [...after.keys()].filter((id) => before.has(id) && strip(before.get(id)!) !== strip(after.get(id)!)),
  };
}
