// `baton verify` on a feature whose branch has no commit of its own yet (its agent left nothing, or
// Baton's commit of its work failed) while its worktree holds work: the branch's tip is the commit the
// log says it was cut from, held by the user's branch, so the owns check measures the uncommitted work
// from there (and catches what lies outside owns) instead of saying it cannot tell what changed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ownsBase } from '../../src/checks/owns-base.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

describe('verify on a branch with no commit of its own', () => {
  it('measures the worktree’s uncommitted work from the tip it was cut from', async () => {
    repo = makeRepo({
      'README.md': 'hi\n',
      '.gitignore': '.baton/\n',
      ...contractFiles([
        {
          id: 'a',
          owns: ['src/a/**'],
          agent: { command: 'true' },
          criteria: [{ id: 't', text: 'its file is there', run: 'test -f src/a/x.txt' }],
        },
      ]),
    });
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.stdout).toContain('a: empty');
    const main = repo.git('rev-parse', 'main');
    expect(repo.git('rev-parse', 'refs/heads/baton/a')).toBe(main);
    expect(await ownsBase(repo.root, main, main, 'baton/a')).toEqual({ base: main });

    const wt = join(repo.root, '..', 'repo.baton-worktrees', 'a');
    mkdirSync(join(wt, 'src/a'), { recursive: true });
    writeFileSync(join(wt, 'src/a/x.txt'), 'by hand\n');
    writeFileSync(join(wt, 'outside.txt'), 'by hand\n');
    const v = await runBaton(['verify', 'a'], { cwd: repo.root });
    expect(v.stdout + v.stderr).not.toContain('cannot tell what baton/a changed');
    expect(v.stdout + v.stderr).toContain('changed outside owns: outside.txt');
    expect(v.code).toBe(1);
  });
});
