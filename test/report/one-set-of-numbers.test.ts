// One set of numbers: the same headline in every output, estimates of another kind never turned into
// a speedup, a superlinear speedup flagged, unknown critical paths said to be unknown, the dependency
// chain weighed by its real overlap, folder-style owns by THE owns rule, and a 200,000-event log.
import { describe, expect, it } from 'vitest';
import { countHeadline, featureView, withReport } from '../../src/dashboard/view.js';
import type { LogEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { formatSpeedup } from '../../src/metrics/format.js';
import { COMPARISON_PHASE, computeReport } from '../../src/metrics/report.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { escapeXml } from '../../src/report/svg.js';
import {
  builtCriteria,
  contract,
  ev,
  featureEvents,
  handPlan,
  phase,
  runEnded,
  runStarted,
} from '../metrics/log-builder.js';

const SEC = 1 / 60;
const IDS = ['feature-001-upload', 'feature-002-grade', 'feature-003-feedback'];

/** The demo's shape: three scripted agents of ~10 s, a -j 1 run of `seqSeconds`, a 2 s integration. */
function demoLog(seqSeconds: number): LogEvent[] {
  const end = 12 * SEC;
  return [
    ...phase(0, SEC, 'planning'),
    runStarted(SEC, 'r1', IDS),
    ...IDS.flatMap((id) =>
      featureEvents({ id, runId: 'r1', start: SEC, exit: 11 * SEC, checks: { passed: 2, failed: 0 } }),
    ),
    runEnded(end, 'r1', SEC),
    ...phase(end + SEC, end + SEC + seqSeconds * SEC, COMPARISON_PHASE),
    ev(50 * SEC, { type: 'integration.started', branch: 'baton/integration', worktree: '/w', order: IDS }),
    ...IDS.map((id, i) =>
      ev((50 + i * 0.5) * SEC, {
        type: 'merge.clean',
        feature_id: id,
        commit: 'c'.repeat(40),
        duration_ms: 100,
      }),
    ),
    ev(52 * SEC, { type: 'integration.ended', outcome: 'clean', duration_ms: 2000 }),
  ];
}

/** The demo's contracts: 60 human minutes each. */
const demoPlan = handPlan({
  contracts: IDS.map((id) => contract(id, { estimate_minutes: 60 })),
  waves: [IDS],
  critical: { feature_ids: [IDS[0]!], minutes: 60 },
});

describe('one headline speedup', () => {
  const report = computeReport({ events: demoLog(31), plan: demoPlan });

  it('is the -j 1 run against the parallel wall-clock, and the same in markdown, JSON, HTML and the dashboard', () => {
    expect(report.headline).toMatchObject({ basis: 'sequential-run', superlinear: false, n: 3 });
    expect(report.headline.speedup).toBeCloseTo(31 / 11, 10);
    const text = report.headline.text;
    expect(text).toBe(
      'Implementation speedup 2.8× (measured): 11 s in parallel; the same agents run one at a time (-j 1) took 31 s.',
    );
    expect(renderMarkdown(report)).toContain(`**${text}**`);
    expect(JSON.parse(renderJson(report)).headline.text).toBe(text);
    const html = renderHtml(report);
    expect(html).toContain(`<p class="headline">${escapeXml(text)}</p>`);
    expect(html).toContain(`<div class="v">${formatSpeedup(report.headline.speedup)}</div>`);
    const dashboard = withReport(countHeadline(foldEvents(demoLog(31)), demoPlan), report, 1);
    expect(formatSpeedup(dashboard.speedup)).toBe('2.8×');
    expect(dashboard.headline_text).toBe(text);
    // The worksheet's implementation row and Amdahl's table say the same number.
    const impl = report.worksheet.rows.find((r) => r.parallel);
    expect(impl?.speedup_measured).toBe(report.headline.speedup);
    expect(report.amdahl.implementation_speedup).toBe(report.headline.speedup);
    // No other speedup competes in the HTML cards.
    expect(html).not.toContain('Overall speedup');
  });

  it('says "not comparable" for human-minute estimates against seconds of scripted agents, never 790×', () => {
    const impl = report.worksheet.rows.find((r) => r.parallel);
    expect(impl).toMatchObject({
      sequential_estimate_min: 180,
      estimate_comparable: false,
      speedup_estimate: null,
    });
    expect(report.worksheet.total).toMatchObject({ estimate_comparable: false, speedup_estimate: null });
    const md = renderMarkdown(report);
    expect(md).toMatch(/\| implementation +\| +180 min \| +31 s \(-j 1 run\) \| +11 s \| +not comparable \|/);
    expect(md).not.toMatch(/\d{3,}\.\d×/);
    expect(report.unknowns.join('\n')).toContain('are not of the same kind');
  });

  it('labels the -j 1 run on the timeline and leaves it out of the worksheet and Amdahl', () => {
    expect(report.timeline.phases.map((p) => [p.phase, p.label ?? null])).toEqual([
      [COMPARISON_PHASE, 'sequential run (-j 1)'],
      ['integration', null],
    ]);
    expect(report.worksheet.rows.map((r) => r.phase)).toEqual(['planning', 'implementation', 'integration']);
    expect(report.amdahl.serial_min).toBeCloseTo(3 * SEC, 10);
    expect(renderHtml(report)).toContain('sequential run (-j 1): 31 s — the same agents one at a time');
  });

  it('flags a measured speedup above N as superlinear, with its likely cause', () => {
    const r = computeReport({ events: demoLog(40), plan: demoPlan });
    expect(r.headline.superlinear).toBe(true);
    expect(r.headline.text).toContain('above N = 3, more than parallelism alone can give (superlinear)');
    expect(r.headline.text).toContain('the sequential run was likely slowed by something else');
    expect(r.diagnosis).toContain(r.headline.text);
  });
});

describe('a run that left features unfinished', () => {
  // The reviewer's run: 1 of 5 features complete, 4 interrupted by Ctrl-C after ~7.8 s, whose agents'
  // time used to make a "3.9× (measured)" headline for work that was never delivered.
  const ids = ['feature-001-a', 'feature-002-b', 'feature-003-c', 'feature-004-d', 'feature-005-e'];
  const events: LogEvent[] = [
    runStarted(0, 'r1', ids),
    ...featureEvents({ id: ids[0]!, runId: 'r1', start: 0.1 * SEC, exit: 0.2 * SEC }),
    ...ids
      .slice(1)
      .flatMap((id) =>
        featureEvents({ id, runId: 'r1', start: 0.2 * SEC, exit: 7.8 * SEC, exitCode: 130 }).map((e) =>
          e.type === 'feature.ended' ? { ...e, status: 'interrupted' as const } : e,
        ),
      ),
    runEnded(7.8 * SEC, 'r1', 0, 'interrupted'),
  ];
  const report = computeReport({ events });

  it('has no speedup anywhere, and every output says which features did not complete', () => {
    expect(report.headline).toMatchObject({ speedup: null, basis: null, superlinear: false });
    const text = report.headline.text;
    expect(text).toMatch(
      /^Implementation speedup not measured: 4 of 5 features did not complete \(`feature-002-b`, `feature-003-c`, `feature-004-d`, `feature-005-e` interrupted\)/,
    );
    expect(renderMarkdown(report)).toContain(`**${text}**`);
    expect(JSON.parse(renderJson(report)).headline).toMatchObject({ speedup: null, text });
    const html = renderHtml(report);
    expect(html).toContain(
      `<p class="headline">${escapeXml(text).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`,
    );
    expect(html).toContain(
      '<div class="v">unknown</div><div class="k">Implementation speedup (measured)</div>',
    );
    const dashboard = withReport(countHeadline(foldEvents(events), undefined), report, 1);
    expect(dashboard.speedup).toBeUndefined();
    expect(dashboard.headline_text).toBe(text);
    // The worksheet, its total and Amdahl's achieved follow the headline's rule.
    const impl = report.worksheet.rows.find((r) => r.parallel);
    expect(impl).toMatchObject({ speedup_measured: null, speedup_estimate: null, speedup: null });
    expect(report.worksheet.total.speedup).toBeNull();
    expect(report.amdahl.achieved).toBeNull();
    // The diagnosis agrees instead of contradicting a speedup above it.
    expect(report.diagnosis).toContain(text);
    expect(report.diagnosis.join('\n')).not.toMatch(/Implementation speedup \d/);
  });
});

describe("a feature's checks n/m", () => {
  // `a` owns src/a/** (the implicit `owns` criterion) and declares c1 and c2: its checks run 3 criteria.
  const plan = handPlan({
    contracts: [contract('a', { owns: ['src/a/**'], acceptance_criteria: builtCriteria(2) })],
    waves: [['a']],
    critical: { feature_ids: ['a'], minutes: 0 },
  });
  // Two results recorded, of c1 and c2: `owns` has none (a Ctrl-C cut the checks short, say).
  const events: LogEvent[] = [
    runStarted(0, 'r1', ['a']),
    ...featureEvents({ id: 'a', runId: 'r1', start: 0, exit: 1, checks: { passed: 2, failed: 0 } }),
    runEnded(1, 'r1', 0),
  ];

  it("counts m as the contract's criteria, as baton status and the dashboard do, not the results it has", () => {
    const report = computeReport({ events, plan });
    const row = report.features.find((f) => f.feature_id === 'a');
    expect(row?.checks).toEqual({ passed: 2, failed: 0, unverifiable: 0, total: 3 });
    const f = foldEvents(events).features.a!;
    expect(row?.checks).toEqual(featureView(f, { plan }, {}).check_count);
    expect(renderMarkdown(report)).toMatch(/\| `a` .*\| +2\/3 \|/);
  });
});

describe('critical path and dependency chain', () => {
  it('prints the estimated critical path as unknown when no contract has an estimate', () => {
    const events = [
      runStarted(0, 'r1', ['a', 'b']),
      ...featureEvents({ id: 'a', runId: 'r1', start: 0, exit: 10 }),
      ...featureEvents({ id: 'b', runId: 'r1', start: 10, exit: 20 }),
      runEnded(20, 'r1', 0),
    ];
    const plan = handPlan({
      contracts: [contract('a'), contract('b')],
      waves: [['a'], ['b']],
      edges: [{ from: 'a', to: 'b' }],
      critical: { feature_ids: ['a', 'b'], minutes: 0 },
    });
    const r = computeReport({ events, plan });
    expect(r.critical_path.planned).toBeNull();
    const md = renderMarkdown(r);
    expect(md).toContain('Critical path (estimates): unknown — no contract has `estimate_minutes`');
    expect(md).not.toContain('0 min of estimates');
  });

  it('uses the real overlap of the intervals when dependents ran alongside their dependencies', () => {
    // contract-first: b depends on a but started 5 min after it and ended 2 min after it.
    const events: LogEvent[] = [
      runStarted(0, 'r1', ['a', 'b', 'c']),
      ...featureEvents({ id: 'a', runId: 'r1', start: 0, exit: 30 }),
      ...featureEvents({ id: 'b', runId: 'r1', start: 5, exit: 32 }),
      ...featureEvents({ id: 'c', runId: 'r1', start: 0, exit: 10 }),
      runEnded(40, 'r1', 0),
    ];
    const plan = handPlan({
      contracts: ['a', 'b', 'c'].map((id) => contract(id)),
      waves: [['a', 'c'], ['b']],
      edges: [{ from: 'a', to: 'b' }],
      critical: { feature_ids: [], minutes: 0 },
    });
    const r = computeReport({ events, plan });
    expect(r.critical_path.measured).toEqual({ feature_ids: ['a', 'b'], minutes: 57, wall_min: 32 });
    const text = r.diagnosis.join('\n');
    expect(text).not.toContain('of agent time in a row');
    expect(text).toContain(
      'Implementation speedup 1.7× is below N = 3: 8 min of the 40 min wall-clock went outside agent time',
    );
    expect(text).toContain(
      'The dependency chain `a` → `b` did not run in a row: its 57 min of agent time overlapped into 32 min of wall-clock',
    );
    expect(renderMarkdown(r)).toContain(
      'Critical path (measured): a → b, 57 min of agent time, overlapping into 32 min of wall-clock.',
    );
  });

  it('leaves out the pause between a Ctrl-C and `run --resume` a day later: the chain still overlapped', () => {
    // The events a real run writes: a and b side by side for 30 min, Ctrl-C (each agent's exit and
    // feature marked interrupted, the run ended), and a `run --resume` the next day, side by side again.
    const interrupted = (id: string): LogEvent[] => [
      ev(0, {
        type: 'feature.started',
        run_id: 'r1',
        feature_id: id,
        status: 'running',
        agent: 'command',
        branch: `baton/${id}`,
        worktree: `/tmp/wt/${id}`,
        log_file: `/tmp/logs/${id}.log`,
        port: 41000,
      }),
      ev(30, {
        type: 'agent.exited',
        run_id: 'r1',
        feature_id: id,
        exit_code: null,
        signal: 'SIGTERM',
        duration_ms: 30 * 60_000,
        files: [],
        interrupted: true,
      }),
      ev(30, {
        type: 'feature.ended',
        run_id: 'r1',
        feature_id: id,
        status: 'interrupted',
        reason: 'stopped by Ctrl-C; the worktree and its changes are kept',
      }),
    ];
    const day = 24 * 60;
    const events: LogEvent[] = [
      runStarted(0, 'r1', ['a', 'b']),
      ...interrupted('a'),
      ...interrupted('b'),
      runEnded(30, 'r1', 0, 'interrupted'),
      { ...runStarted(day, 'r2', ['a', 'b']), resume: true } as LogEvent,
      ...featureEvents({ id: 'a', runId: 'r2', start: day, exit: day + 30 }),
      ...featureEvents({ id: 'b', runId: 'r2', start: day, exit: day + 30 }),
      runEnded(day + 30, 'r2', day),
    ];
    const plan = handPlan({
      contracts: [contract('a'), contract('b')],
      waves: [['a'], ['b']],
      edges: [{ from: 'a', to: 'b' }],
      critical: { feature_ids: [], minutes: 0 },
    });
    const r = computeReport({ events, plan });
    expect(r.run.resumed_by).toEqual(['r2']);
    // The features' bars span the day between; their agents covered 60 min of it.
    expect(r.features.map((f) => [f.start_min, f.end_min])).toEqual([
      [0, day + 30],
      [0, day + 30],
    ]);
    expect(r.critical_path.measured).toEqual({ feature_ids: ['a', 'b'], minutes: 120, wall_min: 60 });
    expect(r.worksheet.rows[0]?.parallel_actual_min).toBe(60);
    const text = r.diagnosis.join('\n');
    expect(text).not.toContain('in a row, which no number of agents shortens');
    // The day between the runs is in neither the chain's wall-clock nor the implementation's.
    expect(text).not.toContain('went outside agent time');
    expect(text).toContain(
      'The dependency chain `a` → `b` did not run in a row: its 120 min of agent time overlapped into 60 min of wall-clock',
    );
    expect(renderMarkdown(r)).toContain(
      'Critical path (measured): a → b, 120 min of agent time, overlapping into 60 min of wall-clock.',
    );
  });
});

describe('owns and scale', () => {
  it('counts src/catalog/a.ts inside folder-style owns ["src/catalog", "lib/"], as lint, check and integrate do', () => {
    const events = [
      runStarted(0, 'r1', ['cat']),
      ...featureEvents({
        id: 'cat',
        runId: 'r1',
        start: 0,
        exit: 5,
        files: ['src/catalog/a.ts', 'lib/x.ts', 'src/db.ts'],
      }),
      runEnded(5, 'r1', 0),
    ];
    const plan = handPlan({
      contracts: [contract('cat', { owns: ['src/catalog', 'lib/'] })],
      waves: [['cat']],
      critical: { feature_ids: ['cat'], minutes: 0 },
    });
    const r = computeReport({ events, plan });
    expect(r.features[0]?.outside_owns).toEqual(['src/db.ts']);
  });

  it('reports a log of 200,000 events', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `f${i}`);
    const events: LogEvent[] = [runStarted(0, 'big', ids)];
    for (const id of ids) events.push(...featureEvents({ id, runId: 'big', start: 0, exit: 30 }));
    // Agents' hooks chatter: 200,000 events in all, each with its own time.
    for (let i = events.length; i < 199_999; i++) {
      events.push(
        ev((i / 200_000) * 30, { type: 'hook', feature_id: ids[i % ids.length]!, event: 'notification' }),
      );
    }
    events.push(runEnded(30, 'big', 0));
    expect(events).toHaveLength(200_000);
    const r = computeReport({ events });
    expect(r.features).toHaveLength(20);
    expect(r.headline.speedup).toBeCloseTo(20, 10);
    expect(r.timeline.end_min).toBe(30);
    expect(renderMarkdown(r)).toContain('Implementation speedup 20.0× (measured)');
  });
});
