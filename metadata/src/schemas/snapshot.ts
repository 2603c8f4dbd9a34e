import { Type, type Static } from '@sinclair/typebox';
import { LayoutDef } from './layout-def.ts';
import { ObjectDef } from './object-def.ts';

/** The whole tenant model at one revision. */
export const Snapshot = Type.Object(
  {
    revision: Type.Integer({ minimum: 0 }),
    objects: Type.Array(ObjectDef),
    layouts: Type.Array(LayoutDef),
  },
  { additionalProperties: false },
);
export type Snapshot = Static<typeof Snapshot>;
