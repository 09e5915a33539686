/**
 * Reflow (WCAG 1.4.10): at 320 CSS pixels wide, what a 1280-pixel screen shows at 400% zoom,
 * pages read in one column with no horizontal scrolling.
 */
import type { Page } from '@playwright/test';

import { expectNoAxeViolations } from '../support/axe';
import { signInAsStaff, STAFF_LOGIN_PATH } from '../support/staff';
import { expect, test } from '../support/test';

test.use({ viewport: { width: 320, height: 640 } });

async function expectNoHorizontalScroll(page: Page) {
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  const message = `page is ${widths.scroll}px wide in a ${widths.client}px viewport`;
  expect(widths.scroll, message).toBeLessThanOrEqual(320);
}

test('the sign-in page reflows at 320px, also with errors shown', async ({ page }) => {
  await page.goto(STAFF_LOGIN_PATH);
  await expectNoHorizontalScroll(page);
  await expectNoAxeViolations(page);

  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectNoHorizontalScroll(page);
});

test('the staff home reflows at 320px in Japanese and English', async ({ page }) => {
  await signInAsStaff(page, 'reviewer');
  await expectNoHorizontalScroll(page);
  await page.goto('?lang=en');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expectNoHorizontalScroll(page);
  await expectNoAxeViolations(page);
});
