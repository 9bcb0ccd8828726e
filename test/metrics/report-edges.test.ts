/** The report's diagnosis in words, and runs whose times are unusual: under a second, resumed the next day. */
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { parseLogText } from '../../src/log/read.js';
import { computeReport } from '../../src/metrics/report.js';
import { contract, ev, featureEvents, handPlan, runEnded, runStarted, toJsonl } from './log-builder.js';

describe('computeReport: the diagnosis in plain words', () => {
  it.each([
    [1, 'only 1 agent ran at once for 3 features'],
    [2, 'only 2 agents ran at once for 3 features'],
  ])('with %i at a time for 3 features it says %j', (concurrency, words) => {
    const events: LogEvent[] = [
      runStarted(0, 'r1', ['a', 'b', 'c'], concurrency),
      // One after another, with time between them: the speedup is below N whatever N is.
      ...featureEvents({ id: 'a', runId: 'r1', start: 0, exit: 10 }),
      ...featureEvents({ id: 'b', runId: 'r1', start: 15, exit: 25 }),
      ...featureEvents({ id: 'c', runId: 'r1', start: 30, exit: 40 }),
      runEnded(45, 'r1', 0),
    ];
    const line = computeReport({ events }).diagnosis.find((d) => d.startsWith('Implementation speedup'));
    expect(line).toContain(`: ${words}`);
  });
});

describe('computeReport: a run of less than a second', () => {
  it('prints its times precisely enough that the speedup and the times it divides agree', () => {
    const sec = 1 / 60;
    const events: LogEvent[] = [
      runStarted(0, 'r1', ['alpha', 'beta']),
      ...featureEvents({ id: 'alpha', runId: 'r1', start: 0, exit: 0.8 * sec }),
      ...featureEvents({ id: 'beta', runId: 'r1', start: 0, exit: 0.3 * sec }),
      runEnded(0.85 * sec, 'r1', 0),
    ];
    const r = computeReport({ events });
    expect(r.headline.text).toBe(
      "Implementation speedup 1.3× (measured): 850 ms in parallel; the agents' own times add up to 1.1 s.",
    );
    expect(r.diagnosis.join('\n')).toContain('`alpha` took 800 ms while the features averaged 550 ms');
  });
});

describe('computeReport: a run resumed the next day', () => {
  it('counts the two parts of the run, not the night between them, as its wall-clock', () => {
    const ids = ['feature-001-auth', 'feature-002-catalog'];
    const resumed = { ...runStarted(600, 'r2', ['feature-002-catalog']), resume: true } as LogEvent;
    const events: LogEvent[] = [
      runStarted(0, 'r1', ids),
      ...featureEvents({ id: 'feature-001-auth', runId: 'r1', start: 0, exit: 10 }),
      ev(0, {
        type: 'feature.started',
        run_id: 'r1',
        feature_id: 'feature-002-catalog',
        status: 'running',
        agent: 'claude',
        branch: 'baton/feature-002-catalog',
        worktree: '/tmp/wt/feature-002-catalog',
        log_file: '/tmp/logs/feature-002-catalog.log',
        port: 41001,
      }),
      ev(10, {
        type: 'feature.ended',
        run_id: 'r1',
        feature_id: 'feature-002-catalog',
        status: 'interrupted',
        reason: 'stopped by Ctrl-C',
      }),
      ev(10, { type: 'run.ended', run_id: 'r1', outcome: 'interrupted', duration_ms: 10 * 60_000 }),
      resumed,
      ...featureEvents({ id: 'feature-002-catalog', runId: 'r2', start: 600, exit: 610 }),
      runEnded(610, 'r2', 600),
    ];
    const impl = computeReport({ events }).worksheet.rows.find((r) => r.phase === 'implementation');
    expect(impl?.parallel_actual_min).toBe(20);
  });
});

describe('computeReport: an agent whose exit its Baton never recorded (killed), checked by the resume', () => {
  it('gives it no agent time, never the span from its start to the feature end that holds the dead Baton', () => {
    const events: LogEvent[] = [
      runStarted(0, 'r1', ['a', 'b']),
      ...featureEvents({ id: 'a', runId: 'r1', start: 0, exit: 1 }),
      // b's agent ran, Baton committed its work and was killed before writing agent.exited.
      ...featureEvents({ id: 'b', runId: 'r1', start: 0, agent: 'command' }),
      { ...runStarted(30, 'r1', ['b']), resume: true } as LogEvent,
      ev(31, { type: 'feature.ended', run_id: 'r1', feature_id: 'b', status: 'complete' }),
      runEnded(31, 'r1', 1),
    ];
    const r = computeReport({ events });
    const b = r.features.find((f) => f.feature_id === 'b');
    expect(b?.duration_min).toBeNull();
    const impl = r.worksheet.rows.find((row) => row.phase === 'implementation');
    // Not 1 + 31 minutes: b's time is unknown, so the sum is.
    expect(impl?.sequential_measured_min).not.toBe(32);
  });
});

