// The dashboard keeps for its report the latest run's events alone (never the log's earlier runs), and
// its headline numbers are `baton report --json`'s for the same log.
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BoardState } from '../../src/dashboard/board-state.js';
import { LiveLog } from '../../src/dashboard/live-log.js';
import type { LogEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { selectRun } from '../../src/metrics/runs.js';
import { ev, featureEvents, runEnded, runStarted, toJsonl } from '../metrics/log-builder.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { openBoard, reportJson } from './board-rig.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** Hook events of a run's agents at work (what makes a project's log long). */
function hooks(ids: readonly string[], at: number, count: number): LogEvent[] {
  return Array.from({ length: count }, (_, i) =>
    ev(at, {
      type: 'hook',
      feature_id: ids[i % ids.length]!,
      event: 'agent-turn-complete',
      detail: `turn ${i}`,
    }),
  );
}

/** A run of `ids` from minute `at`, each feature taking `minutes` (the first failing when asked), ended. */
function run(
  runId: string,
  ids: string[],
  at: number,
  opts: { minutes?: number; hooks?: number; failFirst?: boolean; resume?: boolean } = {},
): LogEvent[] {
  const minutes = opts.minutes ?? 30;
  const start = runStarted(at, runId, ids);
  return [
    opts.resume ? ({ ...start, resume: true } as LogEvent) : start,
    ...hooks(ids, at + 1, opts.hooks ?? 0),
    ...ids.flatMap((id, i) =>
      featureEvents({
        id,
        runId,
        start: at,
        exit: at + minutes + i * 5,
        checks: { passed: 1, failed: 0 },
        ...(opts.failFirst && i === 0 ? { status: 'failed' as const, exitCode: 1 } : {}),
      }),
    ),
    runEnded(at + minutes + ids.length * 5, runId, at, opts.failFirst ? 'failed' : 'complete'),
  ];
}

/** An integration of `ids` from minute `at`, the last one conflicting when asked. */
function integration(ids: string[], at: number, conflict = false): LogEvent[] {
  return [
    ev(at, { type: 'integration.started', branch: 'baton/integration', worktree: '/i', order: ids }),
    ...ids.map((id, i) =>
      conflict && i === ids.length - 1
        ? ev(at + 2 + i, {
            type: 'merge.conflict',
            feature_id: id,
            files: ['src/db.ts'],
            with: [ids[0]!],
            duration_ms: 1,
          })
        : ev(at + 1 + i, {
            type: 'merge.clean',
            feature_id: id,
            commit: 'c'.repeat(40),
            duration_ms: 60_000,
          }),
    ),
    ev(at + 10, {
      type: 'integration.ended',
      outcome: conflict ? 'conflict' : 'clean',
      duration_ms: 10 * 60_000,
    }),
  ];
}

function repoWithLog(events: readonly LogEvent[]): { repo: TempRepo; log: string } {
  const repo = makeRepo({
    'README.md': '# app\n',
    'baton.config.json': '{}\n',
    ...contractFiles(['a', 'b', 'c', 'd'].map((id) => ({ id, estimate: 40 }))),
  });
  cleanups.push(() => repo.cleanup());
  const log = join(repo.root, '.baton', 'log.jsonl');
  mkdirSync(join(repo.root, '.baton'), { recursive: true });
  writeFileSync(log, toJsonl(events));
  return { repo, log };
}

