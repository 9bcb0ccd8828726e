import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commonGitDir } from '../../src/git/git.js';
import { isOwnDetachedWorktree, proveLinkedWorktree } from '../../src/git/worktree-proof.js';
import { gitProcessesDuring } from '../rig/git-trace.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A repository with a linked worktree of `baton/a` beside it. */
function withWorktree(): { repo: TempRepo; path: string } {
  const repo = makeRepo();
  repos.push(repo);
  const path = join(repo.root, '..', 'wt-a');
  repo.git('worktree', 'add', '-q', '-b', 'baton/a', path);
  return { repo, path };
}

describe('proveLinkedWorktree', () => {
  it('proves a worktree of its branch with one git process once the common folder is known', async () => {
    const { repo, path } = withWorktree();
    await commonGitDir(repo.root);
    let proof: Awaited<ReturnType<typeof proveLinkedWorktree>> | undefined;
    const calls = await gitProcessesDuring(join(repo.root, '..'), async () => {
      proof = await proveLinkedWorktree(repo.root, path, 'baton/a');
    });
    expect(proof).toMatchObject({ ok: true });
    expect(calls, calls.join('\n')).toHaveLength(1);
  });

  it('names the branch a worktree has checked out instead, and tells a detached HEAD apart', async () => {
    const { repo, path } = withWorktree();
    expect(await proveLinkedWorktree(repo.root, path, 'baton/b')).toMatchObject({
      ok: false,
      problem: 'other-head',
      head: 'refs/heads/baton/a',
    });
    repo.git('-C', path, 'checkout', '-q', '--detach');
    expect(await proveLinkedWorktree(repo.root, path, 'baton/a')).toMatchObject({
      ok: false,
      problem: 'other-head',
      head: undefined,
    });
    expect(await isOwnDetachedWorktree(repo.root, path, 'baton/a')).toBe(true);
  });

  it('reads the HEAD of a worktree on an unborn branch, which names no commit', async () => {
    const { repo, path } = withWorktree();
    repo.git('-C', path, 'checkout', '-q', '--orphan', 'fresh');
    expect(await proveLinkedWorktree(repo.root, path, 'baton/a')).toMatchObject({
      ok: false,
      problem: 'other-head',
      head: 'refs/heads/fresh',
    });
    expect(await isOwnDetachedWorktree(repo.root, path, 'baton/a')).toBe(false);
  });

  it('refuses a folder of another repository and one with no repository', async () => {
    const { repo } = withWorktree();
    const other = makeRepo();
    repos.push(other);
    expect(await proveLinkedWorktree(repo.root, other.root, 'baton/a')).toMatchObject({
      ok: false,
      problem: 'other-repository',
    });
    expect(await proveLinkedWorktree(repo.root, '/', 'baton/a')).toEqual({
      ok: false,
      problem: 'no-repository',
    });
  });
});
