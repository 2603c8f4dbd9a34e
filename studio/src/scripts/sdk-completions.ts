// Completions for the script editor, read from the SDK's declarations (served by the server, the
// same text scripts are type-checked against): after `ctx.` the members of ScriptContext, after
// `ctx.records.` those of RecordsApi, and so on, each with its doc comment.

export interface SdkMember {
  name: string;
  detail: string;
  info: string;
  kind: 'method' | 'property';
}

/** interface name → its members. */
export function parseSdk(text: string): Map<string, SdkMember[]> {
  const interfaces = new Map<string, SdkMember[]>();
  for (const match of text.matchAll(/interface (\w+) \{\n([\s\S]*?)\n\}/g)) {
    const members: SdkMember[] = [];
    let doc = '';
    for (const line of match[2]!.split('\n')) {
      const comment = /^\s*\/\*\*\s?(.*?)\s*\*?\/?$/.exec(line) ?? /^\s*\*\s?(.*?)\s*\*?\/?$/.exec(line);
      if (comment && /^\s*(\/\*\*|\*)/.test(line)) {
        doc = `${doc} ${comment[1]!.replace(/\*\/$/, '')}`.trim();
        continue;
      }
      const member = /^\s*(?:readonly\s+)?(\w+)(\?)?(\(.*|:.*)$/.exec(line);
      if (member) {
        members.push({ name: member[1]!, detail: member[3]!.replace(/;$/, ''), info: doc, kind: member[3]!.startsWith('(') ? 'method' : 'property' });
        doc = '';
      }
    }
    interfaces.set(match[1]!, members);
  }
  return interfaces;
}

const PATHS: Record<string, string> = {
  ctx: 'ScriptContext',
  'ctx.records': 'RecordsApi',
  'ctx.log': 'LogApi',
  'ctx.config': 'ConfigApi',
  'ctx.http': 'HttpApi',
  'ctx.user': 'ScriptUser',
};

const INPUTS: Record<string, string> = { beforeSave: 'BeforeSaveInput', afterSave: 'AfterSaveInput', action: 'ActionInput', scheduled: 'ScheduledInput' };

/** Members offered after `path.` (e.g. `ctx.records`) in a script of `kind`. */
export function membersAt(sdk: Map<string, SdkMember[]>, path: string, kind: string): SdkMember[] {
  const name = path === 'input' ? INPUTS[kind] : PATHS[path];
  return name ? (sdk.get(name) ?? []) : [];
}

/** A starting point for each kind of script, written against the SDK. */
export function templateFor(kind: string): string {
  switch (kind) {
    case 'beforeSave':
      return `export default function (ctx: ScriptContext, input: BeforeSaveInput): BeforeSaveResult {
  if (!input.record.name) return { errors: [{ field: 'name', message: 'is required' }] };
  return { set: {} };
}
`;
    case 'afterSave':
      return `export default async function (ctx: ScriptContext, input: AfterSaveInput) {
  ctx.log.info(input.event, input.recordId);
}
`;
    case 'scheduled':
      return `export default async function (ctx: ScriptContext, input: ScheduledInput) {
  const recent = await ctx.records.query('task', { limit: 10 });
  return { checked: recent.length, at: input.scheduledAt };
}
`;
    default:
      return `export default async function (ctx: ScriptContext, input: ActionInput) {
  ctx.log.info('running on', input.recordId, 'for', ctx.user.name);
  return { ok: true };
}
`;
  }
}
