/**
 * The handover manual (引き継ぎ書): a reviewer finds an app in the staff console's app list,
 * reads its manual in Japanese and in English, and downloads it as a PDF. axe-core checks the
 * list and the manual in both languages.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import type { Page } from '@playwright/test';

import { expectNoAxeViolations } from '../support/axe';
import { signInAsStaff } from '../support/staff';
import { expect, test } from '../support/test';
import { DEMO_TOWN, type YuiInstance, yuiBinary } from '../support/yui';

const APPS_PATH = `/${DEMO_TOWN.slug}/staff/apps`;
const MANUAL_PATH = `${APPS_PATH}/play-room-booking/manual`;
const MANUAL_LINK = 'プレイルーム利用申込の引き継ぎ書';

/**
 * The demo installs the shipped templates; should this demo not have the play-room app, it is
 * installed and published through the command line, as an operator would.
 */
async function ensurePlayRoomApp(page: Page, yui: YuiInstance): Promise<void> {
  if ((await page.getByRole('link', { name: MANUAL_LINK }).count()) > 0) return;
  execFileSync(yuiBinary(), [
    'admin',
    'install-app',
    '--data-dir',
    yui.dataDir,
    '--tenant',
    DEMO_TOWN.slug,
    '--file',
    join(__dirname, '..', '..', 'templates', 'play-room-booking.yaml'),
    '--publish',
  ]);
  await page.reload();
}

test('a reviewer reads an app’s handover manual and downloads it as a PDF', async ({
  page,
  yui,
}) => {
  await signInAsStaff(page, 'reviewer');

  await test.step('the app list links to each app’s manual', async () => {
    await page.getByRole('navigation', { name: '職員メニュー' }).getByRole('link', { name: 'アプリ' }).click();
    await expect(page).toHaveURL(new RegExp(`${APPS_PATH}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('アプリ一覧');
    await ensurePlayRoomApp(page, yui);
    await expectNoAxeViolations(page);
  });

  await test.step('the manual explains the rules in plain Japanese', async () => {
    await page.getByRole('link', { name: MANUAL_LINK }).click();
    await expect(page).toHaveURL(new RegExp(`${MANUAL_PATH}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('プレイルーム利用申込');
    const main = page.getByRole('main');
    await expect(main).toContainText('引き継ぎ書');
    await expect(main).toContainText('『食物アレルギーはありますか』が「はい」のとき');
    await expect(main).toContainText('入力できる値: 1以上4以下');
    await expect(main).toContainText('住民にメールで知らせる');
    await expect(main).not.toContainText('${');
    await expectNoAxeViolations(page);
  });

  await test.step('the PDF downloads with a Japanese file name', async () => {
    const link = page.getByRole('link', { name: 'PDF をダウンロード' });
    const href = await link.getAttribute('href');
    expect(href).toBe(`${MANUAL_PATH}.pdf`);
    const response = await page.request.get(href ?? '');
    expect(response.status(), await response.text().catch(() => '')).toBe(200);
    expect(response.headers()['content-type']).toBe('application/pdf');
    const disposition = decodeURIComponent(response.headers()['content-disposition'] ?? '');
    expect(disposition).toMatch(/filename\*=UTF-8''引き継ぎ書_プレイルーム利用申込_v\d+\.pdf$/);
    const body = await response.body();
    expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  await test.step('the manual reads in English too', async () => {
    await page.goto(`${MANUAL_PATH}?lang=en`);
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Play room booking');
    await expect(page.getByRole('main')).toContainText('when “Any food allergies?” is “Yes”');
    await expectNoAxeViolations(page);
  });
});
