// @module-tag slow
// The elapsed times the page shows are `baton status`'s and the report's. A card's elapsed was its
// feature's wall-clock span (ended_at − started_at: agent, checks and setup), never the agent time the
// server sends, nor its flags; and the header's Elapsed tile of a resumed run still in progress was the
// resume's own time, not the run's parts' (the ended ones and the one running so far).
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumForFile } from '../rig/browser.js';
import { bearer, send, setup } from './server-rig.js';

const browser = chromiumForFile();

const T0 = Date.parse('2026-12-06T10:00:00.000Z');
const at = (sec: number, from = T0) => new Date(from + sec * 1000).toISOString();

const runStarted = (runId: string, ts: string, ids: string[], pid: number, resume = false) => ({
  v: 1,
  ts,
  type: 'run.started',
  run_id: runId,
  feature_ids: ids,
  concurrency: ids.length,
  base: 'main',
  base_commit: 'a'.repeat(40),
  mode: 'contract-first',
  pid,
  ...(resume ? { resume: true } : {}),
});

const featureStarted = (runId: string, id: string, ts: string) => ({
  v: 1,
  ts,
  type: 'feature.started',
  run_id: runId,
  feature_id: id,
  status: 'running',
  agent: 'command',
  branch: `baton/${id}`,
  worktree: `/w/${id}`,
  log_file: `/w/${id}.log`,
  port: 41000,
});

/** A feature whose agent ran `agentMs` and that ended at `endSec` (its checks took the rest). */
const finished = (runId: string, id: string, agentMs: number, exitSec: number, endSec: number) => [
  featureStarted(runId, id, at(0)),
  {
    v: 1,
    ts: at(exitSec),
    type: 'agent.exited',
    run_id: runId,
    feature_id: id,
    exit_code: 0,
    signal: null,
    duration_ms: agentMs,
    files: [],
  },
  { v: 1, ts: at(endSec), type: 'feature.ended', run_id: runId, feature_id: id, status: 'complete' },
];

async function open(url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
  return page;
}

const cardElapsed = (page: Page, id: string) =>
  page.locator(`li[data-feature="${id}"] .elapsed`).textContent();

describe("a card's elapsed time", () => {
  it("is the agent time the server sent once the feature ended, with status's flags, not its wall-clock span", async () => {
    const { dash } = await setup([
      runStarted('r1', at(0), ['quick', 'back', 'forged'], 999_999),
      // 2 s of agent time, then 38 s of checks: status and the report say 2 s, the span is 40 s.
      ...finished('r1', 'quick', 2000, 2, 40),
      // A negative duration: status says "0.0 s (clock went backwards)".
      ...finished('r1', 'back', -5000, 2, 3),
      // A duration the timestamps cannot hold: status says "unknown (longer than the log's timestamps allow)".
      ...finished('r1', 'forged', 1e12, 2, 3),
      { v: 1, ts: at(41), type: 'run.ended', run_id: 'r1', outcome: 'complete', duration_ms: 41_000 },
    ]);
    const page = await open(dash.url);
    await expect.poll(() => cardElapsed(page, 'quick'), { timeout: 20_000 }).toBe('2s');
    expect(await cardElapsed(page, 'back')).toBe('0s (clock went backwards)');
    expect(await cardElapsed(page, 'forged')).toBe("unknown (longer than the log's timestamps allow)");
    // The detail panel says the same.
    await page.locator('li[data-feature="quick"] article').click();
    await expect
      .poll(async () => (await page.locator('dl.facts').textContent()) ?? '', { timeout: 10_000 })
      .toContain('elapsed2s');
    await page.close();
  });
});

describe('the header of a resumed run in progress', () => {
  it("is its ended part's wall-clock plus its running part's so far, as the report counts the run", async () => {
    // Its first part ran 10 minutes an hour ago; the resume (this process, so live) started 2 s ago.
    const now = Date.now();
    const long = (sec: number) => at(sec, now - 3_600_000);
    const { dash } = await setup([
      runStarted('r1', long(0), ['a'], 999_999),
      featureStarted('r1', 'a', long(0)),
      { v: 1, ts: long(600), type: 'feature.ended', run_id: 'r1', feature_id: 'a', status: 'interrupted' },
      { v: 1, ts: long(600), type: 'run.ended', run_id: 'r1', outcome: 'interrupted', duration_ms: 600_000 },
      runStarted('r2', at(-2, now), ['a'], process.pid, true),
      featureStarted('r2', 'a', at(-2, now)),
    ]);
    const page = await open(dash.url);
    await expect
      .poll(async () => page.locator('#run-info').textContent(), { timeout: 20_000 })
      .toContain('run r1 (resumed as r2) · running');
    // 10 min and the resume's seconds so far: never the resume's few seconds alone, nor the idle hour.
    await expect
      .poll(async () => (await page.locator('body').textContent()) ?? '', { timeout: 20_000 })
      .toMatch(/Elapsed\s*10m [0-5]\ds/);
    await page.close();
  });
});

describe('the header of a resumed run whose first part never recorded its end', () => {
  it("shows Elapsed `—`, as the report says its wall-clock is unknown, not the resume's own span", async () => {
    // r1 was killed outright (no `run.ended`); `run --resume` (r2) finished its features in 3 s.
    const r2 = at(60);
    const { dash } = await setup([
      runStarted('r1', at(0), ['a'], 999_999),
      featureStarted('r1', 'a', at(0)),
      runStarted('r2', r2, ['a'], 999_999, true),
      ...finished('r2', 'a', 2000, 62, 63).map((e) => (e.type === 'feature.started' ? { ...e, ts: r2 } : e)),
      { v: 1, ts: at(63), type: 'run.ended', run_id: 'r2', outcome: 'complete', duration_ms: 3000 },
    ]);
    const page = await open(dash.url);
    await expect
      .poll(async () => page.locator('#run-info').textContent(), { timeout: 20_000 })
      .toContain('run r1 (resumed as r2) · complete');
    await expect
      .poll(async () => (await page.locator('body').textContent()) ?? '', { timeout: 20_000 })
      .toMatch(/Elapsed\s*—/);
    // What the page was sent says so too: the report's wall-clock is unknown, and so is the tile's.
    const metrics = JSON.parse((await send(dash.port, '/api/state', { headers: bearer(dash) })).body).metrics;
    expect(metrics.run_chain).toMatchObject({ run_id: 'r1', wall_ms: null });
    expect(metrics).not.toHaveProperty('elapsed');
    await page.close();
  });
});

describe('the timeline beside a line stamped decades away', () => {
  it('draws a handful of ticks, not one a day of the span', async () => {
    // A hook line from a machine whose clock said 2000: the span is 27 years.
    const { dash } = await setup([
      runStarted('r1', at(0), ['now', 'old'], 999_999),
      ...finished('r1', 'now', 2000, 2, 3),
      featureStarted('r1', 'old', '2000-01-01T00:00:00.000Z'),
      { v: 1, ts: at(4), type: 'run.ended', run_id: 'r1', outcome: 'complete', duration_ms: 4000 },
    ]);
    const page = await open(dash.url);
    await expect.poll(() => page.locator('#timeline .bar').count()).toBe(2);
    const ticks = await page.locator('#timeline .tick').count();
    expect(ticks).toBeGreaterThan(0);
    expect(ticks).toBeLessThanOrEqual(9);
    await page.close();
  });
});
