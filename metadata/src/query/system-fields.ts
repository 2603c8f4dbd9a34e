import type { FieldDef } from '../schemas/field-def.ts';

function system(id: string, type: FieldDef['type'], en: string, zh: string): FieldDef {
  return { id, apiName: id, apiNameAliases: [], labels: { en, 'zh-CN': zh }, type, readOnly: true };
}

/**
 * Record columns usable in filters, sorts and field selection. They are not in any snapshot;
 * a plan field whose id is in `systemFieldIds` maps to the column of that name, not to data.
 */
export const systemFields: readonly FieldDef[] = [
  system('id', 'text', 'Id', 'ID'),
  system('created_at', 'datetime', 'Created at', '创建时间'),
  system('created_by', 'owner', 'Created by', '创建人'),
  system('updated_at', 'datetime', 'Updated at', '更新时间'),
  system('updated_by', 'owner', 'Updated by', '更新人'),
];

export const systemFieldIds: ReadonlySet<string> = new Set(systemFields.map((f) => f.id));
