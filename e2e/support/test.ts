/**
 * The `test` every Yui browser test imports instead of Playwright's own. It adds:
 *
 * - `yui`: a real Yui (`yui demo`) started for each test file and stopped after it; `baseURL`
 *   points at it, so `page.goto('/oguni/staff/login')` works.
 * - `requests`: every request the browser context made; after each test, any request to a
 *   host other than the Yui under test fails the test (pages must never leave the instance).
 */
import { test as base, expect } from '@playwright/test';

import { startYui, type YuiInstance } from './yui';

export { expect };

/** One Yui per test file: started by the file's first test, stopped when the next file starts. */
class YuiPerFile {
  private current?: { file: string; yui: YuiInstance };

  async forFile(file: string): Promise<YuiInstance> {
    if (this.current?.file === file) return this.current.yui;
    await this.stop();
    const yui = await startYui();
    this.current = { file, yui };
    return yui;
  }

  async stop(): Promise<void> {
    const running = this.current;
    this.current = undefined;
    await running?.yui.stop();
  }
}

/** The requests a test's browser context made. */
export class RequestLog {
  readonly urls: string[] = [];

  constructor(private readonly origin: string) {}

  /** Requests to anything but the Yui under test (`data:` and `blob:` URLs never leave). */
  offsite(): string[] {
    return this.urls.filter((url) => {
      if (url.startsWith('data:') || url.startsWith('blob:')) return false;
      return new URL(url).origin !== this.origin;
    });
  }
}

interface TestFixtures {
  yui: YuiInstance;
  requests: RequestLog;
}

interface WorkerFixtures {
  yuiPerFile: YuiPerFile;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  yuiPerFile: [
    async ({}, use) => {
      const servers = new YuiPerFile();
      await use(servers);
      await servers.stop();
    },
    { scope: 'worker' },
  ],

  yui: async ({ yuiPerFile }, use, testInfo) => {
    const yui = await yuiPerFile.forFile(testInfo.file);
    await use(yui);
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('yui.log', { body: yui.log(), contentType: 'text/plain' });
    }
  },

  baseURL: async ({ yui }, use) => {
    await use(yui.url);
  },

  requests: [
    async ({ context, yui }, use) => {
      const log = new RequestLog(yui.url);
      context.on('request', (request) => log.urls.push(request.url()));
      await use(log);
      expect(log.offsite(), 'requests that left the Yui instance').toEqual([]);
    },
    { auto: true },
  ],
});
