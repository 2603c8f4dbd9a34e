import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { membersAt, parseSdk } from './sdk-completions.ts';

const sdk = parseSdk(readFileSync(new URL('../../../runtime/sdk/protean-sdk.d.ts', import.meta.url), 'utf8'));

describe('completions from the SDK declarations', () => {
  it('offers the members of ctx, ctx.records and the input of each kind, with their docs', () => {
    expect(membersAt(sdk, 'ctx', 'action').map((m) => m.name)).toEqual(['records', 'log', 'config', 'http', 'now', 'timeZone', 'user']);
    const records = membersAt(sdk, 'ctx.records', 'action');
    expect(records.map((m) => m.name)).toEqual(['query', 'get', 'create', 'update', 'delete']);
    expect(records[0]).toMatchObject({ kind: 'method', info: expect.stringContaining('visible to the script') });
    expect(membersAt(sdk, 'input', 'beforeSave').map((m) => m.name)).toEqual(['object', 'action', 'record', 'previous']);
    expect(membersAt(sdk, 'input', 'scheduled').map((m) => m.name)).toEqual(['scheduledAt']);
    expect(membersAt(sdk, 'ctx.nothing', 'action')).toEqual([]);
  });
});
