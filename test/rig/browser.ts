import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from './chromium.js';

export { chromiumPath } from './chromium.js';

/** Starts a headless Chromium with no background network traffic (no updates, no sync, no first-run pages). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS] });
}
