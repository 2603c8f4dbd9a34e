import { describe, expect, it } from 'vitest';
import { compileRecordSchema, planChange, standardSnapshot } from '@protean/metadata';
import type { LayoutDef } from '../api/types.ts';
import { createI18n } from '../i18n/i18n.tsx';
import { findObject } from '../lib/model.ts';
import { buildRecordForm, layoutRuleLookups } from './record-ui-schema.ts';

const noop = () => {};
const i18n = createI18n('en', noop);
let n = 0;
const planned = planChange(
  standardSnapshot(),
  {
    operations: [
      { op: 'createField', object: 'deal', field: { apiName: 'loss_reason', labels: { en: 'Loss reason' }, type: 'picklist', values: [{ apiName: 'price', labels: { en: 'Price' } }, { apiName: 'timing', labels: { en: 'Timing' } }, { apiName: 'other', labels: { en: 'Other' } }] } },
      { op: 'updateField', object: 'deal', field: 'loss_reason', patch: { dependsOn: { fieldId: 'stage', map: { closed_lost: ['price', 'timing'] } } } },
    ],
  },
  { newId: (p) => `${p}${String(++n).padStart(10, '0')}`, now: '2026-01-01T00:00:00.000Z' },
);
if (!planned.ok) throw new Error(JSON.stringify(planned.errors));
const snapshot = planned.next;
const deal = findObject(snapshot, 'deal')!;
const layout: LayoutDef = {
  id: 'l_rules',
  objectId: deal.id,
  name: 'Rules',
  sections: [
    { id: 'main', labels: { en: 'Main' }, columns: 2, fields: [{ fieldId: 'name' }, { fieldId: 'stage' }, { fieldId: 'amount' }, { fieldId: 'loss_reason' }] },
    { id: 'closing', labels: { en: 'Closing' }, columns: 1, fields: [{ fieldId: 'close_date' }, { fieldId: 'probability' }] },
  ],
  rules: [
    { when: "stage == 'closed_lost'", action: 'show', fieldIds: ['loss_reason'] },
    { when: 'amount > 10000', action: 'require', fieldIds: ['close_date'] },
    { when: "stage == 'closed_won'", action: 'readOnly', fieldIds: ['amount'] },
    { when: "stage == 'closed_lost'", action: 'hide', sectionIds: ['closing'] },
  ],
};
const form = (data: Record<string, unknown>) => buildRecordForm(compileRecordSchema(deal, 'create'), deal, layout, snapshot, i18n, data, true);
const props = (data: Record<string, unknown>) => Object.keys(form(data).schema['properties'] as object);

describe('layout rules and dependent picklists apply live in the record form', () => {
  it('shows a field only while its condition holds and hides a section while another holds', () => {
    expect(props({ stage: 'prospecting' })).not.toContain('loss_reason');
    expect(props({ stage: 'prospecting' })).toEqual(expect.arrayContaining(['close_date', 'probability']));
    const lost = props({ stage: 'closed_lost' });
    expect(lost).toContain('loss_reason');
    expect(lost).not.toContain('close_date');
  });

  it('requires and locks fields while their conditions hold', () => {
    expect(form({ amount: 20000 }).schema['required']).toContain('close_date');
    expect(form({ amount: 200 }).schema['required']).not.toContain('close_date');
    const ui = form({ stage: 'closed_won', amount: 5 }).uiSchema as Record<string, Record<string, unknown>>;
    expect(ui['amount']!['ui:readonly']).toBe(true);
  });

  it('offers only the dependent values the controlling value allows', () => {
    const p = form({ stage: 'closed_lost' }).schema['properties'] as Record<string, { oneOf?: { const: string }[] }>;
    expect(p['loss_reason']!.oneOf!.map((o) => o.const)).toEqual(['price', 'timing']);
  });

  it('reads a looked-up record’s fields as the server does: the form knows which lookups to fetch', () => {
    const byIndustry: LayoutDef = { ...layout, rules: [{ when: "organization.industry == 'retail' && amount > 100", action: 'require', fieldIds: ['close_date'] }] };
    expect(layoutRuleLookups(deal, byIndustry, snapshot).map((f) => f.apiName)).toEqual(['organization']);
    const required = (related: Record<string, Record<string, unknown> | null>) =>
      buildRecordForm(compileRecordSchema(deal, 'create'), deal, byIndustry, snapshot, i18n, { organization: 'o1', amount: 500 }, true, related).schema['required'];
    expect(required({ organization: { id: 'o1', name: 'Shop', industry: 'retail' } })).toContain('close_date');
    expect(required({ organization: { id: 'o1', name: 'Bank', industry: 'finance' } })).not.toContain('close_date');
    // Until the record is fetched (or when it cannot be read) the rule does not hold; the server decides on save.
    expect(required({ organization: null })).not.toContain('close_date');
  });

  it("reads today() in the workspace's time zone, as the server's rules do, not the browser's", () => {
    const closingToday: LayoutDef = { ...layout, rules: [{ when: 'close_date == today()', action: 'require', fieldIds: ['probability'] }] };
    const dateIn = (zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    // At any hour one of these two zones is on another date than UTC (UTC+14 and UTC-11).
    for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      const inZone = createI18n('en', noop, undefined, { workspaceTimeZone: zone });
      const before = dateIn(zone);
      const required = buildRecordForm(compileRecordSchema(deal, 'create'), deal, closingToday, snapshot, inZone, { close_date: before }, true).schema['required'];
      // Unless the zone's date turned over between the two readings, the rule holds for that date.
      if (dateIn(zone) === before) expect(required).toContain('probability');
    }
  });
});
