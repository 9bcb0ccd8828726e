import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { CLOCK_BACKWARDS, clampElapsed, clampInterval } from '../../src/metrics/intervals.js';
import { computeReport } from '../../src/metrics/report.js';
import { formatDuration } from '../../src/terminal/style.js';
import { watchWorld } from '../adversarial/rig.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { ev, featureEvents, phase, runEnded, runStarted } from './log-builder.js';

describe('clampElapsed / clampInterval', () => {
  it.each([
    ['a positive span', 5000, 5000, []],
    ['zero', 0, 0, []],
    ['a negative span', -5000, 0, ['x']],
    ['NaN is left to the caller', Number.NaN, Number.NaN, []],
  ])('%s', (_what, ms, clamped, flagged) => {
    const backwards: string[] = [];
    expect(clampElapsed(ms, 'x', backwards)).toBe(clamped);
    expect(backwards).toEqual(flagged);
  });

  it.each([
    ['in order', { start: 10, end: 20 }, { start: 10, end: 20 }, []],
    ['end before start', { start: 20, end: 10 }, { start: 20, end: 20 }, ['x']],
    ['no end', { start: 20, end: null }, { start: 20, end: null }, []],
  ])('an interval %s', (_what, interval, clamped, flagged) => {
    const backwards: string[] = [];
    expect(clampInterval(interval, 'x', backwards)).toEqual(clamped);
    expect(backwards).toEqual(flagged);
  });
});

/** The agent.exited of `featureEvents` with its duration replaced. */
function withDuration(events: BatonEvent[], ms: number): BatonEvent[] {
  return events.map((e) => (e.type === 'agent.exited' ? { ...e, duration_ms: ms } : e));
}

describe('a report over a log whose clock went backwards', () => {
  it.each<[string, BatonEvent[], { a_min: number | null; flagged: string[] }]>([
    [
      'a sane log: nothing flagged',
      [
        runStarted(0, 'r', ['a']),
        ...featureEvents({ id: 'a', runId: 'r', start: 1, exit: 6 }),
        runEnded(7, 'r', 0),
      ],
      { a_min: 5, flagged: [] },
    ],
    [
      'an agent that exited before it started (forged timestamps)',
      [
        runStarted(0, 'r', ['a']),
        ...featureEvents({ id: 'a', runId: 'r', start: 8, exit: 3 }),
        runEnded(9, 'r', 0),
      ],
      { a_min: 0, flagged: ['a agent time', 'a span'] },
    ],
    [
      'a negative agent duration with sane timestamps',
      [
        runStarted(0, 'r', ['a']),
        ...withDuration(featureEvents({ id: 'a', runId: 'r', start: 1, exit: 6 }), -120_000),
        runEnded(7, 'r', 0),
      ],
      { a_min: 0, flagged: ['a agent time'] },
    ],
    [
      'a run that ended before it started',
      [
        runStarted(10, 'r', ['a']),
        ...featureEvents({ id: 'a', runId: 'r', start: 11, exit: 12 }),
        ev(2, { type: 'run.ended', run_id: 'r', outcome: 'complete', duration_ms: -480_000 }),
      ],
      { a_min: 1, flagged: ['run span'] },
    ],
    [
      'a phase that ended before it started',
      [
        ...phase(5, 1, 'specification'),
        runStarted(6, 'r', ['a']),
        ...featureEvents({ id: 'a', runId: 'r', start: 6, exit: 8 }),
        runEnded(9, 'r', 6),
      ],
      { a_min: 2, flagged: ['phase specification'] },
    ],
  ])('%s', (_what, events, expected) => {
    const r = computeReport({ events });
    const a = r.features.find((f) => f.feature_id === 'a');
    expect(a?.duration_min).toBe(expected.a_min);
    expect(r.clock_backwards).toEqual(expected.flagged);
    // Never a negative time anywhere in the report: clamped to 0, and said so.
    for (const f of r.features) {
      if (f.duration_min !== null) expect(f.duration_min).toBeGreaterThanOrEqual(0);
      if (f.start_min !== null && f.end_min !== null) expect(f.end_min).toBeGreaterThanOrEqual(f.start_min);
    }
    for (const row of [...r.worksheet.rows, r.worksheet.total]) {
      for (const v of Object.values(row)) if (typeof v === 'number') expect(v).toBeGreaterThanOrEqual(0);
    }
    const said = r.unknowns.filter((u) => u.includes(CLOCK_BACKWARDS));
    expect(said).toHaveLength(expected.flagged.length > 0 ? 1 : 0);
    for (const what of expected.flagged) expect(said[0]).toContain(what);
  });
});

