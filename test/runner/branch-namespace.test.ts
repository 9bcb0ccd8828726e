/**
 * A user's own branch named `baton` leaves git no room for `baton/<id>`: the run (and its dry run)
 * says so before creating anything, instead of failing every feature at its worktree.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('a branch named baton', () => {
  it('is refused by the dry run and the run alike, before anything is made', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([
        {
          id: 'feature-001-a',
          agent: { command: 'mkdir -p src/feature-001-a && touch src/feature-001-a/x' },
        },
      ]),
    });
    repos.push(repo);
    repo.git('branch', 'baton');
    for (const args of [['run', '--dry-run'], ['run']]) {
      const r = await runBaton(args, { cwd: repo.root });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(
        'baton: a branch named "baton" exists, so git cannot create the features\' baton/<id> branches beside it [run/branch-namespace]',
      );
      expect(r.stderr).toContain('hint: Rename it (git branch -m baton <new name>), then run again.');
    }
    expect(repo.git('branch', '--list', '--format=%(refname:short)')).toBe('baton\nmain');
    expect(existsSync(join(repo.root, '..', 'repo.baton-worktrees'))).toBe(false);
  });
});

describe('a worktrees folder inside the repository', () => {
  it('is refused unless git ignores it, before anything is made; ignored, the run is clean', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      '.gitignore': '.baton/\n',
      'baton.config.json': '{ "worktrees": "wt" }\n',
      ...contractFiles([
        { id: 'a', owns: ['src/a/**'], agent: { command: 'mkdir -p src/a && touch src/a/x' } },
      ]),
    });
    repos.push(repo);
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain(
      "baton: the worktrees folder wt (config `worktrees`) is inside the repository and git does not ignore it: each feature's worktree would show in the main checkout as an untracked change [run/worktrees-inside]",
    );
    expect(r.stderr).toContain('or add wt/ to .gitignore.');
    expect(existsSync(join(repo.root, 'wt'))).toBe(false);

    repo.commit('ignore the worktrees', { '.gitignore': '.baton/\nwt/\n' });
    const ignored = await runBaton(['run'], { cwd: repo.root });
    expect(ignored.code, ignored.stdout + ignored.stderr).toBe(0);
    // No escape blamed on the agent for its own worktree folder.
    expect(ignored.stdout).not.toContain('changed while it ran');
  });
});
