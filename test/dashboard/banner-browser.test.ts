// @module-tag slow
// The banner of unreadable log lines lists the first ones, as `baton status` does, and says how many more
// there are in status's words. It listed the last 20 alone, with no count: 5,000 torn lines showed as
// lines 4982–5001, as if they were all, and the first one (usually the one that matters) never showed.
// Each line is shown in status's words too, with its text (clipped, escaped): not its number alone.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/dashboard/view.js';
import { chromiumForFile } from '../rig/browser.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo } from '../rig/repo.js';
import { bearer, cleanups, send, setup } from './server-rig.js';

const browser = chromiumForFile();

async function open(url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
  return page;
}

const bannerLines = (page: Page) => page.locator('#banner pre').allTextContents();
const state = async (port: number, headers: Record<string, string>) =>
  JSON.parse((await send(port, '/api/state', { headers })).body) as Snapshot;

/** A log of a status line, 5,000 torn lines, and another status line. */
const tornLog = () =>
  [
    '{"feature_id":"a","status":"running"}',
    ...Array.from({ length: 5000 }, (_, i) => `{torn line ${i + 1}`),
    '{"feature_id":"a","status":"complete"}',
  ]
    .map((l) => `${l}\n`)
    .join('');

describe('the banner of unreadable log lines', () => {
  it('lists the first ones and how many more, in the words `baton status` prints', async () => {
    const repo = makeRepo({ 'README.md': '# app\n' });
    cleanups.push(() => repo.cleanup());
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    const log = join(repo.root, '.baton', 'log.jsonl');
    writeFileSync(log, tornLog());
    const { dash } = await setup([], { root: repo.root, logPath: log });

    const status = await runBaton(['status', '--no-disk'], { cwd: repo.root });
    const statusLines = status.stderr.trimEnd().split('\n');
    expect(statusLines.at(-1)).toBe(`${log}: 4990 more bad lines skipped (\`baton doctor\` counts them all)`);

    await expect
      .poll(async () => (await state(dash.port, bearer(dash))).problem_count, { timeout: 10_000 })
      .toBe(5000);
    const s = await state(dash.port, bearer(dash));
    expect(s.problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(s.problems_unlisted).toBe('4990 more bad lines skipped (`baton doctor` counts them all)');

    const page = await open(dash.url);
    const lines = await bannerLines(page);
    expect(lines).toHaveLength(11);
    // Each line as status prints it: its number, why, and its text.
    expect(lines[0]).toBe(`${log}:2: skipped: not valid JSON (torn or hand-edited line): {torn line 1`);
    expect(lines).toEqual(statusLines.slice(-11));

    // One more bad line appended: counted, the listed ones stay the first.
    appendFileSync(log, '{torn line 5001\n');
    await expect
      .poll(async () => (await bannerLines(page)).at(-1), { timeout: 10_000 })
      .toBe(`${log}: 4991 more bad lines skipped (\`baton doctor\` counts them all)`);
    expect((await bannerLines(page))[0]).toContain(`${log}:2: `);
    await page.close();
  });

  it('lists every bad line, and no count, when there are few', async () => {
    const { dash, log } = await setup([{ feature_id: 'a', status: 'running' }]);
    appendFileSync(log, 'not json\n');
    await expect
      .poll(async () => (await state(dash.port, bearer(dash))).problem_count, { timeout: 10_000 })
      .toBe(1);
    const s = await state(dash.port, bearer(dash));
    expect(s).not.toHaveProperty('problems_unlisted');
    const page = await open(dash.url);
    expect(await bannerLines(page)).toEqual([
      `${log}:2: skipped: not valid JSON (torn or hand-edited line): not json`,
    ]);
    await page.close();
  });
});
