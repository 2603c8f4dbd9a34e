import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;
let repCookie: string;
let repId: string;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'crm');
  const rep = await t.api('POST', '/users', { email: 'rep@crm.test', name: 'Rita Rep', role: 'standard', password: 'a long enough password' });
  repId = json(rep)['id'] as string;
  const login = await h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.slug, email: 'rep@crm.test', password: 'a long enough password' } });
  repCookie = String(login.headers['set-cookie']).split(';')[0]!;
});
afterAll(async () => h?.close());

const asRep = (method: string, url: string, payload?: unknown) =>
  h.server.app.inject({ method: method as 'GET', url: `/api/v1${url}`, headers: { cookie: repCookie, 'sec-fetch-site': 'same-origin' }, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('what the CRM screens need from the API', () => {
  it('saved views are private to their owner unless an admin shares them, and are checked against the metadata', async () => {
    const mine = await asRep('POST', '/views', { object: 'deal', name: 'My open deals', definition: { kind: 'list', columns: ['name', 'amount'], sort: '-amount', filter: { field: 'stage', op: 'ne', value: 'closed_won' } } });
    expect(mine.statusCode, mine.body).toBe(201);
    expect((await asRep('POST', '/views', { object: 'deal', name: 'For all', shared: true, definition: { kind: 'list' } })).statusCode).toBe(403);
    const shared = await t.api('POST', '/views', { object: 'deal', name: 'Pipeline', shared: true, definition: { kind: 'kanban', groupBy: 'stage' } });
    expect(shared.statusCode, shared.body).toBe(201);
    const adminPrivate = await t.api('POST', '/views', { object: 'deal', name: 'Admin only', definition: { kind: 'list' } });
    expect(adminPrivate.statusCode).toBe(201);

    const seenByRep = (await asRep('GET', '/views?object=deal')).json() as { name: string }[];
    expect(seenByRep.map((v) => v.name).sort()).toEqual(['My open deals', 'Pipeline']);
    expect((await asRep('DELETE', `/views/${String(json(shared)['id'])}`)).statusCode).toBe(403);
    expect((await asRep('PATCH', `/views/${String(json(adminPrivate)['id'])}`, { name: 'x' })).statusCode).toBe(404);

    const bad = await t.api('POST', '/views', { object: 'deal', name: 'Broken', definition: { kind: 'kanban', groupBy: 'amount', filter: { field: 'warp', op: 'eq', value: 1 } } });
    expect(bad.statusCode).toBe(422);
    const fields = (bad.json() as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['definition.groupBy']));
    expect(fields.some((f) => f.includes('warp'))).toBe(true);
    // A misspelt column is named where it was written: in the view's columns.
    const column = await t.api('POST', '/views', { object: 'deal', name: 'Typo', definition: { kind: 'list', columns: ['name', 'amuont'], sort: '-amount' } });
    expect(column.statusCode).toBe(422);
    expect((column.json() as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['definition.columns.amuont']);
    // Each column is one field, once; only a kanban view groups.
    for (const [definition, field] of [
      [{ kind: 'list', columns: ['name', ''] }, 'definition.columns.1'],
      [{ kind: 'list', columns: ['name,amount'] }, 'definition.columns.0'],
      [{ kind: 'list', columns: ['name', 'amount', 'name'] }, 'definition.columns.2'],
      [{ kind: 'list', groupBy: 'stage' }, 'definition.groupBy'],
    ] as const) {
      const refused = await t.api('POST', '/views', { object: 'deal', name: 'Odd', definition });
      expect(refused.statusCode, JSON.stringify(definition)).toBe(422);
      expect((refused.json() as { errors: { field: string }[] }).errors.map((e) => e.field), JSON.stringify(definition)).toContain(field);
    }
  });

  it('a field or picklist value a shared view uses cannot be removed; a view broken all the same is shown to its owner alone', async () => {
    const added = await t.api('POST', '/metadata/objects/deal/fields', { apiName: 'passing_note', type: 'text', labels: { en: 'Passing note' } });
    expect(added.statusCode, added.body).toBe(201);
    const view = json<{ id: string }>(await t.api('POST', '/views', { object: 'deal', name: 'Soon broken', shared: true, definition: { kind: 'list', filter: { and: [{ field: 'amount', op: 'gt', value: 900_000 }, { field: 'passing_note', op: 'eq', value: 'x' }] } } }));
    expect(((await asRep('GET', '/views?object=deal')).json() as { name: string }[]).map((v) => v.name)).toContain('Soon broken');
    const refused = await t.api('DELETE', '/metadata/objects/deal/fields/passing_note');
    expect(refused.statusCode, refused.body).toBe(422);
    expect(json<{ errors: { code: string; dependents: { kind: string; id: string }[] }[] }>(refused).errors[0]).toMatchObject({ code: 'has_dependents', dependents: [{ kind: 'savedView', id: view.id }] });
    // Broken all the same (a definition stored before these checks): its filter can no longer be checked against what each reader may see.
    await h.db.system((q) => q.query(`update saved_view set definition = jsonb_set(definition, '{filter,and,1,field}', '"f_gone"') where tenant_id = $1 and id = $2`, [t.id, view.id]));
    expect(((await asRep('GET', '/views?object=deal')).json() as { name: string }[]).map((v) => v.name)).not.toContain('Soon broken');
    expect(json<{ name: string }[]>(await t.api('GET', '/views?object=deal')).map((v) => v.name)).toContain('Soon broken');
  });

  it('a saved view follows its fields and picklist values through renames: it answers their current API names and still lists once the old names are removed', async () => {
    const added = await t.api('POST', '/metadata/changes', {
      operations: [
        { op: 'createField', object: 'deal', field: { apiName: 'region', type: 'text', labels: { en: 'Region' } } },
        { op: 'createField', object: 'deal', field: { apiName: 'tier', type: 'picklist', labels: { en: 'Tier' }, values: [{ apiName: 'gold', labels: { en: 'Gold' } }, { apiName: 'silver', labels: { en: 'Silver' } }] } },
      ],
    });
    expect(added.statusCode, added.body).toBe(200);
    for (const [name, region] of [['North one', 'North'], ['South one', 'South']]) expect((await t.api('POST', '/records/deal', { name, region, tier: 'gold' })).statusCode).toBe(201);
    const saved = await t.api('POST', '/views', {
      object: 'deal',
      name: 'Northern tiers',
      shared: true,
      definition: { kind: 'kanban', groupBy: 'tier', columns: ['name', 'region'], sort: '-region,name', filter: { and: [{ field: 'region', op: 'eq', value: 'North' }, { field: 'tier', op: 'in', value: ['gold'] }, { not: { field: 'organization.name', op: 'eq', value: 'Nowhere' } }] } },
    });
    expect(saved.statusCode, saved.body).toBe(201);
    const id = json<{ id: string }>(saved).id;

    for (const [field, apiName] of [['region', 'territory'], ['tier', 'level']]) {
      const renamed = await t.api('POST', '/metadata/changes', { operations: [{ op: 'updateField', object: 'deal', field, patch: { apiName } }] });
      expect(renamed.statusCode, renamed.body).toBe(200);
      const dropped = await t.api('POST', '/metadata/changes', { operations: [{ op: 'removeAlias', object: 'deal', field: apiName, apiName: field }] });
      expect(dropped.statusCode, dropped.body).toBe(200);
    }
    // A picklist value renamed too: the view's filter names it by its new name.
    const level = json<{ fields: { apiName: string; values?: { apiName: string }[] }[] }>(await t.api('GET', '/metadata/objects/deal')).fields.find((f) => f.apiName === 'level')!;
    const values = level.values!.map((v) => (v.apiName === 'gold' ? { ...v, apiName: 'platinum' } : v));
    const revalued = await t.api('POST', '/metadata/changes', { operations: [{ op: 'updateField', object: 'deal', field: 'level', patch: { values } }] });
    expect(revalued.statusCode, revalued.body).toBe(200);
    const expected = {
      kind: 'kanban',
      groupBy: 'level',
      columns: ['name', 'territory'],
      sort: '-territory,name',
      filter: { and: [{ field: 'territory', op: 'eq', value: 'North' }, { field: 'level', op: 'in', value: ['platinum'] }, { not: { field: 'organization.name', op: 'eq', value: 'Nowhere' } }] },
    };
    for (const api of [t.api, asRep]) {
      const view = json<{ id: string; definition: { filter: unknown; sort: string } }[]>(await api('GET', '/views?object=deal')).find((v) => v.id === id);
      expect(view?.definition).toEqual(expected);
      // What the studio asks for with the view's definition finds the records it found before the renames.
      const listed = await api('GET', `/records/deal?fields=name&sort=${view!.definition.sort}&filter=${encodeURIComponent(JSON.stringify(view!.definition.filter))}`);
      expect(listed.statusCode, listed.body).toBe(200);
      expect(json<{ data: { name: string }[] }>(listed).data.map((r) => r.name)).toEqual(['North one']);
    }
    // Saving it again (sharing unchanged) keeps it valid.
    const patched = await t.api('PATCH', `/views/${id}`, { shared: true, name: 'Northern tiers again' });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(json<{ definition: unknown }>(patched).definition).toEqual(expected);
  });

  it('a view and a webhook filter saved by name, before references were stored by id, keep working when the name they use is renamed and its alias removed', async () => {
    const s = await createTestTenant(h, 'crm-stored-names');
    const added = await s.api('POST', '/metadata/objects/deal/fields', { apiName: 'zone', type: 'picklist', labels: { en: 'Zone' }, values: [{ apiName: 'east', labels: { en: 'East' } }, { apiName: 'west', labels: { en: 'West' } }] });
    expect(added.statusCode, added.body).toBe(201);
    for (const [name, zone] of [['East one', 'east'], ['West one', 'west']]) expect((await s.api('POST', '/records/deal', { name, zone })).statusCode).toBe(201);
    const byName = { kind: 'list', columns: ['name', 'zone'], sort: 'zone', filter: { field: 'zone', op: 'in', value: ['east'] } };
    const view = json<{ id: string }>(await s.api('POST', '/views', { object: 'deal', name: 'Eastern', definition: byName }));
    const created = await s.api('POST', '/webhooks', { url: 'https://93.184.216.34/hook', events: [{ object: 'deal', actions: ['created'] }], filter: byName.filter });
    expect(created.statusCode, created.body).toBe(201);
    const hook = json<{ id: string }>(created);
    // As they were stored before: by API name, the webhook's filter for all its objects.
    await h.db.system(async (q) => {
      await q.query('update saved_view set definition = $3 where tenant_id = $1 and id = $2', [s.id, view.id, byName]);
      await q.query(`update webhook set filter = $3, events = '[{"object": "${json<{ id: string }>(await s.api('GET', '/metadata/objects/deal')).id}", "actions": ["created"]}]' where tenant_id = $1 and id = $2`, [s.id, hook.id, byName.filter]);
    });

    const renamed = await s.api('POST', '/metadata/changes', { operations: [{ op: 'updateField', object: 'deal', field: 'zone', patch: { apiName: 'region_zone' } }] });
    expect(renamed.statusCode, renamed.body).toBe(200);
    const dropped = await s.api('POST', '/metadata/changes', { operations: [{ op: 'removeAlias', object: 'deal', field: 'region_zone', apiName: 'zone' }] });
    expect(dropped.statusCode, dropped.body).toBe(200);

    const shown = json<{ id: string; definition: { filter: unknown; sort: string } }[]>(await s.api('GET', '/views?object=deal')).find((v) => v.id === view.id)!;
    expect(shown.definition).toEqual({ kind: 'list', columns: ['name', 'region_zone'], sort: 'region_zone', filter: { field: 'region_zone', op: 'in', value: ['east'] } });
    const listed = await s.api('GET', `/records/deal?fields=name&sort=${shown.definition.sort}&filter=${encodeURIComponent(JSON.stringify(shown.definition.filter))}`);
    expect(listed.statusCode, listed.body).toBe(200);
    expect(json<{ data: { name: string }[] }>(listed).data.map((r) => r.name)).toEqual(['East one']);
    expect(json<{ filter: unknown }>(await s.api('GET', `/webhooks/${hook.id}`)).filter).toEqual({ field: 'region_zone', op: 'in', value: ['east'] });
  });

  it('global search finds records by the start of their name, email or phone across objects', async () => {
    await t.api('POST', '/records/customer', { first_name: 'Quasi', last_name: 'Modo', email: 'zq@search.test' });
    await t.api('POST', '/records/organization', { name: 'Quasar Labs' });
    const found = json<{ object: string; records: { display_name: string }[] }[]>(await asRep('GET', '/search?q=quas'));
    expect(found.map((g) => g.object).sort()).toEqual(['customer', 'organization']);
    const byEmail = json<{ object: string; records: { display_name: string }[] }[]>(await asRep('GET', '/search?q=ZQ@'));
    expect(byEmail[0]?.records[0]?.display_name).toBe('Quasi Modo');
  });

  it('every user can read the directory of names, which is how owners are shown', async () => {
    const directory = json<{ id: string; name: string }[]>(await asRep('GET', '/users/directory'));
    expect(directory.map((u) => u.name)).toEqual(expect.arrayContaining(['Rita Rep', 'Test Admin']));
    expect(directory.find((u) => u.id === repId)).toBeTruthy();
    expect(JSON.stringify(directory)).not.toContain('@');
  });

  it('a batch deletes records into the recycle bin, which pages with a cursor', async () => {
    const created = json<{ results: { id: string }[] }>(await t.api('POST', '/records/task/batch', { operations: Array.from({ length: 5 }, (_, i) => ({ op: 'create', data: { subject: `Temp ${i}` } })) }));
    const removed = await t.api('POST', '/records/task/batch', { operations: created.results.map((r) => ({ op: 'delete', id: r.id })) });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(json<{ results: { action: string }[] }>(removed).results.every((r) => r.action === 'deleted')).toBe(true);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const page: { data: { id: string }[]; nextCursor: string | null } = json(await t.api('GET', `/recycle-bin?object=task&limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.data.map((r) => r.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen.sort()).toEqual(created.results.map((r) => r.id).sort());
  });

  it('the session reports the workspace name and the language chosen in the UI wins for messages', async () => {
    const me = json<{ tenant: { name: string }; user: { email: string } }>(await asRep('GET', '/auth/me'));
    expect(me.tenant.name).toBe(t.slug);
    expect(me.user.email).toBe('rep@crm.test');
    const zh = await h.server.app.inject({ method: 'GET', url: '/api/v1/records/customer/00000000-0000-4000-8000-000000000000', headers: { cookie: repCookie, 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' } });
    expect(zh.statusCode).toBe(404);
    expect((zh.json() as { detail: string }).detail).toMatch(/客户/);
  });
});
