import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProgressRenderer, describeEvent } from '../../src/cli/progress.js';
import { proveFeatureWorktree } from '../../src/git/worktree-proof.js';
import type { BatonEvent } from '../../src/log/events.js';
import { inspectResumedBranch } from '../../src/runner/restart.js';
import { resumeNotes } from '../../src/runner/resume.js';
import { palette } from '../../src/terminal/style.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { watchWorld } from './rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('--resume says what it found', () => {
  it('counts the dead run’s commits on a branch, keeps them by default and drops them with --restart', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const base = repo.git('rev-parse', 'HEAD');
    const wt = join(repo.root, '..', 'wt-a');
    const world = watchWorld(repo, [wt]);
    repo.git('worktree', 'add', '-q', '-b', 'baton/feature-001-a', wt);
    repo.git('-C', wt, 'commit', '-q', '--allow-empty', '-m', 'agent work 1');
    repo.git('-C', wt, 'commit', '-q', '--allow-empty', '-m', 'agent work 2');
    const tip = repo.git('rev-parse', 'baton/feature-001-a');
    const commits = repo.git('rev-list', `${base}..${tip}`).split('\n');
    const proven = await proveFeatureWorktree(repo.root, wt, 'baton/feature-001-a');
    const kept = await inspectResumedBranch(proven, {
      unitId: 'feature-001-a',
      baseCommit: base,
      restart: false,
    });
    expect(kept).toEqual({ kept_commits: 2 });
    expect(resumeNotes(kept).join('\n')).toContain('keeps 2 commit(s) from the earlier run');
    const restarted = await inspectResumedBranch(proven, {
      unitId: 'feature-001-a',
      baseCommit: base,
      restart: true,
    });
    const backup = `refs/baton/restart-backup/feature-001-a/${tip}`;
    expect(restarted).toEqual({ kept_commits: 0, restarted: true, dropped_commits: commits, backup });
    expect(repo.git('rev-parse', 'baton/feature-001-a')).toBe(base);
    // The dropped commits stay reachable, and the note names them and where they are kept.
    expect(repo.git('rev-parse', backup)).toBe(tip);
    expect(resumeNotes(restarted).join('\n')).toBe(
      `restarted from the base (--restart): dropped 2 commit(s) from the branch (${commits.map((c) => c.slice(0, 8)).join(', ')}), kept as ${backup}`,
    );
    // Only the feature's own branch and worktree moved.
    world.expectUntouched();
    expect(
      resumeNotes({
        stopped_orphans: [{ feature_id: 'feature-001-a', pgid: 4242 }],
        refused_orphans: [{ feature_id: 'feature-002-b', pgid: 1, reason: 'pgid 1 is not an agent group' }],
      }),
    ).toEqual([
      'stopped what the dead run left running for feature-001-a (group 4242: its agent, setup or checks)',
      'left group 1 of feature-002-b alone: pgid 1 is not an agent group',
    ]);
  });

  it('prints each note on a line of its own, indented, with the log’s strings still escaped', async () => {
    const ts = '2026-01-01T00:00:00.000Z';
    const created = {
      ts,
      run_id: 'r1',
      type: 'worktree.created',
      feature_id: 'c',
      path: '/tmp/wt\nforged: line',
      branch: 'baton/c',
      base_commit: 'a'.repeat(40),
      reused: true,
      kept_commits: 2,
    } as BatonEvent;
    const started = {
      ts,
      run_id: 'r1',
      type: 'run.started',
      feature_ids: ['c'],
      concurrency: 1,
      base: 'HEAD',
      base_commit: 'a'.repeat(40),
      mode: 'contract-first',
      pid: 1,
      resume: true,
      stopped_orphans: [{ feature_id: 'c\u001b[2J', pgid: 4242 }],
      refused_orphans: [{ feature_id: 'd', pgid: 1, reason: 'no\nproof' }],
    } as BatonEvent;
    const written: string[] = [];
    const progress = await createProgressRenderer(
      { write: (t) => written.push(t), isTTY: false },
      palette(false),
      ['c'],
    );
    progress.onEvent(started);
    progress.onEvent(created);
    expect(written).toEqual([
      'run r1: 1 feature, 1 at a time, contract-first, base HEAD (aaaaaaaa)\n' +
        '  stopped what the dead run left running for c\\x1b[2J (group 4242: its agent, setup or checks)\n' +
        '  left group 1 of d alone: no\\nproof\n',
      'c: worktree /tmp/wt\\nforged: line on baton/c (reused)\n' +
        '  keeps 2 commit(s) from the earlier run: the agent continues from them and the checks (owns included) judge them too; --restart <id> starts over without them\n',
    ]);
    // What the live table prints above itself on a terminal: the same lines, escaped the same way.
    expect(describeEvent(started, palette(false))).toBe(written[0]?.slice(0, -1));
  });
});