describe('computeReport: a run none of whose features completed', () => {
  it('gives its worksheet no speedup, measured or estimated, in the implementation row or the total', () => {
    const events: LogEvent[] = [
      runStarted(0, 'r1', ['a', 'b']),
      ...featureEvents({ id: 'a', runId: 'r1', start: 0, exit: 10, exitCode: 1 }),
      ...featureEvents({ id: 'b', runId: 'r1', start: 0, exit: 8, exitCode: 2 }),
      runEnded(11, 'r1', 1),
    ];
    const r = computeReport({ events, estimates: { implementation: 60 } });
    const implementation = r.worksheet.rows.find((row) => row.phase === 'implementation');
    // The times stay: the agents worked 18 minutes in 11.
    expect(implementation).toMatchObject({ sequential_measured_min: 18, parallel_actual_min: 11 });
    expect(implementation).toMatchObject({ speedup: null, speedup_measured: null, speedup_estimate: null });
    expect(r.worksheet.total).toMatchObject({
      speedup: null,
      speedup_measured: null,
      speedup_estimate: null,
    });
    expect(r.unknowns.join('\n')).toContain('No feature of the run completed');
    expect(r.headline.speedup).toBeNull();
  });
});

describe('computeReport: a feature started over with --restart', () => {
  it('counts the files its branch holds, not those of the attempt the restart dropped', () => {
    const plan = handPlan({
      contracts: [contract('b', { owns: ['src/b/**'] })],
      waves: [['b']],
      critical: { feature_ids: ['b'], minutes: 0 },
    });
    const resumed = { ...runStarted(20, 'r2', ['b']), resume: true } as LogEvent;
    const events: LogEvent[] = [
      runStarted(0, 'r1', ['b']),
      ...featureEvents({
        id: 'b',
        runId: 'r1',
        start: 0,
        exit: 5,
        files: ['src/b/index.js', 'package.json'],
        status: 'failed-checks',
      }),
      runEnded(6, 'r1', 1),
      resumed,
      ev(20, {
        type: 'worktree.created',
        run_id: 'r2',
        feature_id: 'b',
        path: '/tmp/wt/b',
        branch: 'baton/b',
        base_commit: '0'.repeat(40),
        reused: true,
        restarted: true,
      }),
      ...featureEvents({ id: 'b', runId: 'r2', start: 20, exit: 25, files: ['src/b/index.js'] }),
      runEnded(26, 'r2', 0),
    ];
    const b = computeReport({ events, plan }).features.find((f) => f.feature_id === 'b');
    expect(b).toMatchObject({ files_changed: ['src/b/index.js'], outside_owns: [] });
  });
});

describe('computeReport: usage the log holds out of bounds', () => {
  it('never sums a negative cost into the total nor prints a count past 2^53 − 1: those lines are skipped, named', () => {
    const events: LogEvent[] = [
      runStarted(0, 'r1', ['fa', 'fb', 'fc'], 3),
      ...featureEvents({
        id: 'fa',
        runId: 'r1',
        start: 0,
        exit: 2,
        usage: { cost_usd: 2.5, input_tokens: 1000 },
      }),
      ...featureEvents({
        id: 'fb',
        runId: 'r1',
        start: 0,
        exit: 2,
        usage: { cost_usd: -9, input_tokens: -100 },
      }),
      ...featureEvents({ id: 'fc', runId: 'r1', start: 0, exit: 2, usage: { input_tokens: 1e300 } }),
      runEnded(3, 'r1', 0),
    ];
    // Through the reader, as `baton report` and `baton status` read the log.
    const read = parseLogText(toJsonl(events));
    expect(read.problems.map((p) => p.message)).toEqual([
      'agent.exited: "usage.cost_usd" must be a number at least 0, got -9',
      'agent.exited: "usage.input_tokens" must be a number at most 9007199254740991, got 1e+300',
    ]);
    const report = computeReport({ events: read.events });
    expect(report.totals.cost_usd).toBe(2.5);
    expect(report.totals.input_tokens).toBe(1000);
    expect(report.features.map((f) => [f.feature_id, f.cost_usd, f.input_tokens])).toEqual([
      ['fa', 2.5, 1000],
      ['fb', null, null],
      ['fc', null, null],
    ]);
  });

  it('takes no concurrency that is no whole number of at least 1: no headline of "N = 0 agents"', () => {
    // 0 (what an older queued resume wrote) keeps its line and is read as no concurrency known.
    for (const concurrency of [0, 1.5, -2]) {
      const events: LogEvent[] = [
        runStarted(0, 'r1', ['fa'], concurrency),
        ...featureEvents({ id: 'fa', runId: 'r1', start: 0, exit: 2 }),
        runEnded(3, 'r1', 0),
      ];
      const read = parseLogText(toJsonl(events));
      expect(read.problems, String(concurrency)).toHaveLength(concurrency === 0 ? 0 : 1);
      const report = computeReport({ events: read.events });
      expect(report.run.concurrency).toBeNull();
      expect(report.headline.text).not.toMatch(/N = (0|1\.5|-2)\b/);
    }
  });
});
