// `baton verify <id>` once `baton clean <id>.a<winner>` removed the winner's branch and worktree: it
// checks `baton/<id>`, and the command its hint prints makes the worktree to check it in.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { alphaRepo } from './alpha-rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('verify after the winner attempt was cleaned', () => {
  it('names the worktree to make for baton/<id>, and checks there once it is made', async () => {
    // Attempt 2 alone writes the file the check wants: it wins.
    const repo = alphaRepo(
      'mkdir -p src/alpha && if [ "$BATON_ATTEMPT" = 2 ]; then echo ok > src/alpha/a.txt; else echo no > src/alpha/b.txt; fi\n',
    );
    repos.push(repo);
    const run = await runBaton(['run', '--attempts', '2'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/alpha: attempt 2 wins/);
    const clean = await runBaton(['clean', 'alpha.a2'], { cwd: repo.root });
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);

    const refused = await runBaton(['verify', 'alpha'], { cwd: repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/nothing is checked out on baton\/alpha\) \[verify\/no-worktree\]/);
    const command = /`(git worktree prune && git worktree add [^`]+ baton\/alpha)`/.exec(refused.stderr)?.[1];
    expect(command, refused.stderr).toBeDefined();

    // The hint, run as printed.
    execFileSync('sh', ['-c', command!], { cwd: repo.root, stdio: 'ignore' });
    const verified = await runBaton(['verify', 'alpha'], { cwd: repo.root });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/alpha {2}checks 2\/2 \(\.\.\/repo\.baton-worktrees\/alpha,/);
    expect(verified.stdout).toMatch(/2 passed, 0 failed/);
  });
});
