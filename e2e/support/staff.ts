/**
 * Staff console steps that many journeys share: signing in and out through the real forms.
 */
import { expect, type Page } from '@playwright/test';

import { DEMO_LOGINS, DEMO_TOWN, type DemoRole } from './yui';

/** The staff sign-in page of the demo town. */
export const STAFF_LOGIN_PATH = `/${DEMO_TOWN.slug}/staff/login`;

/** The staff home page of the demo town. */
export const STAFF_HOME_PATH = `/${DEMO_TOWN.slug}/staff`;

/**
 * Signs in as a demo staff member through the sign-in form and waits for the staff home page.
 * Works in either language: it finds the fields by their ids, which the error summary's links
 * also rely on.
 */
export async function signInAsStaff(page: Page, role: DemoRole = 'reviewer'): Promise<void> {
  const { login, password } = DEMO_LOGINS[role];
  await page.goto(STAFF_LOGIN_PATH);
  const form = page.locator(`form[action="${STAFF_LOGIN_PATH}"]`);
  await form.locator('#login').fill(login);
  await form.locator('#password').fill(password);
  await form.locator('button[type=submit]').click();
  await expect(page).toHaveURL(new RegExp(`${STAFF_HOME_PATH}$`));
}
