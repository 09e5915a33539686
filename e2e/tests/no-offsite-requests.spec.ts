/**
 * Pages make no request outside the instance: no CDN, no web fonts, no analytics. Every test
 * already fails on an offsite request through the `requests` fixture; this one walks the pages
 * that exist on purpose, and checks that the log really sees the pages' own requests.
 */
import { signInAsStaff } from '../support/staff';
import { expect, test } from '../support/test';

const PAGES = [
  '/',
  '/staff/login',
  '/oguni',
  '/oguni/staff/login',
  '/oguni/staff/login?lang=en',
  '/no-such-page',
];

test('every request of the public and staff pages goes to the Yui origin', async ({
  page,
  requests,
  yui,
}) => {
  for (const path of PAGES) {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
  }
  await signInAsStaff(page, 'admin');
  await page.waitForLoadState('networkidle');

  const sawStylesheet = requests.urls.some((url) => url.includes('/static/yui.css'));
  expect(sawStylesheet, 'the stylesheet request was recorded').toBe(true);
  const origins = new Set(requests.urls.map((url) => new URL(url).origin));
  expect([...origins]).toEqual([yui.url]);
});
