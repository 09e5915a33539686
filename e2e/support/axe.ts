/**
 * Accessibility checks with axe-core, injected from node_modules (nothing is fetched).
 *
 * Yui's bar is zero violations of WCAG 2.0, 2.1 and 2.2 at levels A and AA on every page a
 * resident or staff member sees, in every state (empty, with errors, after an action).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import type { Result } from 'axe-core';

/** The axe-core rule tags Yui must pass. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export interface AxeCheckOptions {
  /** Limit the check to this CSS selector (default: the whole page). */
  include?: string;
  /** Leave out this CSS selector, e.g. a third-party widget under separate review. */
  exclude?: string;
  /**
   * Rules to turn off. Every entry needs a reason next to it in the test and an issue to remove
   * it: the bar is zero violations.
   */
  disableRules?: string[];
}

/**
 * Runs axe-core on the page as it is now and fails the test on any violation, listing each
 * rule with the elements that break it.
 */
export async function expectNoAxeViolations(page: Page, options: AxeCheckOptions = {}) {
  const where = new URL(page.url()).pathname;
  await test.step(`axe-core: no violations on ${where}`, async () => {
    await expectScriptsRun(page);
    let builder = new AxeBuilder({ page }).withTags(WCAG_TAGS);
    if (options.include) builder = builder.include(options.include);
    if (options.exclude) builder = builder.exclude(options.exclude);
    if (options.disableRules?.length) builder = builder.disableRules(options.disableRules);
    const results = await builder.analyze();
    const report = results.violations.map(describeViolation);
    expect(report, `axe-core violations on ${page.url()}`).toEqual([]);
  });
}

/**
 * axe-core runs inside the page, so it cannot check a page whose JavaScript is turned off (it
 * would wait until the test times out). Say so at once instead. Pages are rendered on the
 * server, so the JavaScript-on journeys check the same markup.
 */
async function expectScriptsRun(page: Page) {
  // axe-core waits on timers, and timers never fire while scripts are disabled.
  const probe = page.evaluate(
    () => new Promise<boolean>((resolve) => setTimeout(resolve, 0, true)),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), 2_000);
  });
  const ran = await Promise.race([probe, timeout]);
  clearTimeout(timer);
  if (!ran) {
    probe.catch(() => undefined);
    throw new Error(
      'expectNoAxeViolations needs JavaScript in the page; check this page in a ' +
        'JavaScript-on test (javaScriptEnabled: false stops axe-core from running).',
    );
  }
}

function describeViolation(violation: Result): string {
  const nodes = violation.nodes.map((node) => {
    const summary = (node.failureSummary ?? '').replace(/\n/g, '\n      ');
    return `    ${node.target.join(' ')}\n      ${summary}`;
  });
  const impact = violation.impact ?? 'unknown impact';
  const heading = `${violation.id} (${impact}): ${violation.help}`;
  return [heading, `  ${violation.helpUrl}`, ...nodes].join('\n');
}
