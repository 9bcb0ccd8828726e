// Which branches git holds for a rebase or a bisect, read from its own state files: the branch being
// rebased, those a `rebase --update-refs` will move, and never a stack trace on an odd git folder.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { branchesInProgress } from '../../src/git/branch-in-progress.js';
import { basesOf } from '../../src/integrate/choose.js';
import type { FeatureState } from '../../src/log/state.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('branchesInProgress', () => {
  it('holds the branches a rebase --update-refs will move, as git does', async () => {
    const repo = makeRepo({ 'README.md': '# app\n' });
    repos.push(repo);
    repo.git('checkout', '-q', '-b', 'mid');
    repo.commit('mid work', { 'mid.txt': 'm\n' });
    repo.git('checkout', '-q', '-b', 'top');
    repo.commit('top work', { 'top.txt': 't\n' });
    repo.git('checkout', '-q', 'main');
    repo.commit('main moves', { 'main.txt': 'x\n' });
    repo.git('checkout', '-q', 'top');
    // Stops at once (`break` first): mid and top are both git's until the rebase ends.
    repo.git('-c', "sequence.editor=sed -i '1i break'", 'rebase', '-q', '-i', '--update-refs', 'main');
    expect(() => repo.git('branch', '-f', 'mid', 'main')).toThrow(/checked out|used by worktree/);
    const held = (await branchesInProgress(repo.root)).map((h) => h.branch).sort();
    expect(held).toEqual(['mid', 'top']);
    repo.git('rebase', '--abort');
  });

  it('reads a git folder whose worktrees is a file, not a folder, without a stack trace', async () => {
    const repo = makeRepo({ 'README.md': '# app\n' });
    repos.push(repo);
    writeFileSync(join(repo.root, '.git', 'worktrees'), '');
    expect(await branchesInProgress(repo.root)).toEqual([]);
    const r = await runBaton(['clean'], { cwd: repo.root });
    expect(r.stderr).not.toContain('internal error');
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

describe('basesOf', () => {
  it('takes the log’s cut commit only as a full object id, never a revision git would resolve', () => {
    const sha = 'a'.repeat(40);
    const states: Record<string, Partial<FeatureState>> = {
      a: { base_commit: sha },
      b: { base_commit: ':/^cut;sh x' },
      c: { base_commit: 'HEAD~1' },
      d: {},
    };
    expect(basesOf(['a', 'b', 'c', 'd'], (id) => states[id] as FeatureState | undefined)).toEqual({ a: sha });
  });
});
