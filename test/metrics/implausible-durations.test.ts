import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { checkLogValue } from '../../src/log/parse-event.js';
import { checkDuration, LONGER_THAN_LOGGED } from '../../src/metrics/intervals.js';
import { computeReport } from '../../src/metrics/report.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { at, ev, featureEvents, runEnded, runStarted, toJsonl } from './log-builder.js';

/** A finished two-feature run, `alpha` 1..5 and `beta` 1..6, ended at minute 7. */
function finishedRun(): BatonEvent[] {
  return [
    runStarted(0, 'r', ['alpha', 'beta']),
    ...featureEvents({ id: 'alpha', runId: 'r', start: 1, exit: 5 }),
    ...featureEvents({ id: 'beta', runId: 'r', start: 1, exit: 6 }),
    runEnded(7, 'r', 0),
  ];
}

/** The line a reviewer appended to a finished run's log: an exit stamped inside the run, timed 1e308 ms. */
const FORGED = `{"v":1,"ts":"${at(4)}","type":"agent.exited","feature_id":"alpha","exit_code":0,"signal":null,"duration_ms":1e308,"files":[],"run_id":"r"}`;

describe('checkDuration: a duration the log’s timestamps cannot support', () => {
  it.each([
    ['within its span', 60_000, 60_000, 60_000, [], []],
    ['a little over its span (clock slack)', 65_000, 60_000, 65_000, [], []],
    ['far over its span', 600_000, 60_000, null, [], ['x']],
    ['not finite', Number.POSITIVE_INFINITY, null, null, [], ['x']],
    ['huge, with no span known', 1e308, null, 1e308, [], []],
    ['negative: clamped as before', -5, 60_000, 0, ['x'], []],
  ])('%s', (_what, ms, span, expected, backwards, implausible) => {
    const flags = { backwards: [] as string[], implausible: [] as string[] };
    expect(checkDuration(ms, span, 'x', flags)).toBe(expected);
    expect(flags).toEqual({ backwards, implausible });
  });
});

describe('a forged agent.exited with an absurd duration', () => {
  it('makes the agent time unknown and flagged, and keeps it out of the headline', () => {
    const [forged] = [JSON.parse(FORGED) as BatonEvent];
    const r = computeReport({ events: [...finishedRun(), forged!] });
    const alpha = r.features.find((f) => f.feature_id === 'alpha');
    expect(alpha?.duration_min).toBeNull();
    expect(r.implausible_durations).toEqual(['alpha agent time']);
    expect(r.headline.speedup).toBeNull();
    expect(r.headline.text).not.toMatch(/e\+\d/);
    expect(r.unknowns.some((u) => u.includes(LONGER_THAN_LOGGED) && u.includes('alpha agent time'))).toBe(
      true,
    );
    expect(renderMarkdown(r)).not.toMatch(/e\+\d/);
  });

  it('is caught against the run when the feature’s own span would allow it', () => {
    // A duration of 30 min on an exit stamped at minute 6 of a run that started at minute 0.
    const events = finishedRun().map((e) =>
      e.type === 'agent.exited' && e.feature_id === 'beta' ? { ...e, duration_ms: 30 * 60_000 } : e,
    );
    const r = computeReport({ events });
    expect(r.features.find((f) => f.feature_id === 'beta')?.duration_min).toBeNull();
    expect(r.implausible_durations).toEqual(['beta agent time']);
  });

  it('a local retry whose one exit times every launch is not flagged', () => {
    const events: BatonEvent[] = [
      runStarted(0, 'r', ['alpha']),
      ...featureEvents({ id: 'alpha', runId: 'r', start: 1 }),
      // The retry's exit times both launches (minutes 1 to 9), stamped 8 minutes after the second launch.
      ...featureEvents({ id: 'alpha', runId: 'r', start: 1.5, exit: 9.5 }).map((e) =>
        e.type === 'agent.exited' ? { ...e, duration_ms: 8.5 * 60_000 } : e,
      ),
      runEnded(10, 'r', 0),
    ];
    const r = computeReport({ events });
    expect(r.features[0]?.duration_min).toBe(8.5);
    expect(r.implausible_durations).toEqual([]);
  });

  it('`status` shows it unknown and flagged, in the table and in --json', async () => {
    const repo = makeRepo();
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'));
    writeFileSync(join(repo.root, '.baton', 'log.jsonl'), `${toJsonl(finishedRun())}${FORGED}\n`);
    const table = await runBaton(['status'], { cwd: repo.root });
    expect(table.stdout).toMatch(new RegExp(`\\balpha\\b.*unknown \\(${LONGER_THAN_LOGGED}\\)`));
    expect(table.stdout).toMatch(/\bbeta\b.*5m 00s/);
    expect(table.stdout).not.toMatch(/e\+\d/);
    const json = await runBaton(['status', '--json'], { cwd: repo.root });
    const features = (JSON.parse(json.stdout) as { features: Array<Record<string, unknown>> }).features;
    expect(features.find((f) => f.feature_id === 'alpha')).toMatchObject({
      duration_ms: null,
      duration_implausible: true,
    });
    expect(features.find((f) => f.feature_id === 'beta')).not.toHaveProperty('duration_implausible');
    const report = await runBaton(['report', '--format', 'json'], { cwd: repo.root });
    const doc = JSON.parse(report.stdout) as { headline: { speedup: number | null } };
    expect(doc.headline.speedup).toBeNull();
  });

  const repos: TempRepo[] = [];
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });
});

