import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';
import { afterAll } from 'vitest';
import { CHROMIUM_ARGS, chromiumPath } from './chromium.js';

export { chromiumPath } from './chromium.js';

/** Starts a headless Chromium with no background network traffic (no updates, no sync, no first-run pages). */
function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS] });
}

let workerBrowser: Promise<Browser> | undefined;

/**
 * The test worker's one Chromium, started by the first browser test file it runs and kept for the next
 * ones (a start and its first page cost about a second of CPU, once per file before). Playwright stops it
 * when the worker exits; one that crashed or was closed is started again on next use.
 */
function workerChromium(): Promise<Browser> {
  if (!workerBrowser) {
    const launching = launchChromium();
    workerBrowser = launching;
    const forget = () => {
      if (workerBrowser === launching) workerBrowser = undefined;
    };
    launching.then((b) => b.on('disconnected', forget), forget);
  }
  return workerBrowser;
}

/** What a test file opens in Chromium: pages, each in a fresh profile, or a profile shared by its pages. */
export interface FileBrowser {
  newPage(options?: BrowserContextOptions): Promise<Page>;
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
}

/**
 * Chromium for one test file, to be called at its top level: each page gets a fresh profile (cookies,
 * storage, connections) as from a browser of its own, and every profile the file opened is closed after
 * its tests, so no page of it still polls a server in the next file.
 */
export function chromiumForFile(): FileBrowser {
  const contexts = new Set<BrowserContext>();
  afterAll(async () => {
    await Promise.all([...contexts].map((c) => c.close().catch(() => undefined)));
    contexts.clear();
  });
  const newContext = async (options?: BrowserContextOptions) => {
    const context = await (await workerChromium()).newContext(options);
    contexts.add(context);
    context.on('close', () => contexts.delete(context));
    return context;
  };
  return { newContext, newPage: async (options) => (await newContext(options)).newPage() };
}
