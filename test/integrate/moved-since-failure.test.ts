// A feature whose checks failed and whose branch the user has fixed since (a commit on baton/<id>
// after the failed check) was left out with the hint `baton run --resume <id>`, which runs its agent
// again. What it needs is `baton verify <id>`: it checks the branch as it is now. Real git, real runs.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles, okCheckedFeature } from '../rig/contracts.js';
import { GIT_ENV, makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Feature `a` passes; `p`'s agent writes `C` where its check wants `OK`, so it fails its checks. */
async function ranWithFailure(): Promise<TempRepo> {
  const repo = makeRepo({
    '.gitignore': '.baton/\n',
    'baton.config.json': '{ "test": "true" }\n',
    ...contractFiles([okCheckedFeature('a', 'OK'), okCheckedFeature('p', 'C')]),
  });
  repos.push(repo);
  const run = await runBaton(['run'], { cwd: repo.root });
  expect(run.stdout).toContain('p: failed-checks');
  return repo;
}

/** Commits the fix on baton/p, in its worktree, as the user would. */
function fixP(repo: TempRepo): void {
  const blocks = repo.git('worktree', 'list', '--porcelain').split('\n\n');
  const worktree = blocks
    .find((b) => b.includes('branch refs/heads/baton/p'))
    ?.split('\n')[0]
    ?.replace(/^worktree /, '');
  if (worktree === undefined) throw new Error('no worktree on baton/p');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: worktree, env: GIT_ENV });
  execFileSync('sh', ['-c', 'echo OK > src/p/x.txt'], { cwd: worktree });
  git('commit', '-qam', 'p: say OK');
}

describe('a feature fixed on its branch since its checks failed', () => {
  it('is left out with `baton verify`, not a rerun, as the next step; verify then lets it merge', async () => {
    const repo = await ranWithFailure();
    // Not fixed yet: a rerun of its agent is what it needs.
    const before = await runBaton(['integrate', 'p'], { cwd: repo.root });
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('hint: Fix and re-run them (baton run --resume p keeps their work');

    fixP(repo);
    const r = await runBaton(['integrate', 'p'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /not merged: p \(failed-checks: .*; baton\/p has moved to [0-9a-f]{10} since its checks failed on [0-9a-f]{10}: run `baton verify p`\)/,
    );
    expect(r.stderr).toContain(
      'hint: Run `baton verify p` (its branch moved since its checks failed: verify checks it as it is now), then integrate again; or merge them anyway with --include failed-checks.',
    );
    expect(r.stderr).not.toContain('run --resume');

    expect((await runBaton(['verify', 'p'], { cwd: repo.root })).code).toBe(0);
    const after = await runBaton(['integrate', 'p'], { cwd: repo.root });
    expect(after.code, after.stdout + after.stderr).toBe(0);
  });

  it('names verify in the hint of an integration that merged the others', async () => {
    const repo = await ranWithFailure();
    fixP(repo);
    const r = await runBaton(['integrate'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/Integration partial .*: 1 of 2 merged/);
    expect(r.stdout).toContain(
      'hint: Run `baton verify p` (its branch moved since its checks failed: verify checks it as it is now), then integrate again; or, to take what merged:',
    );
    expect(r.stdout).not.toContain('run --resume');
  });

  it('names verify after --continue too, as the start of that integration did', async () => {
    // a and c write shared.txt apart: merging c stops at the conflict with a.
    const writesShared = (id: string) => ({
      id,
      owns: [`src/${id}/**`, 'shared.txt'],
      agent: { command: `echo ${id} > shared.txt` },
    });
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      'baton.config.json': '{ "test": "true" }\n',
      ...contractFiles([writesShared('a'), writesShared('c'), okCheckedFeature('p', 'C')]),
    });
    repos.push(repo);
    expect((await runBaton(['run'], { cwd: repo.root })).stdout).toContain('p: failed-checks');
    fixP(repo);
    const stopped = await runBaton(['integrate'], { cwd: repo.root });
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(1);
    expect(stopped.stdout).toContain('  baton integrate --continue');
    const wt = repo.git('worktree', 'list', '--porcelain').match(/^worktree (.*integration)$/m)?.[1];
    if (wt === undefined) throw new Error('no integration worktree');
    execFileSync('sh', ['-c', 'echo a and c > shared.txt && git add shared.txt'], { cwd: wt, env: GIT_ENV });
    const r = await runBaton(['integrate', '--continue'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/Integration partial .*: 2 of 3 merged/);
    expect(r.stdout).toContain(
      'hint: Run `baton verify p` (its branch moved since its checks failed: verify checks it as it is now), then integrate again; or, to take what merged:',
    );
    expect(r.stdout).not.toContain('run --resume');
  });
});
