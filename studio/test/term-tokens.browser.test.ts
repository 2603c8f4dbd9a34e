// Setup texts that hold glossary tokens show the words people read, with the tokens on request,
// in Chromium against the real server, in English and Chinese: a field's help text and
// description, a picklist value's label, and a layout section's title (labels are covered by the
// daily-use test). Screenshots go to docs/screenshots/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createTextResolver, type TermDef } from '@protean/metadata/terms';
import { createI18n, type MessageKey } from '../src/i18n/i18n.tsx';
import { api, repoRoot, settle, signedInPage, type Workspace } from './harness.ts';

type Locale = 'en' | 'zh-CN';

let ws: Workspace;
let page: Page;
const pageErrors: string[] = [];
signedInPage((session) => ({ ws, page } = session), pageErrors);

const say = (locale: Locale, key: MessageKey) => createI18n(locale, () => {}, createTextResolver([] as TermDef[], locale)).t(key);
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000 });

async function docShot(name: string) {
  const dir = join(repoRoot, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

async function open(path: string, locale: Locale) {
  await page.evaluate((l) => localStorage.setItem('protean.locale', l), locale);
  await page.goto(`${ws.baseUrl}${path}`);
  await settle(page);
}

/** The input shows the words; its toggle shows the tokens, and hides them again. */
async function expectWordsThenTokens(locale: Locale, input: ReturnType<Page['locator']>, words: string, tokens: string) {
  await poll(() => input.inputValue()).toBe(words);
  const toggle = input.locator('xpath=ancestor::div[contains(@class,"term-text")][1]').getByRole('button', { name: say(locale, 'label.showTokens') });
  await toggle.click();
  expect(await input.inputValue()).toBe(tokens);
  await input.locator('xpath=ancestor::div[contains(@class,"term-text")][1]').getByRole('button', { name: say(locale, 'label.hideTokens') }).click();
  expect(await input.inputValue()).toBe(words);
}

describe('Setup texts with glossary tokens', () => {
  it('help texts, descriptions, picklist value labels and layout section titles show the resolved words, the tokens on request', async () => {
    const snapshot = await api<{ objects: { id: string; apiName: string }[]; layouts: { id: string; objectId: string; name: string; sections: { id: string; labels: Record<string, string>; columns: number; fields: unknown[] }[] }[] }>(
      page,
      'GET',
      '/metadata/snapshot',
    );
    const customer = snapshot.objects.find((o) => o.apiName === 'customer')!;
    const layout = snapshot.layouts.find((l) => l.objectId === customer.id)!;
    await api(page, 'POST', '/metadata/changes', {
      message: 'Texts naming the customer term',
      operations: [
        { op: 'upsertTerm', term: { key: 'customer', forms: { en: { singular: 'patient', plural: 'patients' }, 'zh-CN': { singular: '患者', measureWord: '位' } } } },
        {
          op: 'updateField',
          object: 'customer',
          field: 'customer_number',
          patch: { helpText: { en: 'The {Customer} number on the card', 'zh-CN': '卡上的{Customer}编号' }, description: { en: 'Given to each {customer} once', 'zh-CN': '每位{customer}一个' } },
        },
        {
          op: 'createField',
          object: 'customer',
          field: { apiName: 'kind', type: 'picklist', labels: { en: 'Kind' }, values: [{ apiName: 'vip', labels: { en: 'VIP {Customer}', 'zh-CN': '贵宾{Customer}' } }] },
        },
        { op: 'upsertLayout', layout: { ...layout, sections: layout.sections.map((s, i) => (i === 0 ? { ...s, labels: { en: '{Customer} details', 'zh-CN': '{Customer}详情' } } : s)) } },
      ],
    });

    for (const locale of ['en', 'zh-CN'] as const) {
      await open('/setup/objects/customer/fields/customer_number', locale);
      await expectWordsThenTokens(locale, page.locator('#field_helpText_en'), 'The Patient number on the card', 'The {Customer} number on the card');
      await expectWordsThenTokens(locale, page.locator('#field_helpText_zh-CN'), '卡上的患者编号', '卡上的{Customer}编号');
      await expectWordsThenTokens(locale, page.locator('#field_description_en'), 'Given to each patient once', 'Given to each {customer} once');
      await expectWordsThenTokens(locale, page.locator('#field_description_zh-CN'), '每位患者一个', '每位{customer}一个');
      await docShot(`setup-help-text-words-${locale}`);

      await open('/setup/objects/customer/fields/kind', locale);
      await page.getByRole('button', { name: locale === 'en' ? 'Edit VIP Patient' : '编辑 贵宾患者' }).click();
      const dialog = page.getByRole('dialog');
      await expectWordsThenTokens(locale, dialog.locator('#value_labels_en'), 'VIP Patient', 'VIP {Customer}');
      await expectWordsThenTokens(locale, dialog.locator('#value_labels_zh-CN'), '贵宾患者', '贵宾{Customer}');
      await docShot(`setup-picklist-value-words-${locale}`);
      await page.keyboard.press('Escape');

      await open(`/setup/objects/customer/layouts/${layout.id}`, locale);
      const section = page.locator(`[data-section="${layout.sections[0]!.id}"]`);
      await expectWordsThenTokens(locale, section.getByLabel(say(locale, 'layout.sectionLabelEn' as MessageKey)), 'Patient details', '{Customer} details');
      await expectWordsThenTokens(locale, section.getByLabel(say(locale, 'layout.sectionLabelZh' as MessageKey)), '患者详情', '{Customer}详情');
      // Editing the words keeps the token where its word still stands.
      await section.getByLabel(say(locale, 'layout.sectionLabelEn' as MessageKey)).fill('Patient facts');
      await section.getByRole('button', { name: say(locale, 'label.showTokens') }).first().click();
      expect(await section.getByLabel(say(locale, 'layout.sectionLabelEn' as MessageKey)).inputValue()).toBe('{Customer} facts');
      await docShot(`setup-layout-section-words-${locale}`);
    }
    expect(pageErrors).toEqual([]);
  });
});
