// @module-tag slow
// The page's timeline draws what `baton report` draws. It drew the integration from its first start to
// its last end (the time a person spent resolving a conflict between `baton integrate` and `--continue`
// counted as integration), and after a later run still the earlier run's features and integration, on an
// axis from the earlier run's start, while the header and the report described the new run alone.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { computeReport } from '../../src/metrics/report.js';
import { ev, featureEvents, runEnded, runStarted } from '../metrics/log-builder.js';
import { chromiumForFile } from '../rig/browser.js';
import { setup } from './server-rig.js';

const browser = chromiumForFile();

/**
 * Run r1 (a, b) from minute 0 to 10, then `baton integrate` stopping at a conflict (10–11), the user
 * resolving it for 100 minutes, and `baton integrate --continue` (111–113).
 */
function integratedAfterAConflict(): BatonEvent[] {
  const ids = ['a', 'b'];
  return [
    runStarted(0, 'r1', ids),
    ...ids.flatMap((id) => featureEvents({ id, runId: 'r1', start: 0, exit: 10 })),
    runEnded(10, 'r1', 0),
    ev(10, { type: 'phase.started', phase: 'integration' }),
    ev(10, { type: 'integration.started', branch: 'baton/integration', worktree: '/w', order: ids }),
    ev(11, { type: 'merge.conflict', feature_id: 'b', files: ['x'], with: ['a'], duration_ms: 100 }),
    ev(11, { type: 'integration.ended', outcome: 'conflict', duration_ms: 60_000 }),
    ev(11, { type: 'phase.ended', phase: 'integration' }),
    ev(111, { type: 'phase.started', phase: 'integration' }),
    ev(112, { type: 'merge.clean', feature_id: 'b', commit: 'b'.repeat(40), duration_ms: 60_000 }),
    ev(113, { type: 'integration.ended', outcome: 'clean', duration_ms: 2 * 60_000 }),
    ev(113, { type: 'phase.ended', phase: 'integration' }),
  ];
}

async function open(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
  return page;
}

/** The ids of the timeline's rows, top to bottom. */
const rowIds = (page: Page) =>
  page
    .locator('#timeline g.row')
    .evaluateAll((rows) =>
      rows.map((r) => (r as unknown as { dataset: { feature: string } }).dataset.feature),
    );

describe('the dashboard timeline', () => {
  it('draws the integration as the spans baton integrate ran, the report’s integration time, not the wait', async () => {
    const events = integratedAfterAConflict();
    expect(computeReport({ events }).integration.duration_min).toBe(3);
    const { dash } = await setup(events);
    const page = await open(dash.url);
    await expect.poll(() => rowIds(page)).toEqual(['a', 'b', 'integration']);
    const spans = page.locator('#timeline g.row[data-feature="integration"] rect.bar');
    await expect.poll(() => spans.count()).toBe(2);
    const tips = await page.locator('#timeline g.row[data-feature="integration"] title').allTextContents();
    expect(tips).toEqual(['integration: 1m 00s', 'integration: clean, 2m 00s']);
    await page.close();
  });

  it('after a later run, draws that run alone: its features, from its start, and no earlier integration', async () => {
    const { dash } = await setup([
      ...integratedAfterAConflict(),
      runStarted(120, 'r2', ['c']),
      ...featureEvents({ id: 'c', runId: 'r2', start: 120, exit: 125 }),
      runEnded(125, 'r2', 120),
    ]);
    const page = await open(dash.url);
    await expect.poll(() => rowIds(page)).toEqual(['c']);
    // Its bar starts at +0s: the axis starts with the run the header names, not the earlier one.
    const bar = page.locator('#timeline g.row[data-feature="c"] rect.bar');
    const label = page.locator('#timeline .tick-label').first();
    expect(await label.textContent()).toBe('+0s');
    expect(Number(await bar.getAttribute('x'))).toBe(Number(await label.getAttribute('x')) - 3);
    await page.close();
  });
});
