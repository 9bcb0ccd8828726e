// A run that finishes while the dashboard follows its log: its orchestrator writes its last lines and
// lets go of the run lock; a dashboard that asked who is alive after that, and read those lines only
// then, took the run for one whose orchestrator died, showed it `interrupted`, and kept it so (the
// fold let no second end replace the first). Who is alive is now asked before the log is read, and an
// inferred end gives way to the run's own.
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { contractFiles } from '../rig/contracts.js';
import { holdRunLock } from '../rig/dead-run.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { openBoard } from './board-rig.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

const line = (e: object) => `${JSON.stringify({ v: 1, ts: new Date().toISOString(), ...e })}\n`;

describe('a run that ends while the dashboard watches', () => {
  it('is shown complete, with no inferred interruption on the way', async () => {
    const repo: TempRepo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([{ id: 'a', agent: 'demo' }]),
    });
    cleanups.push(() => repo.cleanup());
    const log = join(repo.root, '.baton', 'log.jsonl');
    // This process is the run's orchestrator: it holds the run lock, and its run is live.
    holdRunLock(repo.root, 'r1');
    writeFileSync(
      log,
      line({
        type: 'run.started',
        run_id: 'r1',
        feature_ids: ['a'],
        concurrency: 1,
        base: 'main',
        base_commit: repo.git('rev-parse', 'HEAD'),
        mode: 'contract-first',
        pid: process.pid,
      }) +
        line({
          type: 'feature.started',
          run_id: 'r1',
          feature_id: 'a',
          status: 'running',
          agent: 'demo',
          branch: 'baton/a',
          worktree: '/tmp/wt/a',
          log_file: '/tmp/a.log',
          port: 41000,
        }),
    );
    const board = await openBoard(repo, log, cleanups);
    expect(board.snapshot().run.run_outcome ?? null).toBeNull();
    // The run's last lines, then its lock let go: before the dashboard's next look.
    appendFileSync(
      log,
      line({ type: 'feature.ended', run_id: 'r1', feature_id: 'a', status: 'complete' }) +
        line({ type: 'run.ended', run_id: 'r1', outcome: 'complete', duration_ms: 1000 }),
    );
    rmSync(join(repo.root, '.baton', 'run.lock'));
    await expect.poll(() => board.snapshot().run.run_outcome ?? null, { timeout: 5_000 }).toBe('complete');
    const ends = board
      .snapshot()
      .events.map(({ event: e }) => e)
      .filter((e) => e.type === 'run.ended' || e.type === 'feature.ended')
      .map((e) => `${e.type} ${'outcome' in e ? e.outcome : 'status' in e ? e.status : ''}`);
    expect(ends).toEqual(['feature.ended complete', 'run.ended complete']);
  });
});

describe('an end inferred at read time, then the run’s own (pure)', () => {
  /** Run r1's start (its orchestrator pid 1, never a live Baton). */
  const started = (ts: string, resume: boolean) => ({
    v: 1,
    ts,
    type: 'run.started',
    run_id: 'r1',
    feature_ids: ['a'],
    concurrency: 1,
    base: 'main',
    base_commit: 'c0ffee',
    mode: 'contract-first',
    pid: 1,
    ...(resume ? { resume: true } : {}),
  });

  it('gives way: the run and its feature end as they said, without the inferred reason', () => {
    const at = '2026-12-06T00:00:00.000Z';
    const state = foldEvents([
      started(at, false),
      {
        v: 1,
        ts: at,
        type: 'feature.ended',
        run_id: 'r1',
        feature_id: 'a',
        status: 'interrupted',
        reason: "the run's orchestrator (baton pid 1) is gone",
        inferred: true,
      },
      {
        v: 1,
        ts: at,
        type: 'run.ended',
        run_id: 'r1',
        outcome: 'interrupted',
        duration_ms: 0,
        inferred: true,
      },
      { v: 1, ts: at, type: 'feature.ended', run_id: 'r1', feature_id: 'a', status: 'complete' },
      { v: 1, ts: at, type: 'run.ended', run_id: 'r1', outcome: 'complete', duration_ms: 5 },
      // A second real end stands no more than before.
      { v: 1, ts: at, type: 'run.ended', run_id: 'r1', outcome: 'failed', duration_ms: 9 },
    ] as LogEvent[]);
    expect(state.run_outcome).toBe('complete');
    expect(state.run_duration_ms).toBe(5);
    expect(state.features.a).toMatchObject({ status: 'complete' });
    expect(state.features.a?.reason).toBeUndefined();
  });

  it('is not the next run’s: a run that starts after it has an end of its own to come (Elapsed ticks)', () => {
    const state = foldEvents([
      started('2026-12-06T00:00:00.000Z', false),
      {
        v: 1,
        ts: '2026-12-06T00:00:01.000Z',
        type: 'run.ended',
        run_id: 'r1',
        outcome: 'interrupted',
        duration_ms: 0,
        inferred: true,
      },
      started('2026-12-06T00:05:00.000Z', true),
    ] as LogEvent[]);
    expect(state.run_ended_at).toBeUndefined();
    expect(state.run_end_inferred).toBeUndefined();
  });
});
