/**
 * `baton clean` and a worktree's submodules: files written in a submodule folder the worktree never
 * checked out are work git does not see; a submodule checked out in the worktree, whose commit exists
 * only in the worktree's own copy (`.git/worktrees/<id>/modules/<name>`), must not be lost even with
 * `--force`; one holding nothing unique is removed (git alone refuses any worktree with a submodule).
 */

import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addFeatureWorktree, commitIn, projectRepo, worktreeList, writeIn } from '../reliability/fixture.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { tempRepos } from '../runner/repo-rig.js';

const { kept } = tempRepos();

/** A project whose `lib` is a submodule (made from a local repository), checked out in the main checkout. */
function repoWithSubmodule(): TempRepo {
  const sub = kept(makeRepo({ README: 'sub\n' }));
  const repo = kept(projectRepo(['a']));
  // Test set-up only: git refuses a local submodule URL by default.
  repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub.root, 'lib');
  repo.git('commit', '-q', '-m', 'add submodule');
  return repo;
}

/** Checks the submodule out in the worktree, as an agent would, and commits a change in it there. */
function bumpInWorktree(repo: TempRepo, folder: string): string {
  repo.git('-C', folder, '-c', 'protocol.file.allow=always', 'submodule', 'update', '--init', '-q', 'lib');
  const commit = commitIn(repo, join(folder, 'lib'), 'sub work', { 'new.txt': 'B\n' });
  commitIn(repo, folder, 'bump lib', {});
  return commit;
}

/**
 * `clean --merged` and `clean --force a`, each refused naming the submodule commit only feature a's
 * worktree holds and the push that keeps it; the worktree and the commit are still there after both.
 */
async function cleanMergedAndForced(repo: TempRepo, folder: string, commit: string) {
  const said = [];
  for (const args of [
    ['clean', '--merged'],
    ['clean', '--force', 'a'],
  ]) {
    const r = await runBaton(args, { cwd: repo.root });
    expect(r.stdout).toContain(commit.slice(0, 12));
    expect(r.stdout).toContain('push');
    said.push(r);
  }
  expect(worktreeList(repo).some((p) => p.endsWith('/a'))).toBe(true);
  expect(repo.git('-C', join(folder, 'lib'), 'cat-file', '-t', commit)).toBe('commit');
  return said;
}

