/**
 * Keyboard-only use: moving focus with Tab and Shift+Tab, and checking that the focused
 * element can be seen (WCAG 2.4.7 Focus Visible, 2.4.11 Focus Not Obscured).
 */
import { expect, type Locator, type Page } from '@playwright/test';

/** What the focused element looks like, for assertions and failure messages. */
export interface FocusedElement {
  /** A short description, e.g. `a.skip-link "本文へ移動"`. */
  description: string;
  outline: string;
  boxShadow: string;
  /** It has a non-transparent outline or a box-shadow. */
  hasIndicator: boolean;
  /** Some of it lies inside the viewport. */
  inViewport: boolean;
}

/** Describes `document.activeElement`, or returns null when nothing (or the body) has focus. */
export async function focusedElement(page: Page): Promise<FocusedElement | null> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const style = getComputedStyle(el);
    const transparent = (color: string) =>
      color === 'transparent' || /^rgba\(.*,\s*0\)$/.test(color.replace(/\s+/g, ' '));
    const hasOutline =
      style.outlineStyle !== 'none' &&
      parseFloat(style.outlineWidth) > 0 &&
      !transparent(style.outlineColor);
    const hasShadow = style.boxShadow !== 'none' && style.boxShadow !== '';
    const rect = el.getBoundingClientRect();
    const inViewport =
      rect.width > 0 &&
      rect.height > 0 &&
      rect.bottom > 0 &&
      rect.right > 0 &&
      rect.top < window.innerHeight &&
      rect.left < window.innerWidth;
    const classes = el.classList.length ? `.${[...el.classList].join('.')}` : '';
    const id = el.id ? `#${el.id}` : '';
    const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return {
      description: `${el.tagName.toLowerCase()}${id}${classes}${text ? ` "${text}"` : ''}`,
      outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
      boxShadow: style.boxShadow,
      hasIndicator: hasOutline || hasShadow,
      inViewport,
    };
  });
}

/** Fails unless something has focus and that focus can be seen. */
export async function expectFocusVisible(page: Page): Promise<FocusedElement> {
  const focused = await focusedElement(page);
  expect(focused, 'something has keyboard focus').not.toBeNull();
  const el = focused as FocusedElement;
  expect(
    el.hasIndicator,
    `focus indicator on ${el.description} (outline: ${el.outline}; box-shadow: ${el.boxShadow})`,
  ).toBe(true);
  expect(el.inViewport, `${el.description} is on screen while focused`).toBe(true);
  return el;
}

/**
 * Presses Tab (or Shift+Tab with `{ backwards: true }`) until `target` has focus, checking at
 * every step that the focus is visible. Fails after `max` presses.
 */
export async function tabTo(
  page: Page,
  target: Locator,
  { backwards = false, max = 30 }: { backwards?: boolean; max?: number } = {},
): Promise<void> {
  const key = backwards ? 'Shift+Tab' : 'Tab';
  const path: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const focused = await expectFocusVisible(page);
    path.push(focused.description);
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  const went = path.join('\n  ');
  throw new Error(`${key} never reached ${target} after ${max} presses; focus went:\n  ${went}`);
}

/**
 * Tabs through the whole page and returns the order in which elements took focus, checking
 * each is visible. Call it right after the page has loaded, so Tab starts at the top. Stops
 * when focus leaves the page or comes back to the first element.
 */
export async function tabOrder(page: Page, { max = 60 }: { max?: number } = {}): Promise<string[]> {
  const order: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = await focusedElement(page);
    if (!focused || focused.description === order[0]) return order;
    await expectFocusVisible(page);
    order.push(focused.description);
  }
  throw new Error(`Tab did not leave the page after ${max} presses:\n  ${order.join('\n  ')}`);
}
