import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inspectResumedBranch, resumeNotes } from '../../src/runner/resume.js';
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
    const kept = await inspectResumedBranch(wt, {
      branch: 'baton/feature-001-a',
      baseCommit: base,
      restart: false,
    });
    expect(kept).toEqual({ kept_commits: 2 });
    expect(resumeNotes(kept)).toContain('keeps 2 commit(s) from the dead run');
    const restarted = await inspectResumedBranch(wt, {
      branch: 'baton/feature-001-a',
      baseCommit: base,
      restart: true,
    });
    expect(restarted).toEqual({ kept_commits: 0, restarted: true });
    expect(repo.git('rev-parse', 'baton/feature-001-a')).toBe(base);
    // Only the feature's own branch and worktree moved.
    world.expectUntouched();
    expect(
      resumeNotes({
        stopped_orphans: [{ feature_id: 'feature-001-a', pgid: 4242 }],
        refused_orphans: [{ feature_id: 'feature-002-b', pgid: 1, reason: 'pgid 1 is not an agent group' }],
      }),
    ).toBe(
      '\n  stopped orphaned agent of feature-001-a (group 4242)\n  left group 1 of feature-002-b alone: pgid 1 is not an agent group',
    );
  });
});
