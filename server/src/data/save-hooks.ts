import type { FieldDef, ObjectDef } from '@protean/metadata';
import type { FieldProblem } from '../errors/problems.ts';
import type { RequestContext, WriteScope } from './request-context.ts';

/** A record on its way to storage: values by field id, after validation and defaults. */
export interface RecordDraft {
  id: string;
  data: Record<string, unknown>;
  /** The stored values before this save (updates only). */
  previous?: Readonly<Record<string, unknown>>;
  /** Position in a batch, to point errors at the item. */
  index?: number;
}

export type SaveAction = 'create' | 'update' | 'delete' | 'restore';

export interface SaveEvent {
  ctx: RequestContext;
  scope: WriteScope;
  object: ObjectDef;
  action: SaveAction;
  records: RecordDraft[];
  /** Fields whose values this save sets (all live fields on create). */
  changed: readonly FieldDef[];
}

/**
 * The named points where logic joins the save pipeline, in order:
 *   validate → beforeSave → write (+ outbox, same transaction) → afterWrite → commit → afterCommit.
 * beforeSave may change `records[].data` (formulas, defaults, triggers) or answer problems,
 * which are reported with every other error at once; afterWrite runs in the transaction after
 * the rows are written (roll-ups); afterCommit runs once the transaction committed (a hint
 * to outbox consumers; never the only way an effect happens).
 */
export interface SaveHooks {
  beforeSave: NamedHook<(event: SaveEvent) => Promise<FieldProblem[] | void>>[];
  afterWrite: NamedHook<(event: SaveEvent) => Promise<void>>[];
  afterCommit: NamedHook<(event: Omit<SaveEvent, 'scope'>) => void | Promise<void>>[];
}

export interface NamedHook<Run> {
  /** Who registered it ("formulas", "validation-rules", "triggers", "outbox-notify"). */
  name: string;
  run: Run;
  /**
   * Whether the hook has work for this object and action (an object with no rules, no trigger).
   * Absent means always. A create for which no beforeSave or afterWrite hook applies commits in
   * one statement, without a transaction of ours (SavePipeline.create), so answer precisely.
   */
  appliesTo?: (object: ObjectDef, action: SaveAction) => boolean;
  /**
   * A beforeSave hook that only reads (through `scope.tx`) and computes may run ahead of a
   * one-statement create instead of forcing a transaction; its `scope.tx` then runs each read
   * in a transaction of its own (`scope.readOnly`: writing through it throws). Problems it
   * answers send the create down the transactional path, where it runs again.
   */
  outsideTransaction?: (object: ObjectDef, action: SaveAction) => boolean;
}

export const emptySaveHooks = (): SaveHooks => ({ beforeSave: [], afterWrite: [], afterCommit: [] });
