// @module-tag slow
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Dashboard } from '../../src/dashboard/server.js';
import { appendEvent } from '../../src/log/append.js';
import { chromiumForFile } from '../rig/browser.js';
import { setup } from './server-rig.js';

const browser = chromiumForFile();

const now = new Date().toISOString();
const at = { v: 1, ts: now, run_id: 'r1' } as const;
const IDS = ['feature-001-a', 'feature-002-b'];
/** A live run (this process holds its lock, see setup) with both features running. */
const RUN = [
  {
    ...at,
    type: 'run.started',
    feature_ids: IDS,
    concurrency: 2,
    base: 'main',
    base_commit: 'x',
    mode: 'contract-first',
    pid: process.pid,
  },
  ...IDS.map((id) => ({
    ...at,
    type: 'feature.started',
    feature_id: id,
    status: 'running',
    agent: 'claude',
    branch: `baton/${id}`,
    worktree: `/w/${id}`,
    log_file: `/w/${id}.log`,
    port: 41000,
  })),
];

/**
 * Hides or shows the tab as far as the page can tell. Headless Chromium reports every page visible and
 * has no switch for it, so the document's `hidden` and `visibilityState` are set and the change is
 * announced, as a browser does when the tab goes to the background or comes back.
 */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((hide) => {
    const document = (globalThis as unknown as { document: EventTarget }).document;
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hide });
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (hide ? 'hidden' : 'visible'),
    });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/** Opens the dashboard in `page` and waits until its stream is live. */
async function openLive(page: Page, dash: Dashboard): Promise<void> {
  await page.goto(dash.url, { timeout: 15_000 });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('live');
}

describe('dashboard tabs: a hidden tab holds no stream', () => {
  it('loads a seventh tab when six others are hidden (a browser allows six connections to one host)', async () => {
    const { dash } = await setup(RUN);
    // One browser profile: its six connections to the dashboard's host are shared by all its tabs.
    const context = await browser.newContext();
    try {
      const pages: Page[] = [];
      for (let i = 0; i < 6; i++) {
        const page = await context.newPage();
        pages.push(page);
        await openLive(page, dash);
        await setHidden(page, true);
        expect(await page.locator('#connection').getAttribute('data-state')).toBe('paused');
      }
      await expect.poll(() => dash.clients()).toBe(0);
      const seventh = await context.newPage();
      await openLive(seventh, dash);
      expect(await seventh.locator('li[data-feature]').count()).toBe(2);
      // A hidden tab shown again follows the run again.
      await setHidden(pages[0] as Page, false);
      await expect.poll(() => pages[0]?.locator('#connection').getAttribute('data-state')).toBe('live');
      await expect.poll(() => dash.clients()).toBe(2);
    } finally {
      await context.close();
    }
  });

  it('shown again, resumes from the last event it had: what happened meanwhile, on the board and in the feed once each', async () => {
    const { dash, log } = await setup(RUN);
    const page = await browser.newPage();
    const streams: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/events')) streams.push(r.url());
    });
    await openLive(page, dash);
    await setHidden(page, true);
    await expect.poll(() => dash.clients()).toBe(0);

    appendEvent(log, { ...at, type: 'feature.ended', feature_id: IDS[0] as string, status: 'complete' });
    appendEvent(log, {
      ...at,
      type: 'hook',
      feature_id: IDS[1] as string,
      event: 'notify',
      detail: 'while hidden',
    });
    // The page saw none of it: its stream is closed.
    expect(await page.locator(`[data-column="running"] li[data-feature="${IDS[0]}"]`).count()).toBe(1);

    await setHidden(page, false);
    await page.waitForSelector(`[data-column="complete"] li[data-feature="${IDS[0]}"]`, { timeout: 20_000 });
    const feed = page.locator('#events li');
    await expect
      .poll(() => feed.allTextContents(), { timeout: 20_000 })
      .toContainEqual(expect.stringContaining('hook notify: while hidden'));
    // Resumed, not reloaded: one snapshot in all, the second stream asked from the last event id it had.
    const snapshots = await page.evaluate(
      () => performance.getEntriesByName('baton:snapshot-received').length,
    );
    expect(snapshots).toBe(1);
    expect(streams).toHaveLength(2);
    expect(streams[1]).toMatch(/\/api\/events\?last_event_id=[0-9a-f]+\.\d+\.3$/);
    // Every event once, the ones from before hiding included.
    const texts = await feed.allTextContents();
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts.filter((t) => t.includes('agent claude started'))).toHaveLength(2);

    // And it follows the run again.
    appendEvent(log, { ...at, type: 'feature.ended', feature_id: IDS[1] as string, status: 'failed' });
    await page.waitForSelector(`[data-column="failed"] li[data-feature="${IDS[1]}"]`, { timeout: 20_000 });
    await page.close();
  });
});
