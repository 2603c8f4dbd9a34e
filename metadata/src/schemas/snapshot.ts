import { Type, type Static } from '@sinclair/typebox';
import { LayoutDef } from './layout-def.ts';
import { metadataLimits } from './limits.ts';
import { ObjectDef } from './object-def.ts';
import { TermDef } from '../terms/term-def.ts';

/**
 * Which saved version of a workflow or script is current at a revision. The versions themselves
 * (definitions, compiled code) live in their own version tables; the model's revision names them,
 * so the revision history, its diff and a restore cover automation as well as the model.
 */
export const AutomationRef = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    apiName: Type.String({ minLength: 1, maxLength: 100 }),
    label: Type.String({ maxLength: 200 }),
    version: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type AutomationRef = Static<typeof AutomationRef>;

export const Automations = Type.Object(
  {
    workflows: Type.Array(AutomationRef, { maxItems: 10_000 }),
    scripts: Type.Array(AutomationRef, { maxItems: 10_000 }),
  },
  { additionalProperties: false },
);
export type Automations = Static<typeof Automations>;
export type AutomationKind = keyof Automations;

/** The whole tenant model at one revision. */
export const Snapshot = Type.Object(
  {
    revision: Type.Integer({ minimum: 0 }),
    objects: Type.Array(ObjectDef, { maxItems: metadataLimits.objectsPerTenant }),
    layouts: Type.Array(LayoutDef, { maxItems: metadataLimits.layoutsPerTenant }),
    /** The tenant glossary (ADR 0004). Absent in snapshots stored before terminology: read as the standard catalogue. */
    terms: Type.Optional(Type.Array(TermDef, { maxItems: 500 })),
    /** Absent in snapshots stored before automation joined revisions: read as none. */
    automations: Type.Optional(Automations),
  },
  { additionalProperties: false },
);
export type Snapshot = Static<typeof Snapshot>;
