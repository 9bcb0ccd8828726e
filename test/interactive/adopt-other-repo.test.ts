/**
 * Every repository's interactive runs may share one tmux server, and any repository's log can be
 * given another's lines: a resume re-attaches to a window only when its program writes this
 * repository's log, as the feature the window is named after.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { scanAdoptableWindows } from '../../src/interactive/adopt.js';
import { sessionName } from '../../src/interactive/tmux.js';
import type { BatonEvent, LogEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { groupAlive } from '../../src/process/supervise.js';
import { until } from '../rig/wait.js';
import { privateTmux } from './tmux-rig.js';

const RUN = '20260101T000000Z-0a0b0c';
const A = 'feature-001-a';
const OURS = '/work/r7/.baton/log.jsonl';
const THEIRS = '/work/r5/.baton/log.jsonl';
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0).reverse()) u();
});

/**
 * The window of feature `A` in the run's session, its program carrying the agent environment given; its
 * pid, once `env` has become `sleep` (before that exec, the process holds tmux's environment, not the vars).
 */
async function agentWindow(
  rig: ReturnType<typeof privateTmux>,
  vars: Record<string, string>,
): Promise<number> {
  const env = Object.entries(vars).map(([k, v]) => `${k}=${v}`);
  rig.tmux('new-session', '-d', '-s', sessionName(RUN), '-n', A, 'env', ...env, 'sleep', '300');
  const pid = Number(rig.tmux('list-panes', '-a', '-F', '#{pane_pid}').stdout.trim());
  const ran = await until(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'), 10_000);
  if (!ran) throw new Error(`the window's program (pid ${pid}) never became sleep`);
  return pid;
}

/** This repository's log: the run's lines, copied from wherever, naming the window's program as `A`'s agent. */
function stateNaming(pgid: number) {
  const ts = new Date().toISOString();
  return foldEvents([
    {
      v: 1,
      ts,
      type: 'run.started',
      run_id: RUN,
      feature_ids: [A],
      concurrency: 1,
      base: 'HEAD',
      base_commit: 'a'.repeat(40),
      mode: 'contract-first',
      pid: 1,
    },
    {
      v: 1,
      ts,
      run_id: RUN,
      type: 'feature.started',
      feature_id: A,
      status: 'running',
      agent: 'command',
      branch: `baton/${A}`,
      worktree: '/w',
      log_file: '/l',
      port: 1,
      pid: pgid,
      pgid,
    },
  ] as BatonEvent[] as LogEvent[]);
}

describe('re-attaching only to this repository’s windows (scanAdoptableWindows)', () => {
  it.each([
    ['another repository’s log', { BATON_RUN_ID: RUN, BATON_FEATURE_ID: A, BATON_LOG: THEIRS }, /BATON_LOG/],
    ['no log at all', { BATON_RUN_ID: RUN, BATON_FEATURE_ID: A }, /BATON_LOG/],
    ['another unit', { BATON_RUN_ID: RUN, BATON_FEATURE_ID: 'feature-002-b', BATON_LOG: OURS }, /lack/],
  ])(
    'refuses a window of the run whose program carries %s, and leaves it running',
    async (_, vars, reason) => {
      const rig = privateTmux();
      undo.push(() => rig.kill());
      const pid = await agentWindow(rig, vars);
      const plan = await scanAdoptableWindows(
        stateNaming(pid),
        { ...process.env, BATON_TMUX_SOCKET: rig.socket },
        { candidates: new Set([A]), logPath: OURS },
      );
      expect(plan.adopted).toEqual([]);
      expect(plan.runId).toBeUndefined();
      expect(plan.refused.map((r) => [r.feature_id, r.pgid])).toEqual([[A, pid]]);
      expect(plan.refused[0]?.reason).toMatch(reason);
      expect(groupAlive(pid)).toBe(true);
    },
  );

  it('adopts the window whose program writes this repository’s log as its feature', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const pid = await agentWindow(rig, { BATON_RUN_ID: RUN, BATON_FEATURE_ID: A, BATON_LOG: OURS });
    const plan = await scanAdoptableWindows(
      stateNaming(pid),
      { ...process.env, BATON_TMUX_SOCKET: rig.socket },
      { candidates: new Set([A]), logPath: OURS },
    );
    expect(plan.refused).toEqual([]);
    expect(plan.adopted.map((a) => [a.feature_id, a.pgid])).toEqual([[A, pid]]);
  });
});
