/**
 * The app builder (issue 6): a builder creates an app from a template, publishes it, changes a
 * question's label and a condition, and publishes again. A resident applies on each version;
 * the submission made on the first version still shows the question as it was asked. axe-core
 * checks every builder page, also with errors shown.
 */
import type { Page } from '@playwright/test';

import { expectNoAxeViolations } from '../support/axe';
import { type Applicant, HANAKO, fillWholeApplication } from '../support/resident';
import { signInAsStaff } from '../support/staff';
import { expect, test } from '../support/test';
import { DEMO_TOWN } from '../support/yui';

const SLUG = 'play-room-north';
const APPS = `/${DEMO_TOWN.slug}/staff/apps`;
const APP = `${APPS}/${SLUG}`;
const OLD_LABEL = '大人の人数';
const NEW_LABEL = '付き添いの大人の人数';

function h1(page: Page) {
  return page.getByRole('heading', { level: 1 });
}

function notice(page: Page) {
  return page.locator('p.notice[role=status]');
}

/** A resident applies on the version in force and returns the receipt number. */
async function applyAsResident(page: Page, who: Applicant, child: string): Promise<string> {
  await page.goto(`/${DEMO_TOWN.slug}/apps/${SLUG}`);
  await page.getByRole('button', { name: '申請を始める' }).click();
  await expect(page).toHaveURL(/\/d\/[^/]+\/p\/1$/);
  await fillWholeApplication(page, who, child);
  await page.getByRole('button', { name: 'この内容で申請する' }).click();
  await expect(h1(page)).toHaveText('申請を受け付けました');
  const receipt = (await page.locator('.receipt-number').textContent())?.trim() ?? '';
  expect(receipt).toMatch(/\d/);
  return receipt;
}

/** Opens the staff page of the submission with `receipt`, found in the inbox by `words`. */
async function openSubmission(page: Page, words: string, receipt: string) {
  await page.goto(`/${DEMO_TOWN.slug}/staff/inbox?q=${encodeURIComponent(words)}`);
  await page.getByRole('link', { name: receipt }).click();
  await expect(page).toHaveURL(/\/staff\/submissions\/\d+$/);
}

