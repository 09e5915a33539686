/**
 * Playwright settings for Yui's browser tests: the system Chromium (never a downloaded one),
 * one worker on small CI machines, no retries (a flaky journey is a bug to fix).
 */
import { existsSync } from 'node:fs';

import { defineConfig } from '@playwright/test';

const chromium = process.env.YUI_E2E_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  throw new Error(
    `Chromium was not found at ${chromium}. Install it with scripts/e2e ` +
      '(apt-get install chromium) or point YUI_E2E_CHROMIUM at a Chromium binary.',
  );
}

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  workers: 1,
  reporter: 'list',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: chromium,
      // Playwright runs Chromium headless itself; these keep the browser from calling home,
      // so the only traffic is the page's own.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
