/**
 * A worktrees folder set in `.baton` before run refused it: `baton clean` still runs, but none of the
 * folders Baton keeps there (`.baton/runs`, `.baton/cache`) is taken for a feature's leftover worktree.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('baton clean with a worktrees folder in .baton', () => {
  it('removes none of Baton’s own folders there, even with --force, and says why', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      '.gitignore': '.baton/\n',
      'baton.yaml': 'worktrees: .baton\n',
      ...contractFiles(['runs', 'cache'].map((id) => ({ id, owns: [`src/${id}/**`] }))),
    });
    repos.push(repo);
    const runs = join(repo.root, '.baton', 'runs');
    mkdirSync(runs, { recursive: true });
    writeFileSync(join(runs, 'run-1.log'), 'a run log\n');
    const r = await runBaton(['clean', '--force', 'runs', 'cache'], { cwd: repo.root });
    expect(existsSync(join(runs, 'run-1.log')), r.stdout).toBe(true);
    expect(r.stderr).toContain(
      "the worktrees folder .baton (`worktrees` in baton.yaml) is Baton's state folder .baton",
    );
    expect(r.stderr).toContain('no folder there is taken for a leftover worktree');
  });
});