test('a builder adapts a template and publishes; earlier submissions keep their questions', async ({
  page,
}) => {
  test.setTimeout(360_000);
  await signInAsStaff(page, 'builder');

  await test.step('the apps list leads to a new app; mistakes are explained', async () => {
    await page.goto(APPS);
    await page.getByRole('link', { name: '新しいアプリを作る' }).click();
    await expect(h1(page)).toHaveText('新しいアプリを作る');
    await expectNoAxeViolations(page);
    await page.getByLabel('URL名').fill('Play Room');
    await page.getByRole('button', { name: 'アプリを作る' }).click();
    const summary = page.getByRole('alert');
    await expect(summary).toContainText('アプリの名前を入力してください');
    await expect(summary).toContainText('URL名は半角英小文字で始め');
    await expectNoAxeViolations(page);
  });

  await test.step('an app from the play-room template', async () => {
    await page.getByLabel('アプリの名前').fill('北部プレイルーム利用申込');
    await page.getByLabel('URL名').fill(SLUG);
    await page.getByRole('radio', { name: 'プレイルーム利用申込', exact: true }).check();
    await page.getByRole('button', { name: 'アプリを作る' }).click();
    await expect(page).toHaveURL(`${APP}/edit?notice=created`);
    await expect(h1(page)).toContainText('質問の編集');
    await expect(page.getByRole('main')).toContainText(OLD_LABEL);
    await expectNoAxeViolations(page);
  });

  await test.step('the YAML view, the preview and a deletion page pass axe-core', async () => {
    await page.goto(`${APP}/yaml`);
    await expect(page.getByLabel('アプリの定義（YAML）')).toHaveValue(/id: play-room-north/);
    await expectNoAxeViolations(page);
    const yaml = await page.getByLabel('アプリの定義（YAML）').inputValue();
    await page.getByLabel('アプリの定義（YAML）').fill(yaml.replace('type: phone', 'type: telephone'));
    await page.getByRole('button', { name: '保存する' }).click();
    await expect(page.getByRole('alert')).toContainText('行目');
    await expectNoAxeViolations(page);

    await page.goto(`${APP}/preview`);
    const phone = page.frameLocator('iframe[title*="スマートフォン"]');
    await expect(phone.getByRole('heading', { level: 1 })).toHaveText('北部プレイルーム利用申込');
    await expectNoAxeViolations(page);

    await page.goto(`${APP}/edit/fields/agree/delete`);
    await expectNoAxeViolations(page);
    await page.getByRole('link', { name: 'やめる' }).click();
    await expect(page).toHaveURL(new RegExp(`${APP}/edit#f-agree$`));

    await page.goto(`${APP}/duplicate`);
    await expectNoAxeViolations(page);
  });

  await test.step('version 1 is published', async () => {
    await page.goto(`${APP}/publish`);
    await expectNoAxeViolations(page);
    await page.getByRole('button', { name: '第1版として公開する' }).click();
    await expect(notice(page)).toContainText('公開しました');
    await expectNoAxeViolations(page);
  });

  const first = await applyAsResident(page, { ...HANAKO, family: '北村' }, 'もも');

  await test.step('a question is reworded in the field editor', async () => {
    await page.goto(`${APP}/edit`);
    await page
      .locator('#f-adults')
      .getByRole('link', { name: new RegExp(`^編集\\s*：\\s*${OLD_LABEL}$`) })
      .click();
    await expect(h1(page)).toContainText(OLD_LABEL);
    await expectNoAxeViolations(page);
    const label = page.getByLabel('質問文（日本語）');
    await label.fill('');
    await page.getByRole('button', { name: '保存する' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await expectNoAxeViolations(page);
    await page.getByLabel('質問文（日本語）').fill(NEW_LABEL);
    await page.getByRole('button', { name: '保存する' }).click();
    await expect(notice(page)).toHaveText('保存しました。');
    await expectNoAxeViolations(page);
    // With JavaScript, typing is saved without pressing the button.
    await page.getByLabel('補足の説明（日本語・任意）').fill('付き添いの保護者も数えます');
    await expect(page.locator('[data-autosave-status]')).toHaveText('自動保存しました。');
    await page.reload();
    await expect(page.getByLabel('補足の説明（日本語・任意）')).toHaveValue('付き添いの保護者も数えます');
  });

  await test.step('a condition is changed in the guided editor', async () => {
    await page.goto(`${APP}/edit/fields/over_capacity/condition`);
    const value = page.getByLabel('値');
    await expect(value).toHaveValue('6');
    await expectNoAxeViolations(page);
    await value.fill('5');
    await page.getByRole('button', { name: '条件を保存' }).click();
    await expect(notice(page)).toContainText('保存しました');
    await expect(page.getByRole('main')).toContainText('${total_people} > 5');
    await expectNoAxeViolations(page);
    await page.getByLabel('式', { exact: true }).fill('${nosuch} > 1');
    await page.getByRole('button', { name: '式を保存' }).click();
    await expect(page.getByRole('alert')).toContainText('nosuch');
    await expectNoAxeViolations(page);
  });

  await test.step('version 2 is published with its changes listed', async () => {
    await page.goto(`${APP}/publish`);
    await expect(page.getByRole('main')).toContainText(NEW_LABEL);
    await expectNoAxeViolations(page);
    await page.getByLabel('変更の内容').fill('人数の質問の文言と注意の条件を変更');
    await page.getByRole('button', { name: '第2版として公開する' }).click();
    await expect(notice(page)).toContainText('公開しました');
  });

  const second = await test.step('a resident applies on version 2', async () => {
    return applyAsResident(page, { ...HANAKO, family: '南田' }, 'すもも');
  });

  await test.step('each submission shows the questions of its own version', async () => {
    await openSubmission(page, '北村', first);
    await expect(page.getByRole('main')).toContainText(OLD_LABEL);
    await expect(page.getByRole('main')).not.toContainText(NEW_LABEL);
    await openSubmission(page, '南田', second);
    await expect(page.getByRole('main')).toContainText(NEW_LABEL);
  });
});
