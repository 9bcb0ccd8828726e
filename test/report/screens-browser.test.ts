// @module-tag slow
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ev, featureEvents, runEnded, runStarted, toJsonl } from '../metrics/log-builder.js';
import { chromiumForFile } from '../rig/browser.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const browser = chromiumForFile();

const OUTPUT = resolve(import.meta.dirname, '..', '..', 'test-output');
const WIDTHS = [1400, 800] as const;

// Ids as long as a person writes them, and a failure whose reason is a whole agent.log path.
const AUTH = 'feature-001-authentication-with-single-sign-on-and-tokens';
const CATALOG = 'feature-002-product-catalog-with-search-and-facets';
const CART = 'feature-003-shopping-cart';
const LOG_PATH =
  '/home/someone/projects/a-rather-long-project-name/.baton/runs/20260302-090000-abcd/feature-003-shopping-cart/agent.log';

/** Every element wider than the viewport or reaching past its right edge: tag.class and width. */
async function overflowing(page: Page): Promise<string[]> {
  // Runs in the page (a string: this project's TypeScript has no DOM types).
  return (await page.evaluate(`(() => {
    const limit = window.innerWidth + 0.5;
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      if (box.width > limit || box.right > limit) {
        const cls = el.getAttribute('class');
        out.push(el.tagName.toLowerCase() + (cls ? '.' + cls.split(' ').join('.') : '') + ' (' + Math.round(box.width) + ' px)');
      }
    }
    if (document.documentElement.scrollWidth > window.innerWidth)
      out.push('page scrolls sideways (' + document.documentElement.scrollWidth + ' px)');
    return out;
  })()`)) as string[];
}

let repo: TempRepo;
let dashboardUrl = '';
let stopDashboard: (() => void) | undefined;
let dashboardDone: Promise<unknown> | undefined;

beforeAll(async () => {
  repo = makeRepo({
    'README.md': '# shop\n',
    ...contractFiles([
      { id: AUTH, owns: ['src/auth/**', 'src/shared/session.ts'], estimate: 45 },
      { id: CATALOG, owns: ['src/catalog/**', 'src/shared/session.ts'], estimate: 60 },
      { id: CART, owns: ['src/cart/**'], depends: [AUTH], estimate: 40 },
    ]),
  });
  mkdirSync(join(repo.root, '.baton'), { recursive: true });
  const events = [
    runStarted(0, 'run-1', [AUTH, CATALOG, CART]),
    ...featureEvents({ id: AUTH, runId: 'run-1', start: 0, exit: 20, files: ['src/auth/a.ts'] }),
    ...featureEvents({ id: CATALOG, runId: 'run-1', start: 0, exit: 25, files: ['src/catalog/c.ts'] }),
    ...featureEvents({ id: CART, runId: 'run-1', start: 20, exit: 30, exitCode: 1 }).filter(
      (e) => e.type !== 'feature.ended',
    ),
    ev(30, {
      type: 'feature.ended',
      run_id: 'run-1',
      feature_id: CART,
      status: 'failed',
      reason: `the agent failed: exit 1; see ${LOG_PATH}`,
    }),
    runEnded(31, 'run-1', 0, 'failed'),
  ];
  writeFileSync(join(repo.root, '.baton', 'log.jsonl'), toJsonl(events));
  mkdirSync(OUTPUT, { recursive: true });
  // The dashboard, served in-process until the end of the file.
  dashboardDone = runBaton(['dashboard', '--port', '0', '--json'], {
    cwd: repo.root,
    interrupt: (fire) => {
      stopDashboard = fire;
    },
    onStdout: (text) => {
      const line = text.split('\n')[0];
      if (text.includes('\n') && line && !dashboardUrl)
        dashboardUrl = (JSON.parse(line) as { url: string }).url;
    },
  });
  for (let i = 0; i < 200 && !dashboardUrl; i++) await new Promise((r) => setTimeout(r, 50));
});

afterAll(async () => {
  stopDashboard?.();
  await dashboardDone;
  repo?.cleanup();
});

describe('the report and the dashboard, looked at as a person would', () => {
  it.each(WIDTHS)('the HTML report fits a %i px window: no element wider than it', async (width) => {
    const file = join(OUTPUT, `report-${width}.html`);
    const r = await runBaton(['report', '--format', 'html', '--out', file], { cwd: repo.root });
    expect(r.code).toBe(0);
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    try {
      await page.goto(pathToFileURL(file).href);
      await page.screenshot({ path: join(OUTPUT, `report-${width}.png`), fullPage: true });
      expect(await page.locator('table').count()).toBeGreaterThan(1);
      expect(await page.getByText(LOG_PATH, { exact: false }).count()).toBe(1);
      expect(await overflowing(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it.each(WIDTHS)(
    'the dashboard fits a %i px window, its timeline and graph drawn on first paint',
    async (width) => {
      expect(dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        await page.goto(dashboardUrl);
        // First paint: this run has ended and nothing more is appended, so no update ever comes; the timeline
        // and the graph can only appear if the page's first render draws them (no timing asserted: the
        // machine running the suite is busy).
        await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
        const seq = await page.evaluate('document.body.dataset.seq');
        await page.waitForSelector('#timeline svg rect', { timeout: 20_000 });
        await page.waitForSelector('#graph svg g', { timeout: 20_000 });
        expect(await page.evaluate('document.body.dataset.seq')).toBe(seq); // drawn with no update since
        // Small words: one file is "1 file", not "1 files".
        const text = (await page.evaluate('document.body.innerText')) as string;
        expect(text).toContain('agent exited with code 0, 1 file changed');
        expect(text).toContain('agent exited with code 1, 0 files changed');
        expect(text).not.toMatch(/\b1 (files|features)\b/);
        await page.screenshot({ path: join(OUTPUT, `dashboard-${width}.png`), fullPage: true });
        expect(await overflowing(page)).toEqual([]);
      } finally {
        await page.close();
      }
    },
  );
});