describe('the headline over a log whose clock went backwards', () => {
  const SEC = 1 / 60;

  it('names the parallel wall-clock, not the agent times it has, when the run ended before it started', () => {
    // The clock stepped back an hour just after the start: run.ended is stamped before run.started.
    const back = -60;
    const events = [
      runStarted(0, 'r', ['a', 'b']),
      ...featureEvents({ id: 'a', runId: 'r', start: 0.1 * SEC, exit: 2 * SEC + back }).map((e) =>
        e.type === 'agent.exited' ? { ...e, duration_ms: 1900 } : e,
      ),
      ...featureEvents({ id: 'b', runId: 'r', start: 0.3 * SEC + back, exit: 3 * SEC + back }),
      ev(3.2 * SEC + back, { type: 'run.ended', run_id: 'r', outcome: 'complete', duration_ms: 3200 }),
    ];
    const r = computeReport({ events });
    expect(r.features.map((f) => f.duration_min !== null)).toEqual([true, true]);
    expect(r.headline.speedup).toBeNull();
    expect(r.headline.text).toBe(
      "Implementation speedup not measured: the run's end is stamped at or before its start, so its parallel " +
        'wall-clock was not measured (a clock that went backwards during the run, or forged timestamps).',
    );
    expect(r.diagnosis).toContain(r.headline.text);
  });

  it('claims no speedup above N from the agents’ own times, and says they are wrong rather than the sequential run slow', () => {
    // The clock stepped back 8 s during a 10 s run: 2 agents of ~9 s each in 2 s of wall-clock (9.2×).
    const back = -8 * SEC;
    const events = [
      runStarted(0, 'r', ['a', 'b']),
      ...featureEvents({ id: 'a', runId: 'r', start: 0.1 * SEC, exit: 9 * SEC + back }).map((e) =>
        e.type === 'agent.exited' ? { ...e, duration_ms: 8900 } : e,
      ),
      ...featureEvents({ id: 'b', runId: 'r', start: 0.1 * SEC, exit: 9.5 * SEC + back }).map((e) =>
        e.type === 'agent.exited' ? { ...e, duration_ms: 9400 } : e,
      ),
      ev(10 * SEC + back, { type: 'run.ended', run_id: 'r', outcome: 'complete', duration_ms: 10_000 }),
    ];
    const r = computeReport({ events });
    expect(r.headline).toMatchObject({ speedup: null, basis: null, superlinear: false, n: 2 });
    expect(r.headline.text).toBe(
      "Implementation speedup not measured: the agents' own times add up to 18 s in 2 s of wall-clock (9.2×), " +
        'more than N = 2 agents side by side can record (N × the wall-clock at most): a clock stepped back ' +
        'during the run, or a duration was forged, so these times measure no speedup.',
    );
    expect(r.headline.text).not.toContain('slowed by something else');
    // No speedup from those times anywhere else either, and the unknowns say why.
    const impl = r.worksheet.rows.find((x) => x.phase === 'implementation');
    expect(impl).toMatchObject({ speedup: null, speedup_measured: null, speedup_estimate: null });
    expect(r.worksheet.total.speedup).toBeNull();
    expect(r.amdahl.achieved).toBeNull();
    expect(r.diagnosis).toContain(r.headline.text);
    expect(r.unknowns.join('\n')).toContain("The agents' own times (18 s) add up to more than N = 2");
  });
});

describe('status over a log whose clock went backwards', () => {
  const repos: TempRepo[] = [];
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  it('shows the duration as 0 with the flag, in the table and in --json', async () => {
    expect(formatDuration(-3000)).toBe(`0.0 s (${CLOCK_BACKWARDS})`);
    expect(formatDuration(3000)).toBe('3.0 s');
    const repo = makeRepo();
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'));
    const world = watchWorld(repo);
    const events = [
      runStarted(0, 'r', ['a']),
      ...featureEvents({ id: 'a', runId: 'r', start: 8, exit: 3 }),
      ...featureEvents({ id: 'b', runId: 'r', start: 1, exit: 2 }),
      runEnded(9, 'r', 0),
    ];
    writeFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      `${events.map((e) => JSON.stringify(e)).join('\n')}\n`,
    );
    const table = await runBaton(['status'], { cwd: repo.root });
    expect(table.stdout).toMatch(new RegExp(`\\ba\\b.*0\\.0 s \\(${CLOCK_BACKWARDS}\\)`));
    expect(table.stdout).not.toMatch(/\bb\b.*clock went backwards/);
    const json = await runBaton(['status', '--json'], { cwd: repo.root });
    const features = (JSON.parse(json.stdout) as { features: Array<Record<string, unknown>> }).features;
    expect(features.find((f) => f.feature_id === 'a')).toMatchObject({
      duration_ms: 0,
      clock_backwards: true,
    });
    expect(features.find((f) => f.feature_id === 'b')).not.toHaveProperty('clock_backwards');
    world.expectUntouched();
  });
});