describe('a duration too large for JSON', () => {
  it('is refused with a message that says so, not "got null"', () => {
    const line = FORGED.replace('1e308', '1e400');
    const checked = checkLogValue(JSON.parse(line));
    expect(checked).toEqual({
      problem:
        'agent.exited: "duration_ms" must be a finite number, got Infinity (a number too large to hold)',
    });
  });
});

describe('a retried job whose first attempt never exited (a dead distributed worker)', () => {
  const events: BatonEvent[] = [
    runStarted(0, 'r', ['alpha', 'beta']),
    // The first attempt's worker died: its feature.started has no agent.exited.
    ...featureEvents({ id: 'alpha', runId: 'r', start: 1 }),
    ...featureEvents({ id: 'beta', runId: 'r', start: 1, exit: 3 }),
    // The retry, on another worker, finished in 12051 ms.
    ...featureEvents({ id: 'alpha', runId: 'r', start: 4, exit: 4.25 }).map((e) =>
      e.type === 'agent.exited' ? { ...e, duration_ms: 12_051 } : e,
    ),
    ev(5, { type: 'run.ended', run_id: 'r', outcome: 'complete', duration_ms: 5 * 60_000 }),
  ];

  it('counts the finished attempt’s time and shows the unfinished one as superseded', () => {
    const r = computeReport({ events });
    const alpha = r.features.find((f) => f.feature_id === 'alpha');
    expect(alpha?.duration_min).toBeCloseTo(12_051 / 60_000, 10);
    expect(alpha?.superseded_attempts).toBe(1);
    expect(r.unknowns.filter((u) => u.includes('agent time unknown'))).toEqual([]);
    expect(r.headline.speedup).toBeCloseTo((12_051 / 60_000 + 2) / 5, 10);
    expect(r.headline.text).not.toContain("no agents' times");
    const md = renderMarkdown(r);
    expect(md).toContain('complete (2 launches, 1 superseded before recording an exit)');
    expect(md).not.toContain('agent time unknown');
  });

  it('a last attempt that never exited still leaves the time unknown, and the headline names it unfinished', () => {
    const unfinished = events.filter(
      (e) => !((e.type === 'agent.exited' || e.type === 'feature.ended') && e.feature_id === 'alpha'),
    );
    const r = computeReport({ events: unfinished });
    expect(r.features.find((f) => f.feature_id === 'alpha')?.duration_min).toBeNull();
    expect(r.headline.speedup).toBeNull();
    expect(r.headline.text).toContain('1 of 2 features did not complete (`alpha` running)');
  });
});

describe('a launch that failed and was retried (`retries`)', () => {
  it('is counted as retried after its exit, not as superseded before recording one', () => {
    const events: BatonEvent[] = [
      runStarted(0, 'r', ['alpha']),
      ...featureEvents({ id: 'alpha', runId: 'r', start: 0 }),
      ev(1, {
        type: 'agent.retrying',
        run_id: 'r',
        feature_id: 'alpha',
        reason: 'failed',
        exit_code: 1,
        retry: 1,
        of: 1,
        delay_ms: 0,
      }),
      ...featureEvents({ id: 'alpha', runId: 'r', start: 1, exit: 2, exitCode: 1 }),
      runEnded(2, 'r', 1),
    ];
    const r = computeReport({ events });
    const alpha = r.features.find((f) => f.feature_id === 'alpha');
    expect(alpha).toMatchObject({
      superseded_attempts: 0,
      retried_attempts: [{ reason: 'failed', exit_code: 1 }],
    });
    expect(renderMarkdown(r)).toContain('failed (2 launches, 1 retried after exit 1)');
  });
});
