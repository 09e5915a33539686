/**
 * Residents apply on the web (issue 4): the town's front page and its search, the play-room
 * booking filled page by page with JavaScript on and off, mistakes and their error summary,
 * "add another", back and change links, check your answers, submitting exactly once, the
 * receipt and its printable summary, "save and come back later", English, keyboard alone,
 * small screens and counter mode. axe-core checks every page a resident sees, in every state.
 */
import type { Page } from '@playwright/test';

import { expectNoAxeViolations } from '../support/axe';
import { expectFocusVisible, tabTo } from '../support/keyboard';
import {
  HANAKO,
  PLAY_ROOM,
  childRow,
  continueButton,
  expectNoHorizontalScroll,
  fillApplicant,
  fillBooking,
  fillChild,
  fillDate,
  fillWholeApplication,
  reiwaDaysFromToday,
  startPlayRoom,
} from '../support/resident';
import { signInAsStaff } from '../support/staff';
import { expect, test } from '../support/test';
import { DEMO_TOWN } from '../support/yui';

const TOWN_PATH = `/${DEMO_TOWN.slug}`;

function h1(page: Page) {
  return page.getByRole('heading', { level: 1 });
}

/** The receipt number on the confirmation page. */
async function receiptNumber(page: Page): Promise<string> {
  await expect(h1(page)).toHaveText('申請を受け付けました');
  const receipt = (await page.locator('.receipt-number').textContent())?.trim() ?? '';
  expect(receipt, '受付番号 is shown').toMatch(/\d/);
  return receipt;
}

/**
 * The receipts the staff inbox lists for submissions whose answers contain `words` (signs in
 * as the administrator, who sees every app).
 */
