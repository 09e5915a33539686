/**
 * Steps of the resident journeys: the demo town's play-room booking (`templates/
 * play-room-booking.yaml`, installed and published by `yui demo`), filled page by page through
 * the real forms, found by label as a resident finds them.
 */
import { expect, type Locator, type Page } from '@playwright/test';

import { DEMO_TOWN } from './yui';

/** The play-room booking app of the demo town. */
export const PLAY_ROOM = {
  slug: 'play-room-booking',
  titleJa: 'プレイルーム利用申込',
  titleEn: 'Play room booking',
  startPath: `/${DEMO_TOWN.slug}/apps/play-room-booking`,
} as const;

/** A date as the boxes of a 和暦 date question take it. */
export interface WarekiDate {
  era: '令和' | '平成' | '西暦';
  year: string;
  month: string;
  day: string;
}

/** Today's date in Japan (the server's "today"), moved by `days`, as 令和 boxes. */
export function reiwaDaysFromToday(days: number): WarekiDate {
  const tokyo = new Date(Date.now() + 9 * 3600_000 + days * 86_400_000);
  return {
    era: '令和',
    year: String(tokyo.getUTCFullYear() - 2018),
    month: String(tokyo.getUTCMonth() + 1),
    day: String(tokyo.getUTCDate()),
  };
}

/** Fills the era, year, month and day boxes of the date question `group`. */
export async function fillDate(group: Locator, date: WarekiDate): Promise<void> {
  await group.getByRole('combobox').selectOption(date.era);
  const boxes = group.getByRole('textbox');
  await expect(boxes).toHaveCount(3);
  await boxes.nth(0).fill(date.year);
  await boxes.nth(1).fill(date.month);
  await boxes.nth(2).fill(date.day);
}

/** What a resident answers on the applicant page. */
export interface Applicant {
  family: string;
  given: string;
  kanaFamily: string;
  kanaGiven: string;
  phone: string;
  email: string;
}

export const HANAKO: Applicant = {
  family: '山田',
  given: '花子',
  kanaFamily: 'ヤマダ',
  kanaGiven: 'ハナコ',
  phone: '0967-46-1234',
  email: 'hanako@example.jp',
};

/** From the start page: presses 申請を始める and waits for the first page. */
export async function startPlayRoom(page: Page): Promise<void> {
  await page.goto(PLAY_ROOM.startPath);
  await page.getByRole('button', { name: '申請を始める' }).click();
  await expect(page).toHaveURL(/\/d\/[^/]+\/p\/1$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('申込者');
}

/** Types the applicant's answers on page 1 (without sending them). */
export async function fillApplicant(page: Page, who: Applicant): Promise<void> {
  const name = page.getByRole('group', { name: '保護者の氏名' });
  await name.getByLabel('姓', { exact: true }).fill(who.family);
  await name.getByLabel('名', { exact: true }).fill(who.given);
  const kana = page.getByRole('group', { name: '氏名（フリガナ）' });
  await kana.getByLabel('セイ', { exact: true }).fill(who.kanaFamily);
  await kana.getByLabel('メイ', { exact: true }).fill(who.kanaGiven);
  await page.getByLabel('日中に連絡がつく電話番号').fill(who.phone);
  await page.getByLabel('メールアドレス', { exact: true }).fill(who.email);
}

/** Page 2: a morning slot a week from today, one adult. */
export async function fillBooking(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('利用日時');
  await fillDate(page.getByRole('group', { name: '利用日' }), reiwaDaysFromToday(7));
  await page.getByRole('radio', { name: '午前（9:00〜12:00）' }).check();
  await expect(page.getByLabel('大人の人数')).toHaveValue('1');
}

/** The `n`th (from 1) child's row on page 3. */
export function childRow(page: Page, n: number): Locator {
  return page.getByRole('group', { name: `利用するお子さん ${n}`, exact: true });
}

/** Fills one child's row: name, a birth date two years ago, no allergy. */
export async function fillChild(row: Locator, name: string): Promise<void> {
  await row.getByLabel('お子さんのお名前').fill(name);
  await fillDate(row.getByRole('group', { name: '生年月日' }), reiwaDaysFromToday(-2 * 365));
  await row.getByRole('group', { name: '食物アレルギーはありますか' }).getByLabel('いいえ').check();
}

/** The main button of a form page. */
export function continueButton(page: Page): Locator {
  return page.getByRole('button', { name: '次へ進む' });
}

/** Fills and sends every page of a fresh draft, ending on the check page. */
export async function fillWholeApplication(page: Page, who: Applicant, child: string) {
  await fillApplicant(page, who);
  await continueButton(page).click();
  await fillBooking(page);
  await continueButton(page).click();
  await fillChild(childRow(page, 1), child);
  await continueButton(page).click();
  await page.getByLabel('利用のきまり（飲食禁止・保護者同伴）に同意します').check();
  await continueButton(page).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('回答内容の確認');
}

/**
 * Reflow (WCAG 1.4.10): the page is no wider than its viewport, so nothing needs horizontal
 * scrolling.
 */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  const where = new URL(page.url()).pathname;
  expect(
    widths.scroll,
    `${where} is ${widths.scroll}px wide in a ${widths.client}px viewport`,
  ).toBeLessThanOrEqual(widths.client);
}
