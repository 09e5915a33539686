/**
 * Staff sign-in and sign-out, end to end in Chromium: with a mouse and JavaScript, with the
 * keyboard alone, and with JavaScript turned off. axe-core checks every page and state.
 */
import type { Page } from '@playwright/test';

import { expectNoAxeViolations } from '../support/axe';
import { expectFocusVisible, tabOrder, tabTo } from '../support/keyboard';
import { STAFF_HOME_PATH, STAFF_LOGIN_PATH } from '../support/staff';
import { expect, test } from '../support/test';
import { DEMO_LOGINS, DEMO_TOWN } from '../support/yui';

const reviewer = DEMO_LOGINS.reviewer;
const onStaffHome = new RegExp(`${STAFF_HOME_PATH}$`);
const onLoginAfterSignOut = new RegExp(`${STAFF_LOGIN_PATH}\\?signed_out=true$`);

test('a reviewer signs in, switches to English and signs out', async ({ page }) => {
  await page.goto(STAFF_LOGIN_PATH);
  await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
  await expect(page).toHaveTitle(`職員ログイン | ${DEMO_TOWN.name}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('職員ログイン');
  await expectNoAxeViolations(page);

  await test.step('an empty form shows an error summary that takes focus', async () => {
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    const summary = page.getByRole('alert');
    await expect(summary).toBeVisible();
    await expect(summary.getByRole('heading')).toHaveText('入力内容を確認してください');
    await expect(summary).toBeFocused();
    await expect(page).toHaveTitle(/^エラー：/);
    await expectErrorLinksPointAtFields(page);
    await expectNoAxeViolations(page);
  });

  await test.step('correct details open the staff home', async () => {
    await page.getByLabel('ログイン名').fill(reviewer.login);
    await page.getByLabel('パスワード').fill(reviewer.password);
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await expect(page).toHaveURL(onStaffHome);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('職員ホーム');
    await expect(page.getByRole('main')).toContainText(DEMO_TOWN.name);
    await expect(page.getByRole('main')).toContainText(reviewer.roleJa);
    await expectNoAxeViolations(page);
  });

  await test.step('the language link switches the page to English', async () => {
    const languages = page.getByRole('navigation', { name: '言語' });
    await languages.getByRole('link', { name: 'English' }).click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Staff home');
    await expect(page.getByRole('main')).toContainText(reviewer.roleEn);
    await expectNoAxeViolations(page);
  });

  await test.step('signing out returns to the sign-in page with a notice', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(onLoginAfterSignOut);
    await expect(page.getByRole('status')).toHaveText('You have signed out.');
    await expectNoAxeViolations(page);
  });

  await test.step('the staff home is closed after signing out', async () => {
    await page.goto(STAFF_HOME_PATH);
    await expect(page).toHaveURL(new RegExp(`${STAFF_LOGIN_PATH}\\?next=`));
  });
});

test('a reviewer signs in and out with the keyboard alone', async ({ page }) => {
  await page.goto(STAFF_LOGIN_PATH);

  await test.step('every element reached by Tab shows where focus is', async () => {
    const order = await tabOrder(page);
    expect(order[0], 'the skip link comes first').toContain('skip-link');
    expect(order.some((el) => el.startsWith('input#login'))).toBe(true);
    expect(order.some((el) => el.startsWith('input#password'))).toBe(true);
    expect(order.some((el) => el.startsWith('button'))).toBe(true);
  });

  await page.goto(STAFF_LOGIN_PATH);
  await test.step('the skip link jumps past the header to the form', async () => {
    await page.keyboard.press('Tab');
    const skipLink = page.getByRole('link', { name: '本文へ移動' });
    await expect(skipLink).toBeFocused();
    await expectFocusVisible(page);
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/#main$/);
    await page.keyboard.press('Tab');
    await expect(page.getByLabel('ログイン名')).toBeFocused();
    await expectFocusVisible(page);
  });

  await test.step('an empty form sent with Enter focuses the error summary', async () => {
    await page.keyboard.press('Enter');
    await expect(page.getByRole('alert')).toBeFocused();
    await expectFocusVisible(page);
  });

  await test.step('typing and Tab fill the form; Shift+Tab goes back; Enter signs in', async () => {
    await tabTo(page, page.getByLabel('ログイン名'));
    await page.keyboard.type(reviewer.login);
    await tabTo(page, page.getByLabel('パスワード'));
    await page.keyboard.type(reviewer.password);
    await tabTo(page, page.getByRole('button', { name: 'ログイン', exact: true }));
    await tabTo(page, page.getByLabel('パスワード'), { backwards: true });
    await tabTo(page, page.getByRole('button', { name: 'ログイン', exact: true }));
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(onStaffHome);
    await expect(page.getByRole('main')).toContainText(reviewer.roleJa);
  });

  await test.step('Tab reaches the sign-out button and Enter signs out', async () => {
    await tabTo(page, page.getByRole('button', { name: 'ログアウト' }));
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(onLoginAfterSignOut);
    await expect(page.getByRole('status')).toHaveText('ログアウトしました。');
  });
});

test.describe('with JavaScript turned off', () => {
  test.use({ javaScriptEnabled: false });

  // axe-core cannot run without JavaScript; the journeys above check the same server-rendered
  // pages. This one proves the forms work and the error summary still takes focus.
  test('a reviewer signs in and out', async ({ page }) => {
    await page.goto(STAFF_LOGIN_PATH);

    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    const summary = page.getByRole('alert');
    await expect(summary).toBeVisible();
    await expect(summary).toBeFocused();
    await expectErrorLinksPointAtFields(page);

    await page.getByLabel('ログイン名').fill(reviewer.login);
    await page.getByLabel('パスワード').fill(reviewer.password);
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await expect(page).toHaveURL(onStaffHome);
    await expect(page.getByRole('main')).toContainText(DEMO_TOWN.name);
    await expect(page.getByRole('main')).toContainText(reviewer.roleJa);

    await page.getByRole('button', { name: 'ログアウト' }).click();
    await expect(page).toHaveURL(onLoginAfterSignOut);
    await expect(page.getByRole('status')).toHaveText('ログアウトしました。');
  });
});

/**
 * Each error in the summary links to its field, and the field is marked invalid and described
 * by its own message.
 */
async function expectErrorLinksPointAtFields(page: Page) {
  const links = page.getByRole('alert').getByRole('link');
  await expect(links).toHaveCount(2);
  for (const link of await links.all()) {
    const href = await link.getAttribute('href');
    expect(href, 'error link is a fragment').toMatch(/^#[\w-]+$/);
    const field = page.locator(href as string);
    await expect(field, `${href} is a form field`).toHaveJSProperty('tagName', 'INPUT');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveAttribute('aria-describedby', new RegExp(`${href?.slice(1)}-error`));
  }
}
