// Moving a branch a worktree has checked out brings its files along (read-tree -m -u), which would
// overwrite an untracked or ignored file (a local .env) where the move adds a tracked one: such a move
// is refused before anything moves. Real repositories.
import { existsSync, readFileSync, realpathSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { BRANCH_CHECKED_OUT, moveWithWorktree } from '../../src/git/checked-out-move.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A worktree on `baton/a` at the base, and a commit that adds `x.env` to move it to. */
function setUp(): { repo: TempRepo; wt: string; from: string; to: string } {
  const repo = makeRepo({ '.gitignore': 'x.env\n', 'README.md': '# app\n' });
  repos.push(repo);
  const from = repo.git('rev-parse', 'HEAD');
  repo.git('checkout', '-q', '-b', 'side');
  repo.write({ 'x.env': 'TRACKED=1\n' });
  repo.git('add', '-f', 'x.env');
  repo.git('commit', '-qm', 'track x.env');
  const to = repo.git('rev-parse', 'HEAD');
  repo.git('checkout', '-q', 'main');
  const wt = `${repo.root}-wt`;
  repo.git('worktree', 'add', '-q', '-b', 'baton/a', wt, from);
  return { repo, wt, from, to };
}

const proven = (repo: TempRepo, wt: string) => ({
  path: wt,
  realPath: realpathSync(wt),
  gitDir: join(realpathSync(repo.root), '.git', 'worktrees', 'repo-wt'),
  branch: 'baton/a',
});

describe('moveWithWorktree', () => {
  it('refuses a move that would overwrite an ignored file the user has there; nothing moves', async () => {
    const { repo, wt, from, to } = setUp();
    writeFileSync(join(wt, 'x.env'), 'USER LOCAL SECRET\n');
    const err = await moveWithWorktree(proven(repo, wt), { from, to, why: 'test' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe(BRANCH_CHECKED_OUT);
    expect((err as UserError).message).toContain('already there, untracked or ignored: x.env');
    expect(readFileSync(join(wt, 'x.env'), 'utf8')).toBe('USER LOCAL SECRET\n');
    expect(repo.git('rev-parse', 'baton/a')).toBe(from);
  });

  it('moves the branch and its files when nothing is in the way', async () => {
    const { repo, wt, from, to } = setUp();
    expect(await moveWithWorktree(proven(repo, wt), { from, to, why: 'test' })).toBe(true);
    expect(repo.git('rev-parse', 'baton/a')).toBe(to);
    expect(readFileSync(join(wt, 'x.env'), 'utf8')).toBe('TRACKED=1\n');
  });

  it('moves past a file only touched (same content, new times), and still refuses a real local change to it', async () => {
    const repo = makeRepo({ 'README.md': '# app\n' });
    repos.push(repo);
    const from = repo.git('rev-parse', 'HEAD');
    const to = repo.commit('readme', { 'README.md': '# app, moved\n' });
    const wt = `${repo.root}-wt`;
    repo.git('worktree', 'add', '-q', '-b', 'baton/a', wt, from);
    // As a restored or copied worktree has it: the same bytes, stat data the index does not hold.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(wt, 'README.md'), later, later);
    expect(await moveWithWorktree(proven(repo, wt), { from, to, why: 'test' })).toBe(true);
    expect(readFileSync(join(wt, 'README.md'), 'utf8')).toBe('# app, moved\n');

    writeFileSync(join(wt, 'README.md'), 'mine\n');
    const err = await moveWithWorktree(proven(repo, wt), { from: to, to: from, why: 'test' }).catch(
      (e: unknown) => e,
    );
    expect((err as UserError).code).toBe(BRANCH_CHECKED_OUT);
    expect((err as UserError).message).toContain('whose local changes the move would overwrite');
    expect(readFileSync(join(wt, 'README.md'), 'utf8')).toBe('mine\n');
    expect(repo.git('rev-parse', 'baton/a')).toBe(to);
  });

  it('refuses where an ignored file stands at a parent folder of a path the move adds', async () => {
    const repo = makeRepo({ '.gitignore': 'conf\n', 'README.md': '# app\n' });
    repos.push(repo);
    const from = repo.git('rev-parse', 'HEAD');
    repo.git('checkout', '-q', '-b', 'side');
    repo.write({ 'conf/app.env': 'TRACKED=1\n' });
    repo.git('add', '-f', 'conf/app.env');
    repo.git('commit', '-qm', 'track conf/app.env');
    const to = repo.git('rev-parse', 'HEAD');
    repo.git('checkout', '-q', 'main');
    const wt = `${repo.root}-wt`;
    repo.git('worktree', 'add', '-q', '-b', 'baton/a', wt, from);
    writeFileSync(join(wt, 'conf'), 'USER LOCAL CONF\n');
    const err = await moveWithWorktree(proven(repo, wt), { from, to, why: 'test' }).catch((e: unknown) => e);
    expect((err as UserError).code).toBe(BRANCH_CHECKED_OUT);
    expect((err as UserError).message).toContain('conf/app.env');
    expect(readFileSync(join(wt, 'conf'), 'utf8')).toBe('USER LOCAL CONF\n');
    expect(repo.git('rev-parse', 'baton/a')).toBe(from);
  });

  it('moves where a tracked folder becomes a file and a tracked file becomes a folder', async () => {
    const repo = makeRepo({ 'd/inner.txt': 'in d\n', f: 'a file\n' });
    repos.push(repo);
    const from = repo.git('rev-parse', 'HEAD');
    repo.git('checkout', '-q', '-b', 'side');
    repo.git('rm', '-q', '-r', 'd', 'f');
    repo.write({ d: 'now a file\n', 'f/inner.txt': 'now a folder\n' });
    repo.git('add', 'd', 'f');
    repo.git('commit', '-qm', 'swap');
    const to = repo.git('rev-parse', 'HEAD');
    repo.git('checkout', '-q', 'main');
    const wt = `${repo.root}-wt`;
    repo.git('worktree', 'add', '-q', '-b', 'baton/a', wt, from);
    expect(await moveWithWorktree(proven(repo, wt), { from, to, why: 'test' })).toBe(true);
    expect(readFileSync(join(wt, 'd'), 'utf8')).toBe('now a file\n');
    expect(readFileSync(join(wt, 'f', 'inner.txt'), 'utf8')).toBe('now a folder\n');
    expect(existsSync(join(wt, 'd', 'inner.txt'))).toBe(false);
  });
});
