import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { computeReport } from '../../src/metrics/report.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { ev, featureEvents, runEnded, runStarted, toJsonl } from './log-builder.js';

/** A finished two-feature run, `alpha` 1..5 and `beta` 1..6, ended at minute 7, then integrated 7..9. */
function finishedRun(): BatonEvent[] {
  return [
    runStarted(0, 'r', ['alpha', 'beta']),
    ...featureEvents({ id: 'alpha', runId: 'r', start: 1, exit: 5 }),
    ...featureEvents({ id: 'beta', runId: 'r', start: 1, exit: 6 }),
    runEnded(7, 'r', 0),
    ev(7, {
      type: 'integration.started',
      branch: 'baton/integration',
      worktree: '/w',
      order: ['alpha', 'beta'],
    }),
    ev(8, {
      type: 'integration.tested',
      after_feature: 'alpha',
      passed: true,
      exit_code: 0,
      duration_ms: 30_000,
    }),
    ev(9, { type: 'integration.ended', outcome: 'clean', duration_ms: 2 * 60_000 }),
  ];
}

/** A second `run.ended` appended to the finished run by another process. */
const secondEnd = (outcome: 'complete' | 'failed', duration_ms: number): BatonEvent =>
  ev(8, { type: 'run.ended', run_id: 'r', outcome, duration_ms });

describe('ends and tests appended after the fact', () => {
  it('a second run.ended timed 1e308 ms adds no span: the speedup stays as measured', () => {
    const honest = computeReport({ events: finishedRun() });
    const r = computeReport({ events: [...finishedRun(), secondEnd('complete', 1e308)] });
    expect(r.headline.speedup).toBe(honest.headline.speedup);
    expect(r.worksheet.rows.find((w) => w.phase === 'implementation')?.parallel_actual_min).toBe(7);
    expect(renderMarkdown(r)).not.toMatch(/e\+\d/);
  });

  it('an integration.ended with no start adds no span', () => {
    const forged = ev(30, { type: 'integration.ended', outcome: 'clean', duration_ms: 1e308 });
    const r = computeReport({ events: [...finishedRun(), forged] });
    expect(r.integration.duration_min).toBe(2);
    expect(renderMarkdown(r)).not.toMatch(/e\+\d/);
  });

  it('a second run.ended with another outcome does not change the finished run’s', () => {
    const r = computeReport({ events: [...finishedRun(), secondEnd('failed', 60_000)] });
    expect(r.run.outcome).toBe('complete');
  });

  it('a post-merge test timed longer than its invocation allows is not counted, and is named', () => {
    const forged = ev(8.5, {
      type: 'integration.tested',
      after_feature: 'beta',
      passed: true,
      exit_code: 0,
      duration_ms: 1e308,
    });
    const events = finishedRun();
    events.splice(events.length - 1, 0, forged);
    const r = computeReport({ events });
    expect(r.integration.tests).toEqual({ passed: 1, failed: 0 });
    expect(r.integration.tests_min).toBe(0.5);
    expect(r.implausible_durations).toEqual(['integration test time']);
    expect(renderMarkdown(r)).not.toMatch(/e\+\d/);
  });

  it('a post-merge test outside any integration is not counted', () => {
    const stray = ev(30, {
      type: 'integration.tested',
      after_feature: 'beta',
      passed: true,
      exit_code: 0,
      duration_ms: 1,
    });
    const r = computeReport({ events: [...finishedRun(), stray] });
    expect(r.integration.tests).toEqual({ passed: 1, failed: 0 });
  });

  const repos: TempRepo[] = [];
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  it('`status` keeps the first end’s outcome in its header', async () => {
    const repo = makeRepo();
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'));
    writeFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      toJsonl([...finishedRun(), secondEnd('failed', 1e308)]),
    );
    const r = await runBaton(['status'], { cwd: repo.root });
    expect(r.stdout).toMatch(/^run r \(complete\)/m);
  });
});
