/**
 * A listing of the worktrees taken while another process adds one: git stops at the half-made admin
 * folder (its `gitdir` written, its `commondir` opened but not yet) and the listing is tried again, instead of failing
 * whatever asked (a resume's reused worktree, a check's targets).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listWorktrees } from '../../src/git/worktree-list.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** What git leaves for a moment while `git worktree add` writes a new worktree's admin folder. */
function halfMadeWorktree(r: TempRepo): string {
  const admin = join(r.root, '.git', 'worktrees', 'being-added');
  mkdirSync(admin, { recursive: true });
  writeFileSync(join(admin, 'gitdir'), `${join(r.root, '..', 'being-added', '.git')}\n`);
  writeFileSync(join(admin, 'commondir'), '');
  return admin;
}

describe('listWorktrees', () => {
  it('lists again once a worktree being added is written, instead of failing on it', async () => {
    repo = makeRepo();
    const admin = halfMadeWorktree(repo);
    // One rename, so no listing can see the folder half removed (its commondir gone, its gitdir not yet):
    // git lists such a folder as a worktree.
    setTimeout(() => renameSync(admin, join(repo?.root ?? '', '.git', 'was-being-added')), 40);
    const list = await listWorktrees(repo.root);
    expect(list.map((w) => w.path)).toEqual([repo.root]);
  });

  it('still fails, with git’s words, when the folder stays broken', async () => {
    repo = makeRepo();
    halfMadeWorktree(repo);
    await expect(listWorktrees(repo.root)).rejects.toThrow(/failed to read .*being-added\/commondir/);
  });

  it('lists a worktree whose path holds a newline as that one path, locked or not (-z)', async () => {
    repo = makeRepo();
    const odd = join(repo.root, '..', 'wt\nworktree /tmp/forged');
    repo.git('worktree', 'add', '-q', '--lock', '--reason', 'a\nreason', '-b', 'odd', odd);
    const list = await listWorktrees(repo.root);
    expect(list).toEqual([
      expect.objectContaining({ path: repo.root, branch: 'main' }),
      expect.objectContaining({ path: odd, branch: 'odd', locked: true }),
    ]);
  });
});
