// @module-tag slow
// A run continued by `run --resume` is one run for the report and the Speedup tile; the header named
// only the resume's id and start and its Elapsed tile the resume's time. Now the header names the run
// (resumed as …), its first start, and, once it ended, the wall-clock of its parts.
import { describe, expect, it } from 'vitest';
import { chromiumForFile } from '../rig/browser.js';
import { setup } from './server-rig.js';

const browser = chromiumForFile();

const A = 'feature-001-a';
const at = (sec: number) => new Date(Date.parse('2026-12-06T10:00:00.000Z') + sec * 1000).toISOString();
const started = (runId: string, sec: number, resume: boolean) => ({
  v: 1,
  ts: at(sec),
  type: 'run.started',
  run_id: runId,
  feature_ids: [A],
  concurrency: 1,
  base: 'main',
  base_commit: 'a'.repeat(40),
  mode: 'contract-first',
  pid: 999_999,
  ...(resume ? { resume: true } : {}),
});

/** `A`'s agent starting in run `runId`, `sec` seconds in. */
const featureStarted = (runId: string, sec: number) => ({
  v: 1,
  ts: at(sec),
  type: 'feature.started',
  run_id: runId,
  feature_id: A,
  status: 'running',
  agent: 'command',
  branch: `baton/${A}`,
  worktree: '/w',
  log_file: '/l',
  port: 41000,
});

describe('the header of a resumed run', () => {
  it('names the run as the report does, and its wall-clock over both parts once it ended', async () => {
    const { dash } = await setup([
      // 4 s, interrupted; resumed a minute later for 6 s.
      started('r1', 0, false),
      featureStarted('r1', 0),
      {
        v: 1,
        ts: at(4),
        type: 'agent.exited',
        run_id: 'r1',
        feature_id: A,
        exit_code: null,
        signal: 'SIGTERM',
        duration_ms: 4000,
        files: [],
        interrupted: true,
        uncommitted: 0,
      },
      { v: 1, ts: at(4), type: 'feature.ended', run_id: 'r1', feature_id: A, status: 'interrupted' },
      { v: 1, ts: at(4), type: 'run.ended', run_id: 'r1', outcome: 'interrupted', duration_ms: 4000 },
      started('r2', 64, true),
      featureStarted('r2', 64),
      {
        v: 1,
        ts: at(70),
        type: 'agent.exited',
        run_id: 'r2',
        feature_id: A,
        exit_code: 0,
        signal: null,
        duration_ms: 6000,
        files: ['src/a.ts'],
      },
      { v: 1, ts: at(70), type: 'feature.ended', run_id: 'r2', feature_id: A, status: 'complete' },
      { v: 1, ts: at(70), type: 'run.ended', run_id: 'r2', outcome: 'complete', duration_ms: 6000 },
    ]);
    const page = await browser.newPage();
    await page.goto(dash.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    await expect
      .poll(async () => page.locator('#run-info').textContent(), { timeout: 20_000 })
      .toContain('run r1 (resumed as r2) · complete');
    // Elapsed: 4 s + 6 s, as the report counts the run, not the resume's 6 s.
    await expect
      .poll(async () => (await page.locator('body').textContent()) ?? '', { timeout: 20_000 })
      .toMatch(/Elapsed\s*10(\.0)? ?s/);
    await page.close();
  });
});

describe('a run whose orchestrator died', () => {
  it('shows its elapsed and its features’ ends as unknown, not as running up to now', async () => {
    // pid 999999 is no live Baton: the end is inferred, its time unknown (as status and report say).
    const { dash } = await setup([started('r1', 0, false), featureStarted('r1', 0)]);
    const page = await browser.newPage();
    await page.goto(dash.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    await expect
      .poll(async () => page.locator('#run-info').textContent(), { timeout: 20_000 })
      .toContain('run r1 · interrupted');
    expect(await page.locator('body').textContent()).toMatch(/Elapsed\s*—/);
    await expect
      .poll(async () => page.locator('g.row title').first().textContent(), { timeout: 10_000 })
      .toBe(`${A}: interrupted, end unknown`);
    await page.close();
  });
});
