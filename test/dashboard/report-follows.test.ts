// @module-tag slow
// A running dashboard computes its headline again after every line that can move it: `baton verify`
// passing a feature again, `baton clean --force integration` discarding the integration, and any line
// whose fold changed a feature's status (the fold decides which lines do, not a list of the dashboard's).
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BoardState } from '../../src/dashboard/board-state.js';
import type { LogEvent, NewEvent } from '../../src/log/events.js';
import { toJsonl } from '../metrics/log-builder.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { holdRunLock } from '../rig/dead-run.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { openBoard, reportJson } from './board-rig.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** The headline numbers the dashboard shows, from a report that covers every event it has read. */
function shownNumbers(board: BoardState) {
  const { seq, metrics: m } = board.snapshot();
  if (m.report_seq !== seq) return undefined;
  return {
    seq,
    numbers: {
      speedup: m.speedup ?? null,
      headline: m.headline_text,
      merged: m.merged,
      integration_ratio: m.integration_ratio ?? null,
      verdict: m.integration_verdict,
    },
  };
}

/**
 * Waits until the dashboard, having read past `afterSeq`, shows what `baton report --json` says of
 * the log as it stands (a command appends its lines one by one: the board may first report on part of
 * them), and returns those numbers; fails when it never does.
 */
async function boardNumbers(board: BoardState, afterSeq: number, repo: TempRepo) {
  const want = await reportNumbers(repo);
  await expect
    .poll(
      () => {
        const shown = shownNumbers(board);
        return shown !== undefined && shown.seq > afterSeq ? shown.numbers : undefined;
      },
      { timeout: 10_000 },
    )
    .toEqual(want);
  return want;
}

/** The same numbers from `baton report --json`. */
async function reportNumbers(repo: TempRepo) {
  const r = await reportJson(repo);
  return {
    speedup: r.headline.speedup,
    headline: r.headline.text,
    merged: r.integration.merges.clean,
    integration_ratio: r.integration.ratio,
    verdict: r.integration.verdict_text,
  };
}

/** An event stamped `s` seconds from now: a live run's lines are of its orchestrator's lifetime. */
const NOW = Date.now();
const ev = (s: number, event: NewEvent) =>
  ({ v: 1, ts: new Date(NOW + s * 1000).toISOString(), ...event }) as LogEvent;

describe("a running dashboard's headline follows `baton report`", () => {
  it('after `baton verify` passes a feature again and `baton clean --force integration`', async () => {
    // b's criterion passes once the test says so: its run ends failed-checks, a later verify passes it.
    const gate = mkdtempSync(join(tmpdir(), 'baton-gate-'));
    cleanups.push(() => rmSync(gate, { recursive: true, force: true }));
    const feature = (id: string): TestContract => ({
      id,
      agent: { command: `mkdir -p src/${id} && echo ${id} > src/${id}/x.txt` },
      criteria: [{ id: 'ok', text: `${id} is allowed`, run: `test -f ${join(gate, id)}` }],
    });
    const repo = makeRepo({
      'README.md': '# app\n',
      'baton.config.json': '{}\n',
      ...contractFiles([feature('a'), feature('b')]),
    });
    cleanups.push(() => repo.cleanup());
    writeFileSync(join(gate, 'a'), '');
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(1);

    const board = await openBoard(repo, join(repo.root, '.baton', 'log.jsonl'), cleanups);
    const failed = await boardNumbers(board, 0, repo);
    expect(failed.speedup).toBeNull();

    writeFileSync(join(gate, 'b'), '');
    let seq = board.seq;
    const verified = await runBaton(['verify', 'b'], { cwd: repo.root });
    expect(verified.code, verified.stderr).toBe(0);
    const passed = await boardNumbers(board, seq, repo);
    expect(passed.speedup).not.toBeNull();

    seq = board.seq;
    const integrated = await runBaton(['integrate'], { cwd: repo.root });
    expect(integrated.code, integrated.stderr).toBe(0);
    const merged = await boardNumbers(board, seq, repo);
    expect(merged.merged).toBe(2);

    seq = board.seq;
    const cleaned = await runBaton(['clean', '--force', 'integration'], { cwd: repo.root });
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toContain('is recorded as discarded');
    const discarded = await boardNumbers(board, seq, repo);
    expect(discarded.merged).toBe(0);
    expect(discarded.integration_ratio).toBeNull();
  }, 120_000);

  it('after a line whose fold changed a status, whatever its type (a conductor answering an agent)', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      'baton.config.json': '{}\n',
      ...contractFiles([{ id: 'a' }]),
    });
    cleanups.push(() => repo.cleanup());
    const log = join(repo.root, '.baton', 'log.jsonl');
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    // A run of this process's, live as `baton run`'s is: its lock names it.
    const start = ev(0, {
      type: 'run.started',
      run_id: 'r1',
      feature_ids: ['a'],
      concurrency: 1,
      base: 'main',
      base_commit: '0'.repeat(40),
      mode: 'contract-first',
      pid: process.pid,
    });
    holdRunLock(repo.root, 'r1');
    const asking: LogEvent[] = [
      start,
      ev(1, {
        type: 'feature.started',
        run_id: 'r1',
        feature_id: 'a',
        status: 'running',
        agent: 'claude',
        branch: 'baton/a',
        worktree: '/tmp/wt/a',
        log_file: '/tmp/logs/a.log',
        port: 41000,
      }),
      ev(2, { type: 'hook', run_id: 'r1', feature_id: 'a', event: 'notification', status: 'needs-input' }),
    ];
    writeFileSync(log, toJsonl(asking));
    const board = await openBoard(repo, log, cleanups);
    const waiting = await boardNumbers(board, 0, repo);
    expect(waiting.headline).toContain('`a` needs-input');

    const seq = board.seq;
    appendFileSync(
      log,
      toJsonl([
        ev(3, { type: 'user.intervention', run_id: 'r1', feature_id: 'a', action: 'send', text: 'go on' }),
      ]),
    );
    const answered = await boardNumbers(board, seq, repo);
    expect(answered.headline).toContain('`a` running');
  }, 60_000);
});
