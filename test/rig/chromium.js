// The Chromium lookup shared by the browser tests (test/rig/browser.ts) and the benches (bench/*.bench.js):
// plain JavaScript so that both TypeScript under vitest and a bench run by Node alone can import it.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Flags for a headless Chromium with no background network traffic (no updates, no sync, no first-run pages). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * The Chromium to drive: `$CHROMIUM_PATH` when set, else the first `chromium` on PATH — the program
 * `npm test`'s pretest (scripts/ensure-test-deps.js) looks for and installs when missing. Throws, naming
 * the fix, when there is none: a browser test fails rather than skips.
 *
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string}
 */
export function chromiumPath(env = process.env) {
  const explicit = env.CHROMIUM_PATH;
  if (explicit) {
    if (existsSync(explicit)) return explicit;
    throw new Error(`CHROMIUM_PATH=${explicit} does not exist`);
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const file = join(dir, 'chromium');
    if (existsSync(file)) return file;
  }
  throw new Error(
    'no chromium on PATH: `npm test` installs it (its pretest runs apt-get install chromium), ' +
      'or set CHROMIUM_PATH to a Chromium binary',
  );
}
