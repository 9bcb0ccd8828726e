/**
 * Clean's note that it is removing a worktree (`baton-removing` in git's record of it, which the
 * worktree's agent can write): a link planted at its name is never written through nor taken for the
 * note, a note never excuses work added or changed since, and a clean stopped by Ctrl-C takes back the
 * note of a removal it had not begun and releases its lock.
 */

import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeTargets } from '../../src/clean/clean.js';
import { inspectCleanTargets } from '../../src/clean/inspect.js';
import { markRemoval, removalMarks } from '../../src/clean/left-behind.js';
import { initialState } from '../../src/log/fold.js';
import { addFeatureWorktree, batonBranches, projectRepo, writeIn } from '../reliability/fixture.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { tempRepos } from '../runner/repo-rig.js';

const { kept } = tempRepos();

/** A repository whose feature `a` is merged into main, its worktree clean. */
function mergedWorktree(ids = ['a']): { repo: TempRepo; folders: string[] } {
  const repo = kept(projectRepo(ids));
  const folders = ids.map((id) => {
    const folder = addFeatureWorktree(repo, id);
    writeIn(folder, { [`src/${id}/x.txt`]: 'x\n' });
    repo.git('-C', folder, 'add', '-A');
    repo.git('-C', folder, 'commit', '-q', '-m', `work ${id}`);
    repo.git('merge', '-q', '--no-edit', `baton/${id}`);
    return folder;
  });
  return { repo, folders };
}

function markOf(repo: TempRepo, id: string): string {
  return join(repo.root, '.git', 'worktrees', id, 'baton-removing');
}

describe("clean's removal note", () => {
  it('a link planted at its name is not written through and does not count as the note', async () => {
    const { repo, folders } = mergedWorktree();
    const precious = join(repo.root, '..', 'precious.txt');
    writeFileSync(precious, 'three years of notes\n');
    symlinkSync(precious, markOf(repo, 'a'));
    expect((await removalMarks(repo.root)).size).toBe(0);

    // An uncommitted file beside the link: not "cut short", so refused.
    writeIn(folders[0] as string, { 'src/a/wip.txt': 'mine\n' });
    const refused = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).not.toContain('cut short');
    expect(existsSync(join(folders[0] as string, 'src/a/wip.txt'))).toBe(true);

    unlinkSync(join(folders[0] as string, 'src/a/wip.txt'));
    const removed = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(removed.code).toBe(0);
    expect(existsSync(folders[0] as string)).toBe(false);
    expect(readFileSync(precious, 'utf8')).toBe('three years of notes\n');
  });

  it('markRemoval replaces a planted link by a note of its own and takes back only that', async () => {
    const { repo, folders } = mergedWorktree();
    const precious = join(repo.root, '..', 'precious.txt');
    writeFileSync(precious, 'mine\n');
    symlinkSync(precious, markOf(repo, 'a'));
    const unmark = await markRemoval(repo.root, folders[0] as string);
    expect(readFileSync(precious, 'utf8')).toBe('mine\n');
    expect(lstatSync(markOf(repo, 'a')).isFile()).toBe(true);
    expect((await removalMarks(repo.root)).size).toBe(1);
    unmark();
    expect(existsSync(markOf(repo, 'a'))).toBe(false);
    expect(readFileSync(precious, 'utf8')).toBe('mine\n');
  });

  it('a note left on a whole worktree excuses no file added or changed since: plain clean refuses', async () => {
    const { repo, folders } = mergedWorktree();
    const folder = folders[0] as string;
    writeFileSync(markOf(repo, 'a'), 'baton clean\n');
    writeIn(folder, { 'src/a/wip.txt': 'work in progress\n' });
    writeFileSync(join(folder, 'src/a/x.txt'), 'x\nmy edit\n');

    const r = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('uncommitted');
    expect(readFileSync(join(folder, 'src/a/wip.txt'), 'utf8')).toBe('work in progress\n');
    expect(readFileSync(join(folder, 'src/a/x.txt'), 'utf8')).toBe('x\nmy edit\n');
  });

  it('a note with only tracked files deleted (what a removal cut short leaves) is still finished', async () => {
    const { repo, folders } = mergedWorktree();
    const folder = folders[0] as string;
    writeFileSync(markOf(repo, 'a'), 'baton clean\n');
    unlinkSync(join(folder, 'src/a/x.txt'));

    const r = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('what an earlier clean, cut short, left of it');
    expect(existsSync(folder)).toBe(false);
  });

  it('stopped after its note and before git began: the note is taken back, the worktree kept', async () => {
    const { repo, folders } = mergedWorktree();
    const inspection = await inspectCleanTargets({
      root: repo.root,
      cwd: repo.root,
      state: initialState(),
      alive: () => false,
    });
    const target = inspection.targets.find((t) => t.id === 'a');
    if (target === undefined) throw new Error('no target a');
    // The first look (the target's start) says go on, the second (git about to start) says stop.
    let looks = 0;
    const results = await removeTargets(
      repo.root,
      [{ action: 'remove', target, forced: false, reasons: [] }],
      () => ++looks > 1,
    );
    expect(results[0]?.error).toContain('stopped');
    expect(existsSync(join(folders[0] as string, '.git'))).toBe(true);
    expect(existsSync(markOf(repo, 'a'))).toBe(false);
    expect(batonBranches(repo)).toEqual(['baton/a']);
  });

  it('Ctrl-C while git removes one worktree: that removal finishes, no other begins, the lock is released', async () => {
    const { repo, folders } = mergedWorktree(['a', 'b']);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    // A `git` first on PATH whose `worktree remove` sends Baton a Ctrl-C first, then does its work.
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const bin = join(repo.root, '..', 'interrupting-git');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'git'),
      `#!/bin/sh\ncase "$*" in *"worktree remove"*) kill -INT $PPID ;; esac\nexec '${real}' "$@"\n`,
    );
    chmodSync(join(bin, 'git'), 0o755);
    const child = spawn(process.execPath, [BATON_BIN, 'clean', 'a', 'b'], {
      cwd: repo.root,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const code = await new Promise((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(130);
    expect(out).toContain('stopping');
    expect(existsSync(folders[0] as string)).toBe(false);
    expect(existsSync(join(folders[1] as string, '.git'))).toBe(true);
    expect(existsSync(markOf(repo, 'b'))).toBe(false);
    expect(existsSync(join(repo.root, '.baton', 'clean.lock'))).toBe(false);
  });
});