/** The headline numbers the dashboard takes from the report (`withReport`), once it covers every event read. */
async function boardNumbers(board: BoardState, afterSeq = 0) {
  await expect
    .poll(
      () => {
        const { seq, metrics } = board.snapshot();
        return seq > afterSeq && metrics.report_seq === seq;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  const m = board.snapshot().metrics;
  return {
    speedup: m.speedup ?? null,
    headline: m.headline_text,
    integration_ratio: m.integration_ratio ?? null,
    verdict: m.integration_verdict,
    conflicts: m.conflicts,
    amdahl: m.amdahl_bound ?? null,
  };
}

/** The same numbers from `baton report --json`. */
async function reportNumbers(repo: TempRepo) {
  const r = await reportJson(repo);
  return {
    speedup: r.headline.speedup,
    headline: r.headline.text,
    integration_ratio: r.integration.ratio,
    verdict: r.integration.verdict_text,
    conflicts: r.conflicts.count,
    amdahl: r.amdahl.bound,
  };
}

/** How many events `selectRun` takes from the log for the latest run. */
const latestRunSize = (log: string) => selectRun(readLog(log).events)?.events.length;

describe('the dashboard keeps the latest run for its report', () => {
  it('keeps only the later run of a log whose earlier run has 20,000 hook events', () => {
    const earlier = [...run('r1', ['a', 'b'], 0, { hooks: 20_000 }), ...integration(['a', 'b'], 60)];
    const later = run('r2', ['c'], 120, { hooks: 10 });
    const dir = mkdtempSync(join(tmpdir(), 'baton-kept-run-'));
    const log = join(dir, 'log.jsonl');
    writeFileSync(log, toJsonl([...earlier, ...later]));
    const live = new LiveLog(log, { keepRun: true });
    live.read();
    expect(live.state.events).toBe(earlier.length + later.length);
    expect(live.runEventsKept).toBe(later.length);
    expect(live.latestRun()?.events).toEqual(later);

    // A new run makes the one before earlier: its events go too.
    const next = run('r3', ['d'], 200);
    appendFileSync(log, toJsonl(next));
    live.read();
    expect(live.runEventsKept).toBe(next.length);
  });

  it('reads the log again for a resume of a run another run made earlier, inferred ends where they were', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-kept-run-'));
    const log = join(dir, 'log.jsonl');
    const dead = run('r1', ['a', 'b'], 0, { hooks: 100 }).slice(0, -1);
    writeFileSync(log, toJsonl(dead));
    const live = new LiveLog(log, { keepRun: true });
    live.read();
    // What the dashboard infers when the run's orchestrator is gone (never written to the log).
    const inferred = [
      ev(40, { type: 'run.ended', run_id: 'r1', outcome: 'interrupted', duration_ms: 0, inferred: true }),
    ];
    live.applyInferred(inferred);
    const other = run('r2', ['c'], 60, { hooks: 200 });
    const resume = run('r3', ['a'], 120, { resume: true });
    appendFileSync(log, toJsonl(other));
    live.read();
    expect(live.runEventsKept).toBe(other.length);
    appendFileSync(log, toJsonl(resume));
    live.read();
    const expected = selectRun([...dead, ...inferred, ...other, ...resume]);
    expect(expected?.resumed_by).toEqual(['r3']);
    expect(live.latestRun()).toEqual(expected);
    expect(live.runEventsKept).toBe(dead.length + inferred.length + resume.length);
  });

  it('starts the kept run again with a truncated log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-kept-run-'));
    const log = join(dir, 'log.jsonl');
    writeFileSync(
      log,
      toJsonl([...run('r1', ['a'], 0, { hooks: 50 }), ...run('r2', ['b'], 60, { hooks: 50 })]),
    );
    const live = new LiveLog(log, { keepRun: true });
    live.read();
    const rewritten = run('r9', ['c'], 0, { hooks: 3 });
    writeFileSync(log, toJsonl(rewritten));
    expect(live.read().reset).toBe(true);
    expect(live.runEventsKept).toBe(rewritten.length);
    expect(live.latestRun()?.events).toEqual(rewritten);
  });
});

describe("the dashboard's report numbers are `baton report`'s", () => {
  const cases: Array<[string, LogEvent[]]> = [
    ['a single run', [...run('r1', ['a', 'b', 'c'], 0, { hooks: 30 }), ...integration(['a', 'b', 'c'], 50)]],
    [
      'two runs',
      [
        ...run('r1', ['a', 'b'], 0, { hooks: 500 }),
        ...integration(['a', 'b'], 50, true),
        ...run('r2', ['c', 'd'], 100, { minutes: 20, hooks: 40 }),
        ...integration(['c', 'd'], 140),
      ],
    ],
    [
      'a run resumed right after it',
      [
        ...run('r0', ['d'], 0, { hooks: 300 }),
        ...run('r1', ['a', 'b'], 50, { hooks: 40, failFirst: true }),
        ...run('r2', ['a'], 120, { resume: true, minutes: 10 }),
        ...integration(['a', 'b'], 140, true),
      ],
    ],
    [
      'a run resumed after another run',
      [
        ...run('r1', ['a', 'b'], 0, { hooks: 40, failFirst: true }),
        ...run('r2', ['c'], 60, { hooks: 300 }),
        ...run('r3', ['a'], 120, { resume: true, minutes: 10 }),
        ...integration(['a', 'b'], 140),
      ],
    ],
    [
      'a run followed by an integration',
      [
        ...run('r0', ['d'], 0, { hooks: 300 }),
        ...integration(['d'], 40),
        ...run('r1', ['a', 'b', 'c'], 60, { hooks: 20 }),
        ...integration(['a', 'b', 'c'], 120, true),
      ],
    ],
  ];

  it.each(cases)('for %s, keeping only the latest run', async (_, events) => {
    const { repo, log } = repoWithLog(events);
    const board = await openBoard(repo, log, cleanups);
    const numbers = await boardNumbers(board);
    expect(numbers).toEqual(await reportNumbers(repo));
    expect(numbers.speedup).not.toBeNull();
    expect(board.runEventsKept).toBe(latestRunSize(log));
    // Every case but the first has an earlier run, which is not kept.
    if (events.filter((e) => e.type === 'run.started').length > 1)
      expect(board.runEventsKept).toBeLessThan(events.length);
  });

  it('for a log truncated and written again while the dashboard follows it', async () => {
    const { repo, log } = repoWithLog([
      ...run('r1', ['a', 'b'], 0, { hooks: 200 }),
      ...run('r2', ['c'], 60, { hooks: 20 }),
      ...integration(['c'], 100, true),
    ]);
    const board = await openBoard(repo, log, cleanups);
    const before = await boardNumbers(board);
    expect(before).toEqual(await reportNumbers(repo));
    const seq = board.seq;

    writeFileSync(log, toJsonl(run('r9', ['d'], 0, { hooks: 5 })));
    appendFileSync(log, toJsonl([...run('r10', ['a', 'b', 'c'], 60), ...integration(['a', 'b', 'c'], 100)]));
    const after = await boardNumbers(board, seq);
    expect(after).toEqual(await reportNumbers(repo));
    expect(after).not.toEqual(before);
    expect(board.runEventsKept).toBe(latestRunSize(log));
  });
});
