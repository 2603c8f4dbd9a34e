import { Type, type Static } from '@sinclair/typebox';
import { LayoutDef } from './layout-def.ts';
import { metadataLimits } from './limits.ts';
import { ObjectDef } from './object-def.ts';
import { TermDef } from '../terms/term-def.ts';

/** The whole tenant model at one revision. */
export const Snapshot = Type.Object(
  {
    revision: Type.Integer({ minimum: 0 }),
    objects: Type.Array(ObjectDef, { maxItems: metadataLimits.objectsPerTenant }),
    layouts: Type.Array(LayoutDef, { maxItems: metadataLimits.layoutsPerTenant }),
    /** The tenant glossary (ADR 0004). Absent in snapshots stored before terminology: read as the standard catalogue. */
    terms: Type.Optional(Type.Array(TermDef, { maxItems: 500 })),
  },
  { additionalProperties: false },
);
export type Snapshot = Static<typeof Snapshot>;
