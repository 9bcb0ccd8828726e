import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GroupClaim, GroupProof } from '../../src/guard/group-proof.js';
import { planAdoption } from '../../src/interactive/adopt.js';
import { type LiveWindow, listWindows, openWindow, tmuxFor } from '../../src/interactive/tmux.js';
import type { BatonEvent, LogEvent, NewEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { collectRunIntervals } from '../../src/metrics/intervals.js';
import { resumeNotes } from '../../src/runner/resume.js';
import { privateTmux, waitFor } from './tmux-rig.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const ev = (s: number, e: NewEvent): LogEvent => ({ v: 1, ts: at(s), ...e }) as BatonEvent;
const A = 'feature-001-a';
const B = 'feature-002-b';
const RUN = 'r1';
const LOG = '/repo/.baton/log.jsonl';

const runStarted = (s: number, extra: Record<string, unknown> = {}) =>
  ev(s, {
    type: 'run.started',
    run_id: RUN,
    feature_ids: [A, B],
    concurrency: 2,
    base: 'HEAD',
    base_commit: 'abc',
    mode: 'contract-first',
    pid: 12345,
    ...extra,
  } as NewEvent);
const started = (s: number, id: string, pgid: number, runId = RUN) =>
  ev(s, {
    type: 'feature.started',
    feature_id: id,
    status: 'running',
    agent: 'command',
    branch: `baton/${id}`,
    worktree: `/w/${id}`,
    log_file: '/l',
    port: 41000,
    pid: pgid,
    pgid,
    run_id: runId,
  });
const win = (name: string, panePid: number, n = panePid): LiveWindow => ({
  name,
  windowId: `@${n}`,
  paneId: `%${n}`,
  panePid,
});
/** Proves exactly the groups listed as the run's, asked for this repository's log and the window's feature. */
const provenFor =
  (...ours: number[]) =>
  (claim: GroupClaim): GroupProof =>
    ours.includes(claim.pgid) && claim.runId === RUN && claim.logPath === LOG && [A, B].includes(claim.unitId)
      ? { ok: true, members: [claim.pgid] }
      : { ok: false, reason: `group ${claim.pgid} lacks BATON_RUN_ID=${RUN}` };
const both = new Set([A, B]);

describe('which windows of a dead run a resume re-attaches to (planAdoption)', () => {
  const state = foldEvents([runStarted(0), started(1, A, 500), started(2, B, 600)]);

  it('adopts each proven window whose program is the group the log names, and continues the run', () => {
    const plan = planAdoption(state, [win(A, 500), win(B, 600)], {
      candidates: both,
      logPath: LOG,
      prove: provenFor(500, 600),
    });
    expect(plan.runId).toBe(RUN);
    expect(plan.adopted).toEqual([
      { feature_id: A, windowId: '@500', paneId: '%500', pgid: 500, startedAt: at(1) },
      { feature_id: B, windowId: '@600', paneId: '%600', pgid: 600, startedAt: at(2) },
    ]);
    expect(plan.refused).toEqual([]);
  });

  it.each([
    ['a window whose program is not the logged group', [win(A, 501)], provenFor(501), /not the group 500/],
    ['a window whose group lacks the run id', [win(A, 500)], provenFor(), /lacks BATON_RUN_ID=r1/],
    [
      'two windows of the same name',
      [win(A, 500, 1), win(A, 500, 2)],
      provenFor(500),
      /more than one window/,
    ],
  ])('refuses %s, naming it, and continues no run', (_, windows, prove, reason) => {
    const plan = planAdoption(state, windows, { candidates: both, logPath: LOG, prove });
    expect(plan.adopted).toEqual([]);
    expect(plan.runId).toBeUndefined();
    expect(plan.refused[0]?.feature_id).toBe(A);
    expect(plan.refused[0]?.reason).toMatch(reason);
  });

  it('adopts the agent’s pane of a window the user split, whichever pane tmux lists first, and names no other', () => {
    const split = { ...win(A, 777), windowId: '@500' };
    for (const panes of [
      [win(A, 500), split],
      [split, win(A, 500)],
    ]) {
      const plan = planAdoption(state, panes, { candidates: both, logPath: LOG, prove: provenFor(500, 777) });
      expect(plan.adopted).toEqual([
        { feature_id: A, windowId: '@500', paneId: '%500', pgid: 500, startedAt: at(1) },
      ]);
      expect(plan.refused).toEqual([]);
    }
  });

  it('ignores windows of features not to adopt: not selected, ended, or started by another run', () => {
    const ended = foldEvents([
      runStarted(0),
      started(1, A, 500),
      ev(2, { type: 'feature.ended', feature_id: A, status: 'complete' }),
      started(3, B, 600, 'r0'),
    ]);
    const windows = [win(A, 500), win(B, 600), win('feature-009-other', 700)];
    const prove = provenFor(500, 600, 700);
    expect(planAdoption(ended, windows, { candidates: both, logPath: LOG, prove })).toEqual({
      adopted: [],
      refused: [],
    });
    const onlyB = planAdoption(state, windows, { candidates: new Set([B]), logPath: LOG, prove });
    expect(onlyB.adopted.map((a) => a.feature_id)).toEqual([B]);
  });
});

describe('a resumed run that re-attached, in the fold and the live output', () => {
  it('keeps an adopted feature as it was (needs-input), while the others go back to pending', () => {
    const s = foldEvents([
      runStarted(0),
      started(1, A, 500),
      started(1, B, 600),
      ev(2, { type: 'hook', feature_id: A, event: 'notification', status: 'needs-input' }),
      runStarted(10, { resume: true, adopted_windows: [{ feature_id: A, pgid: 500 }] }),
    ]);
    expect(s.features[A]?.status).toBe('needs-input');
    expect(s.features[A]?.pgid).toBe(500);
    expect(s.features[A]?.started_at).toBe(at(1));
    expect(s.features[B]?.status).toBe('pending');
  });

  it('is one run for the report, timed from its first start, while a fresh resume (new id) is a run of its own', () => {
    const ended = ev(30, { type: 'run.ended', run_id: RUN, outcome: 'complete', duration_ms: 20_000 });
    const continued = [runStarted(0), runStarted(10, { resume: true }), ended];
    expect(collectRunIntervals(continued)).toEqual([{ start: Date.parse(at(0)), end: Date.parse(at(30)) }]);
    // The fresh resume's own end (a run's end names its run: another run's end does not close it).
    const fresh = [
      runStarted(0),
      { ...runStarted(10, { resume: true }), run_id: 'r2' } as LogEvent,
      { ...ended, run_id: 'r2' } as LogEvent,
    ];
    expect(collectRunIntervals(fresh)).toEqual([
      { start: Date.parse(at(0)), end: null },
      { start: Date.parse(at(10)), end: Date.parse(at(30)) },
    ]);
  });

  it('says which windows it re-attached to, in which session', () => {
    const note = resumeNotes({ run_id: RUN, adopted_windows: [{ feature_id: A }, { feature_id: B }] });
    expect(note).toEqual([`re-attached to baton-r1: ${A}, ${B}`]);
  });
});

describe('the environment of an agent window', () => {
  const undo: Array<() => void> = [];
  afterEach(() => {
    for (const u of undo.splice(0)) u();
  });

  it('is the agent’s alone: a window the user opens in the session does not carry the run’s id', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const tmux = tmuxFor({ ...process.env, BATON_TMUX_SOCKET: rig.socket });
    const env = { BATON_RUN_ID: 'r1', BATON_LOG: '/repo/.baton/log.jsonl', BATON_FEATURE_ID: 'a' };
    const opened = await openWindow(tmux, {
      session: 'baton-r1',
      name: A,
      cwd: '/',
      shellCommand: 'sleep 60',
      env,
    });
    // Read once the pane's program has started (tmux forks, sets the environment, then execs it).
    const environ = () => readFileSync(`/proc/${opened.panePid}/environ`, 'utf8').split('\0');
    expect(await waitFor(() => environ().includes('BATON_RUN_ID=r1'), 5000)).toBe(true);
    const agentVars = /^BATON_(RUN_ID|LOG|FEATURE_ID)=/m;
    expect(rig.tmux('show-environment', '-t', '=baton-r1').stdout).not.toMatch(agentVars);
    // The user's own window (Ctrl-b c), opened in the run's session.
    const out = join(mkdtempSync(join(tmpdir(), 'baton-env-')), 'env.txt');
    undo.push(() => rmSync(dirname(out), { recursive: true, force: true }));
    rig.tmux('new-window', '-d', '-t', '=baton-r1:', `env > ${out}; sleep 60`);
    expect(await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').includes('PATH='), 5000)).toBe(
      true,
    );
    expect(readFileSync(out, 'utf8')).not.toMatch(agentVars);
  });
});

describe('a window name already taken in the session', () => {
  const undo: Array<() => void> = [];
  afterEach(() => {
    for (const u of undo.splice(0)) u();
  });

  it('is refused rather than hidden by a second window of the same name (attach and send find windows by name)', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    rig.tmux('new-session', '-d', '-s', 'baton-r1', '-n', A, 'sleep 60');
    const tmux = tmuxFor({ ...process.env, BATON_TMUX_SOCKET: rig.socket });
    const open = (name: string) =>
      openWindow(tmux, { session: 'baton-r1', name, cwd: '/', shellCommand: 'sleep 60', env: {} });
    const taken = await open(A).catch((e: unknown) => e);
    expect(taken).toMatchObject({ code: 'interactive/window-taken' });
    // The command it suggests looks at the run's server, not the user's default one.
    expect((taken as { hint?: string }).hint).toContain(`tmux -L ${rig.socket} attach -t =baton-r1:=${A}`);
    await open(B);
    expect((await listWindows(tmux, 'baton-r1')).map((w) => w.name)).toEqual([A, B]);
  });
});