describe('clean and submodules', () => {
  it('keeps files written in a submodule folder the worktree never checked out', async () => {
    const repo = repoWithSubmodule();
    const folder = addFeatureWorktree(repo, 'a');
    expect(readdirSync(join(folder, 'lib'))).toEqual([]);
    writeIn(folder, { 'lib/README': 'agent work\n' });
    const r = await runBaton(['clean', '--merged'], { cwd: repo.root });
    expect(r.stdout).toContain('never checked out');
    expect(r.stdout).toContain('lib/README');
    expect(existsSync(join(folder, 'lib', 'README'))).toBe(true);
  });

  it('refuses, even with --force, to lose a submodule commit only the worktree holds', async () => {
    const repo = repoWithSubmodule();
    const folder = addFeatureWorktree(repo, 'a');
    const commit = bumpInWorktree(repo, folder);
    for (const r of await cleanMergedAndForced(repo, folder, commit))
      expect(r.stdout).not.toContain('cannot be moved or removed');
  });

  it('refuses, even with --force, a merged worktree whose submodule commit the base now points to but only the worktree holds', async () => {
    const repo = repoWithSubmodule();
    const folder = addFeatureWorktree(repo, 'a');
    const commit = bumpInWorktree(repo, folder);
    // Merged as `integrate --into main` would: main's gitlink now names a commit its own submodule copy lacks.
    repo.git('merge', '-q', '--ff-only', 'baton/a');
    await cleanMergedAndForced(repo, folder, commit);
  });

  it("removes a worktree whose submodule commit the main checkout's copy lacks but the submodule's remote holds (the agent pushed it)", async () => {
    const src = kept(makeRepo({ README: 'sub\n' }));
    const origin = join(dirname(src.root), 'origin.git');
    src.git('clone', '-q', '--bare', src.root, origin);
    const repo = kept(projectRepo(['a']));
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', origin, 'lib');
    repo.git('commit', '-q', '-m', 'add submodule');
    const merged = addFeatureWorktree(repo, 'a');
    const commit = bumpInWorktree(repo, merged);
    repo.git('-C', join(merged, 'lib'), 'push', '-q', 'origin', `${commit}:refs/heads/pushed`);
    repo.git('merge', '-q', '--ff-only', 'baton/a');
    // The main checkout's copy lacks it: `git submodule update` would fetch it from the remote.
    expect(repo.git('-C', join(repo.root, 'lib'), 'rev-parse', 'HEAD')).not.toBe(commit);
    const r = await runBaton(['clean', '--merged'], { cwd: repo.root });
    expect(r.stdout, r.stdout + r.stderr).toContain('Removed 1');
    expect(existsSync(merged)).toBe(false);
    expect(src.git('--git-dir', origin, 'rev-parse', 'pushed')).toBe(commit);
  });

  it('removes with --force an unmerged worktree whose submodule commit the agent pushed to the remote, and refuses one it did not push', async () => {
    const src = kept(makeRepo({ README: 'sub\n' }));
    const origin = join(dirname(src.root), 'origin.git');
    src.git('clone', '-q', '--bare', src.root, origin);
    const repo = kept(projectRepo(['a', 'b']));
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', origin, 'lib');
    repo.git('commit', '-q', '-m', 'add submodule');
    const pushed = addFeatureWorktree(repo, 'a');
    const commit = bumpInWorktree(repo, pushed);
    repo.git('-C', join(pushed, 'lib'), 'push', '-q', 'origin', `${commit}:refs/heads/pushed`);
    const local = addFeatureWorktree(repo, 'b');
    repo.git('-C', local, '-c', 'protocol.file.allow=always', 'submodule', 'update', '--init', '-q', 'lib');
    const only = commitIn(repo, join(local, 'lib'), 'not pushed', { 'other.txt': 'C\n' });
    commitIn(repo, local, 'bump lib', {});
    const r = await runBaton(['clean', '--force', 'a', 'b'], { cwd: repo.root });
    expect(existsSync(pushed), r.stdout + r.stderr).toBe(false);
    expect(r.stdout).toContain(only.slice(0, 12));
    expect(existsSync(local)).toBe(true);
  });

  it('removes a merged worktree whose checked-out submodule holds nothing the main one lacks', async () => {
    const repo = repoWithSubmodule();
    const folder = addFeatureWorktree(repo, 'a');
    const commit = bumpInWorktree(repo, folder);
    repo.git(
      '-C',
      join(folder, 'lib'),
      'push',
      '-q',
      join(repo.root, '.git', 'modules', 'lib'),
      `${commit}:refs/heads/kept`,
    );
    repo.git('merge', '-q', '--ff-only', 'baton/a');
    const r = await runBaton(['clean', '--merged'], { cwd: repo.root });
    expect(r.stdout).toContain('Removed 1');
    expect(existsSync(folder)).toBe(false);
    expect(repo.git('--git-dir', join(repo.root, '.git', 'modules', 'lib'), 'cat-file', '-t', commit)).toBe(
      'commit',
    );
  });
  it("removes with --force a worktree whose submodule commit the main checkout's copy holds, found by the submodule's name, not its path", async () => {
    const sub = kept(makeRepo({ README: 'sub\n' }));
    const repo = kept(projectRepo(['a']));
    // Test set-up only: git refuses a local submodule URL by default.
    repo.git(
      '-c',
      'protocol.file.allow=always',
      'submodule',
      'add',
      '-q',
      '--name',
      'lib-x',
      sub.root,
      'vendor/lib',
    );
    repo.git('commit', '-q', '-m', 'add submodule');
    // The main checkout keeps its copy (`.git/modules/lib-x`) but no longer checks it out.
    repo.git('submodule', 'deinit', '-q', '-f', 'vendor/lib');
    const store = join(repo.root, '.git', 'modules', 'lib-x');
    expect(existsSync(join(store, 'HEAD'))).toBe(true);
    const folder = addFeatureWorktree(repo, 'a');
    repo.git(
      '-C',
      folder,
      '-c',
      'protocol.file.allow=always',
      'submodule',
      'update',
      '--init',
      '-q',
      'vendor/lib',
    );
    const commit = commitIn(repo, join(folder, 'vendor', 'lib'), 'sub work', { 'new.txt': 'B\n' });
    commitIn(repo, folder, 'bump lib', {});
    // The commit reaches the main checkout's copy: the worktree's copy holds nothing of its own.
    repo.git('-C', join(folder, 'vendor', 'lib'), 'push', '-q', store, `${commit}:refs/heads/kept`);
    const r = await runBaton(['clean', '--force', 'a'], { cwd: repo.root });
    expect(r.stdout).toContain('Removed 1');
    expect(existsSync(folder)).toBe(false);
    expect(repo.git('--git-dir', store, 'cat-file', '-t', commit)).toBe('commit');
  });

  it('never deletes a repository outside the worktree that a gitlink reaches through a symlinked folder', async () => {
    const repo = repoWithSubmodule();
    const folder = addFeatureWorktree(repo, 'a');
    // Outside the worktree: a folder holding someone's repository `sub`.
    const outside = kept(makeRepo({ 'precious.txt': 'keep me\n' }));
    const victim = kept(makeRepo({ 'work.txt': 'mine\n' }));
    mkdirSync(join(outside.root, 'lib2'));
    repo.git('clone', '-q', victim.root, join(outside.root, 'lib2', 'sub'));
    const head = repo.git('-C', join(outside.root, 'lib2', 'sub'), 'rev-parse', 'HEAD');
    // The agent, in its worktree: a gitlink at lib2/sub, and lib2 a symlink to the outside folder.
    repo.git('-C', folder, 'update-index', '--add', '--cacheinfo', `160000,${head},lib2/sub`);
    writeIn(folder, { '.gitmodules': '[submodule "x"]\n\tpath = lib2/sub\n\turl = ./x\n' });
    symlinkSync(join(outside.root, 'lib2'), join(folder, 'lib2'));
    const r = await runBaton(['clean', '--force', 'a'], { cwd: repo.root });
    expect(existsSync(join(outside.root, 'lib2', 'sub', 'work.txt'))).toBe(true);
    expect(r.stdout).not.toContain('Removed 1');
    expect(r.stdout).toContain('lib2/sub');
  });

  it('prints the command that keeps a submodule commit quoted for the shell', async () => {
    const repo = repoWithSubmodule();
    const folder = addFeatureWorktree(repo, 'a');
    repo.git('-C', folder, 'mv', 'lib', 'my lib');
    repo.git('-C', folder, 'commit', '-q', '-m', 'rename');
    repo.git(
      '-C',
      folder,
      '-c',
      'protocol.file.allow=always',
      'submodule',
      'update',
      '--init',
      '-q',
      'my lib',
    );
    const commit = commitIn(repo, join(folder, 'my lib'), 'sub work', { 'new.txt': 'B\n' });
    commitIn(repo, folder, 'bump lib', {});
    const r = await runBaton(['clean', '--force', 'a'], { cwd: repo.root });
    expect(r.stdout).toContain(commit.slice(0, 12));
    expect(r.stdout).toContain(`git -C '${join(folder, 'my lib')}' push`);
  });
});

describe('run and submodules', () => {
  it('warns at the start of a run that the worktrees leave empty the submodules the main checkout has not populated', async () => {
    const repo = repoWithSubmodule();
    repo.git('submodule', 'deinit', '-q', '-f', 'lib');
    repo.commit('contract', {
      'specs/feature-001-x/contract.md':
        '---\nfeature_id: feature-001-x\ntitle: X\nowns: ["lib/**"]\nagent: { command: "true" }\nacceptance_criteria:\n  - id: ok\n    text: ok\n    run: "true"\n---\nx\n',
    });
    const r = await runBaton(['run', 'feature-001-x'], { cwd: repo.root });
    expect(r.stderr + r.stdout).toMatch(
      /submodule lib is not checked out in your checkout, so Baton's worktrees leave it empty too/,
    );
  });
});
