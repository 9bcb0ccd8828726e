/**
 * A `baton clean` killed while git removed a worktree leaves its folder half deleted, without its
 * `.git`: the next clean must finish it (its own note proves it began it), and one that did not begin
 * it must still see the folder and remove it with `--force`; `baton run` names the command that clears it.
 */

import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addFeatureWorktree,
  batonBranches,
  projectRepo,
  worktreeList,
  worktreePath,
  writeIn,
} from '../reliability/fixture.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { tempRepos } from '../runner/repo-rig.js';

const { kept } = tempRepos();

/**
 * A `git` first on PATH whose `worktree remove` deletes the folder's `.git` file and part of its
 * files, then kills the Baton that called it (`kill -9`): a clean killed mid-removal, without timing.
 */
function killingGit(dir: string): string {
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const bin = join(dir, 'killing-git');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'git'),
    `#!/bin/sh\ncase "$*" in *"worktree remove"*) for a; do p=$a; done; rm -f "$p/.git" "$p/README.md"; kill -9 $PPID; exit 137 ;; esac\nexec '${real}' "$@"\n`,
  );
  chmodSync(join(bin, 'git'), 0o755);
  return `${bin}:${process.env.PATH}`;
}

function repoWithWorktree(): { repo: TempRepo; folder: string } {
  const repo = kept(projectRepo(['a']));
  const folder = addFeatureWorktree(repo, 'a');
  writeIn(folder, { 'notes/more.txt': 'x\n' });
  repo.git('-C', folder, 'add', '-A');
  repo.git('-C', folder, 'commit', '-q', '-m', 'work');
  repo.git('merge', '-q', '--ff-only', 'baton/a');
  return { repo, folder };
}

describe('a worktree folder whose removal was cut short', () => {
  it('a clean killed mid-removal: the next clean finishes it, without --force', async () => {
    const { repo, folder } = repoWithWorktree();
    const killed = spawn(process.execPath, [BATON_BIN, 'clean', 'a'], {
      cwd: repo.root,
      env: { ...process.env, PATH: killingGit(join(repo.root, '..')) },
      stdio: 'ignore',
    });
    const signal = await new Promise((r) => killed.on('exit', (_code, sig) => r(sig)));
    expect(signal).toBe('SIGKILL');
    // Half deleted: the folder is there without its .git, git's record of it prunable, the branch kept.
    expect(existsSync(folder)).toBe(true);
    expect(existsSync(join(folder, '.git'))).toBe(false);
    expect(readdirSync(folder)).toContain('notes');

    const ran = await runBaton(['run', 'a', '--agent', 'demo'], { cwd: repo.root });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('`baton clean a` finishes it');

    const finished = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain('what an earlier clean, cut short, left of it');
    expect(existsSync(folder)).toBe(false);
    expect(batonBranches(repo)).toEqual([]);
    expect(worktreeList(repo)).toEqual([repo.root]);
  });

  it('a folder without .git that git no longer lists: clean names it and --force removes it', async () => {
    const { repo, folder } = repoWithWorktree();
    // What an older Baton's `clean --force` left after a cut-short removal: record pruned, branch gone.
    rmSync(join(folder, '.git'));
    repo.git('worktree', 'prune');
    repo.git('branch', '-D', 'baton/a');
    expect(worktreeList(repo)).toEqual([repo.root]);

    const ran = await runBaton(['run', 'a', '--agent', 'demo'], { cwd: repo.root });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('`baton clean --force a` removes it');

    const refused = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`its folder ${folder} is no longer a git worktree (it holds no .git)`);
    expect(refused.stdout).toContain('`baton clean --force a` removes it');
    expect(existsSync(folder)).toBe(true);

    const forced = await runBaton(['clean', '--force', 'a'], { cwd: repo.root });
    expect(forced.code).toBe(0);
    expect(existsSync(folder)).toBe(false);
    expect(existsSync(worktreePath(repo, 'a'))).toBe(false);
  });
});