async function receiptsInInbox(page: Page, words: string): Promise<string[]> {
  await signInAsStaff(page, 'admin');
  await page.goto(`${TOWN_PATH}/staff/inbox?q=${encodeURIComponent(words)}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('受付一覧');
  const links = page.locator('main tbody tr a[href*="/staff/submissions/"]');
  const receipts = await links.allTextContents();
  return receipts.map((r) => r.trim());
}

test('the front page lists procedures and finds one by the words residents use', async ({
  page,
}) => {
  await page.goto(TOWN_PATH);
  await expect(h1(page)).toHaveText('小国町のオンライン手続き');
  await expect(page.getByRole('link', { name: PLAY_ROOM.titleJa })).toBeVisible();
  await expectNoAxeViolations(page);

  // 引っ越し is not in any title: it is a keyword (synonym) of 転入届.
  await page.getByRole('searchbox', { name: '手続きを探す' }).fill('引っ越し');
  await page.getByRole('button', { name: '検索', exact: true }).click();
  await expect(page).toHaveURL(/\?q=/);
  await expect(page.getByRole('link', { name: /転入届/ })).toBeVisible();
  await expect(page.getByRole('link', { name: PLAY_ROOM.titleJa })).toHaveCount(0);
  await expect(page.getByRole('searchbox', { name: '手続きを探す' })).toHaveValue('引っ越し');
  await expectNoAxeViolations(page);

  await page.getByRole('searchbox', { name: '手続きを探す' }).fill('遊び場');
  await page.getByRole('button', { name: '検索', exact: true }).click();
  await expect(page.getByRole('link', { name: PLAY_ROOM.titleJa })).toBeVisible();

  await page.getByRole('searchbox', { name: '手続きを探す' }).fill('存在しない手続き');
  await page.getByRole('button', { name: '検索', exact: true }).click();
  await expect(page.getByText('見つかりませんでした')).toBeVisible();
  await expectNoAxeViolations(page);

  await page.getByRole('navigation', { name: '分類' }).getByRole('link', { name: /子育て/ }).click();
  await expect(page.getByRole('link', { name: PLAY_ROOM.titleJa })).toBeVisible();
  await expectNoAxeViolations(page);

  await page.getByRole('link', { name: PLAY_ROOM.titleJa }).click();
  await expect(h1(page)).toHaveText(PLAY_ROOM.titleJa);
  await expect(page.getByText('利用日の前日まで')).toBeVisible();
  await expectNoAxeViolations(page);
});

test('with JavaScript a resident fills, fixes, checks and submits once for one receipt', async ({
  page,
  requests,
  yui,
}) => {
  await startPlayRoom(page);
  await expect(page.getByText('ステップ 1 / 4')).toBeVisible();
  await expectNoAxeViolations(page);

  // A mistake: a phone number too short, the katakana left out.
  await fillApplicant(page, { ...HANAKO, family: '小林', kanaFamily: '', phone: '123' });
  await continueButton(page).click();
  const summary = page.getByRole('alert');
  await expect(summary).toBeVisible();
  await expect(summary).toBeFocused();
  await expect(page).toHaveTitle(/^エラー：/);
  const phone = page.getByLabel('日中に連絡がつく電話番号');
  await expect(phone, 'what was typed is kept').toHaveValue('123');
  await expect(page.getByRole('group', { name: '保護者の氏名' }).getByLabel('姓')).toHaveValue(
    '小林',
  );
  await expect(phone).toHaveAttribute('aria-invalid', 'true');
  await expectNoAxeViolations(page);
  await summary.getByRole('link', { name: /日中に連絡がつく電話番号/ }).click();
  await expect(page).toHaveURL(/#f-phone$/);
  await expect(phone).toBeFocused();
  await phone.fill(HANAKO.phone);
  await page.getByRole('group', { name: '氏名（フリガナ）' }).getByLabel('セイ').fill('やまだ');
  await continueButton(page).click();

  await expect(page.getByText('ステップ 2 / 4')).toBeVisible();
  await expectNoAxeViolations(page);
  await fillBooking(page);
  await continueButton(page).click();

  // Page 3: a repeat with a calculated note and a question that applies only after "yes".
  await expect(h1(page)).toHaveText('利用するお子さん');
  await expect(page.getByRole('heading', { name: '利用するお子さん' }), 'one heading').toHaveCount(1);
  await expectNoAxeViolations(page);
  const first = childRow(page, 1);
  await first.getByLabel('お子さんのお名前').fill('さくら');
  await fillDate(first.getByRole('group', { name: '生年月日' }), reiwaDaysFromToday(-2 * 365 - 30));
  await expect(first.getByText('さくらさんは 2 歳です'), 'calculated as you type').toBeVisible();
  const details = first.getByRole('textbox', { name: 'アレルギーの内容' });
  await expect(details).toBeHidden();
  const allergy = first.getByRole('group', { name: '食物アレルギーはありますか' });
  await allergy.getByLabel('はい').check();
  await expect(details, 'shown as soon as it applies').toBeVisible();
  await expect(first.locator('label', { hasText: 'アレルギーの内容' })).not.toContainText('任意');
  await expectNoAxeViolations(page);
  await allergy.getByLabel('いいえ').check();
  await expect(details).toBeHidden();
  await allergy.getByLabel('はい').check();
  await details.fill('たまご');

  await page.getByRole('button', { name: 'お子さんを追加' }).click();
  const second = childRow(page, 2);
  await expect(second, 'the new row takes focus').toBeFocused();
  await expect(first.getByLabel('お子さんのお名前'), 'the first row is kept').toHaveValue('さくら');
  await expect(first.getByRole('textbox', { name: 'アレルギーの内容' })).toHaveValue('たまご');
  await expectNoAxeViolations(page);
  await fillChild(second, 'たろう');
  await continueButton(page).click();

  // The back link returns to the children, as saved.
  await expect(page.getByText('ステップ 4 / 4')).toBeVisible();
  await page.getByRole('link', { name: '戻る', exact: true }).click();
  await expect(h1(page)).toHaveText('利用するお子さん');
  await expect(childRow(page, 2).getByLabel('お子さんのお名前')).toHaveValue('たろう');
  await continueButton(page).click();

  await expectNoAxeViolations(page);
  await page.getByLabel('利用のきまり（飲食禁止・保護者同伴）に同意します').check();
  await continueButton(page).click();

  // Check your answers, and a change link that comes back here.
  await expect(h1(page)).toHaveText('回答内容の確認');
  const main = page.getByRole('main');
  await expect(main).toContainText('小林 花子');
  await expect(main).toContainText('ヤマダ ハナコ');
  await expect(main).toContainText('0967-46-1234');
  await expect(main).toContainText('たまご');
  await expect(main).toContainText('たろう');
  await expectNoAxeViolations(page);
  await page.getByRole('link', { name: '変更 日中に連絡がつく電話番号' }).click();
  await expect(h1(page)).toHaveText('申込者');
  await expect(phone).toBeFocused();
  await expect(phone).toHaveValue('0967-46-1234');
  await phone.fill('0967-46-5678');
  await continueButton(page).click();
  await expect(h1(page), 'Continue goes straight back to the check page').toHaveText(
    '回答内容の確認',
  );
  await expect(main).toContainText('0967-46-5678');

  // Double-clicking the button that names the action sends one application.
  const submit = page.getByRole('button', { name: 'この内容で申請する' });
  await submit.dblclick();
  const receipt = await receiptNumber(page);
  await expect(page.getByText('予約を確認したら、メールでお知らせします。')).toBeVisible();
  await expectNoAxeViolations(page);

  // The back button and sending again lead to the same receipt.
  await page.goBack();
  if ((await h1(page).textContent()) === '回答内容の確認') {
    await page.getByRole('button', { name: 'この内容で申請する' }).click();
  }
  expect(await receiptNumber(page)).toBe(receipt);

  await page.getByRole('link', { name: '回答内容を印刷する' }).click();
  await expect(page.getByRole('main')).toContainText(receipt);
  await expect(page.getByRole('main')).toContainText('たまご');
  await expectNoAxeViolations(page);

  expect(requests.urls.some((url) => url.includes('yui-form.js')), 'the page script ran').toBe(
    true,
  );
  expect(new Set(requests.urls.map((url) => new URL(url).origin))).toEqual(new Set([yui.url]));

  expect(await receiptsInInbox(page, '小林'), 'one submission for the double click').toEqual([
    receipt,
  ]);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a resident fills, fixes, checks and submits the same application', async ({ page }) => {
    await startPlayRoom(page);
    await fillApplicant(page, { ...HANAKO, family: '佐藤', email: 'not-an-address' });
    await continueButton(page).click();
    const summary = page.getByRole('alert');
    await expect(summary, 'autofocus needs no script').toBeFocused();
    await expect(page).toHaveTitle(/^エラー：/);
    const email = page.getByLabel('メールアドレス', { exact: true });
    await expect(email).toHaveValue('not-an-address');
    await summary.getByRole('link', { name: /メールアドレス/ }).click();
    await expect(page).toHaveURL(/#f-email$/);
    await expect(email).toBeInViewport();
    await email.fill('sato@example.jp');
    await continueButton(page).click();

    await fillBooking(page);
    await continueButton(page).click();

    // Without the script, the allergy details appear after the page is sent with "yes":
    // shown first, not reported as missing.
    const first = childRow(page, 1);
    await first.getByLabel('お子さんのお名前').fill('はると');
    await fillDate(first.getByRole('group', { name: '生年月日' }), reiwaDaysFromToday(-400));
    await first.getByRole('group', { name: '食物アレルギーはありますか' }).getByLabel('はい').check();
    const details = first.getByRole('textbox', { name: 'アレルギーの内容' });
    await expect(details).toBeHidden();
    await continueButton(page).click();
    await expect(h1(page)).toHaveText('利用するお子さん');
    await expect(details).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
    await details.fill('そば');

    await page.getByRole('button', { name: 'お子さんを追加' }).click();
    await expect(childRow(page, 2)).toBeFocused();
    await expect(first.getByRole('textbox', { name: 'アレルギーの内容' })).toHaveValue('そば');
    // A second row left empty is dropped on Continue.
    await continueButton(page).click();

    await page.getByLabel('利用のきまり（飲食禁止・保護者同伴）に同意します').check();
    await continueButton(page).click();
    await expect(h1(page)).toHaveText('回答内容の確認');
    await expect(page.getByRole('main')).toContainText('そば');
    await expect(page.getByRole('main')).not.toContainText('利用するお子さん 2');

    await page.getByRole('link', { name: '変更 メールアドレス' }).click();
    await page.getByLabel('メールアドレス', { exact: true }).fill('haruto@example.jp');
    await continueButton(page).click();
    await expect(h1(page)).toHaveText('回答内容の確認');
    await expect(page.getByRole('main')).toContainText('haruto@example.jp');

    await page.getByRole('button', { name: 'この内容で申請する' }).dblclick();
    const receipt = await receiptNumber(page);
    await page.goBack();
    await page.reload();
    expect(await receiptNumber(page)).toBe(receipt);
    expect(await receiptsInInbox(page, '佐藤')).toEqual([receipt]);
  });
});

test('save and come back later: the resume link works in another browser', async ({
  browser,
  page,
  yui,
}) => {
  await startPlayRoom(page);
  await fillApplicant(page, { ...HANAKO, family: '鈴木' });
  await page.getByRole('button', { name: '保存して後で続ける' }).click();
  await expect(h1(page)).toHaveText('保存して後で続ける');
  const link = await page.getByRole('textbox', { name: '続きを入力するためのリンク' }).inputValue();
  expect(link).toMatch(/\/oguni\/apps\/play-room-booking\/d\/[\w-]+$/);
  await expectNoAxeViolations(page);

  // Asking for the link by e-mail without an address: errors done right here too.
  await page.getByRole('button', { name: 'リンクをメールで送る' }).click();
  await expect(page.getByRole('alert')).toBeFocused();
  await expectNoAxeViolations(page);
  await page.getByLabel('メールアドレス').fill('suzuki@example.jp');
  await page.getByRole('button', { name: 'リンクをメールで送る' }).click();
  await expect(page.getByRole('status')).toContainText('メールで送りました');
  await expectNoAxeViolations(page);

  const other = await browser.newContext();
  const seen: string[] = [];
  other.on('request', (request) => seen.push(request.url()));
  try {
    const resumed = await other.newPage();
    const path = new URL(link).pathname;
    await resumed.goto(`${yui.url}${path}`);
    // The first page with something left to do.
    await expect(h1(resumed)).toHaveText('利用日時');
    await expectNoAxeViolations(resumed);
    await resumed.getByRole('link', { name: '戻る', exact: true }).click();
    await expect(
      resumed.getByRole('group', { name: '保護者の氏名' }).getByLabel('姓'),
    ).toHaveValue('鈴木');

    // Check your answers before everything is answered: what is missing, with links.
    await resumed.goto(`${yui.url}${path}/check`);
    await expect(h1(resumed)).toHaveText('回答内容の確認');
    const problems = resumed.getByRole('alert');
    await expect(problems).toBeFocused();
    await expect(problems.getByRole('link', { name: /利用日/ })).toHaveAttribute(
      'href',
      /\/p\/2\?return=check#f-use_date-era$/,
    );
    await expectNoAxeViolations(resumed);

    await resumed.goto(`${yui.url}/oguni/apps/play-room-booking/d/not-a-real-link`);
    await expect(h1(resumed)).toHaveText('このリンクは使えません');
    await expectNoAxeViolations(resumed);
  } finally {
    await other.close();
  }
  expect(seen.filter((url) => new URL(url).origin !== yui.url)).toEqual([]);
});

test('the language switch changes the page to English and back', async ({ page }) => {
  await startPlayRoom(page);
  await fillApplicant(page, { ...HANAKO, family: '高橋' });
  await continueButton(page).click();
  await page.getByRole('link', { name: '戻る', exact: true }).click();

  await page.getByRole('navigation', { name: '言語' }).getByRole('link', { name: 'English' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(h1(page)).toHaveText('Applicant');
  await expect(page.getByText('Step 1 of 4')).toBeVisible();
  const family = page.getByRole('group', { name: "Parent's name" }).getByRole('textbox').first();
  await expect(family, 'answers survive the switch').toHaveValue('高橋');
  await expectNoAxeViolations(page);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(h1(page)).toHaveText('Date and time');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');

  const languages = page.getByRole('navigation', { name: 'Language' });
  await languages.getByRole('link', { name: '日本語' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
  await expect(h1(page)).toHaveText('利用日時');
});

test('a page can be completed with the keyboard alone', async ({ page }) => {
  await startPlayRoom(page);
  // Back to the top of the page, as after loading it.
  await page.goto(page.url());
  const name = page.getByRole('group', { name: '保護者の氏名' });
  await tabTo(page, name.getByLabel('姓'));
  await page.keyboard.type('伊藤');
  await page.keyboard.press('Tab');
  await expectFocusVisible(page);
  await page.keyboard.type('一郎');
  await page.keyboard.press('Tab');
  await page.keyboard.type('イトウ');
  await page.keyboard.press('Tab');
  await page.keyboard.type('イチロウ');
  await page.keyboard.press('Tab');
  await page.keyboard.type(HANAKO.phone);
  await page.keyboard.press('Tab');
  await expectFocusVisible(page);
  await page.keyboard.type('ito@example.jp');
  await page.keyboard.press('Enter');

  await expect(h1(page)).toHaveText('利用日時');
  const date = reiwaDaysFromToday(7);
  const when = page.getByRole('group', { name: '利用日' });
  await tabTo(page, when.getByRole('textbox').first());
  await page.keyboard.type(date.year);
  await page.keyboard.press('Tab');
  await page.keyboard.type(date.month);
  await page.keyboard.press('Tab');
  await page.keyboard.type(date.day);
  await page.keyboard.press('Tab');
  await expectFocusVisible(page);
  await page.keyboard.press('Space');
  await expect(page.getByRole('radio', { name: '午前（9:00〜12:00）' })).toBeChecked();
  await tabTo(page, continueButton(page));
  await page.keyboard.press('Enter');
  await expect(h1(page)).toHaveText('利用するお子さん');
});

test.describe('on a 320 px wide screen (400% zoom, a small phone)', () => {
  test.use({ viewport: { width: 320, height: 640 } });

  test('form, error and check pages need no horizontal scrolling', async ({ page }) => {
    await page.goto(TOWN_PATH);
    await expectNoHorizontalScroll(page);
    await startPlayRoom(page);
    await expectNoHorizontalScroll(page);
    await continueButton(page).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await expectNoHorizontalScroll(page);
    await expectNoAxeViolations(page);
    await fillApplicant(page, { ...HANAKO, family: '渡辺' });
    await continueButton(page).click();
    await expectNoHorizontalScroll(page);
    await fillBooking(page);
    await continueButton(page).click();
    await page.getByRole('button', { name: 'お子さんを追加' }).click();
    await expect(childRow(page, 2)).toBeVisible();
    await expectNoHorizontalScroll(page);
    await fillChild(childRow(page, 1), 'ゆい');
    await fillChild(childRow(page, 2), 'けん');
    await continueButton(page).click();
    await expectNoHorizontalScroll(page);
    await page.getByLabel('利用のきまり（飲食禁止・保護者同伴）に同意します').check();
    await continueButton(page).click();
    await expect(h1(page)).toHaveText('回答内容の確認');
    await expectNoHorizontalScroll(page);
    await expectNoAxeViolations(page);
    await page.getByRole('button', { name: 'この内容で申請する' }).click();
    await receiptNumber(page);
    await expectNoHorizontalScroll(page);
  });
});

test('counter mode: staff start an application for the resident at the counter', async ({
  page,
}) => {
  await signInAsStaff(page, 'reviewer');
  await page.goto(`${TOWN_PATH}/staff/counter`);
  await expectNoAxeViolations(page);
  await page.getByRole('button', { name: '窓口で受付を開始', description: PLAY_ROOM.titleJa }).click();
  await expect(h1(page)).toHaveText('申込者');
  await expect(page.getByRole('button', { name: '保存して後で続ける' })).toHaveCount(0);
  await expect(page.getByLabel('日中に連絡がつく電話番号')).toHaveAttribute('autocomplete', 'off');
  await expectNoAxeViolations(page);
  await fillWholeApplication(page, { ...HANAKO, family: '中村' }, 'みお');
  await expectNoAxeViolations(page);
  await page.getByRole('button', { name: 'この内容で申請する' }).click();
  await receiptNumber(page);
  await expectNoAxeViolations(page);
  await page.getByRole('link', { name: '次の方の受付' }).click();
  await expect(page).toHaveURL(/\/staff\/counter$/);
});

test('the one-shot form: every question on one page, errors, then a receipt', async ({
  page,
}) => {
  await page.goto(`${PLAY_ROOM.startPath}/form`);
  await expect(h1(page)).toHaveText(PLAY_ROOM.titleJa);
  await expect(page.getByRole('heading', { name: '利用するお子さん' })).toHaveCount(1);
  await expectNoAxeViolations(page);
  const send = page.getByRole('button', { name: 'この内容で申請する' });
  await send.click();
  await expect(page.getByRole('alert')).toBeFocused();
  await expectNoAxeViolations(page);

  await fillApplicant(page, { ...HANAKO, family: '加藤' });
  await fillDate(page.getByRole('group', { name: '利用日' }), reiwaDaysFromToday(10));
  await page.getByRole('radio', { name: '午前（9:00〜12:00）' }).check();
  await fillChild(childRow(page, 1), 'あおい');
  await page.getByLabel('利用のきまり（飲食禁止・保護者同伴）に同意します').check();
  await send.click();
  await receiptNumber(page);
  await expect(page).toHaveURL(/\/k\/[^/]+\/done$/);
  await expectNoAxeViolations(page);
});
