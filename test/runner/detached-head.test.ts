// An agent that detaches HEAD in its worktree (`git checkout <sha>`, a rebase that stopped) and commits
// there failed with "the agent left its worktree on a detached HEAD, not on baton/a", never naming its
// commits; the resume it offered was refused with "Move or remove that worktree", and a `git worktree
// remove` then left the agent's commit reachable from nothing. The failure now names the commits and
// the git command that keeps them on the branch, the refusal says the same for the feature's own
// worktree, and following either, the resume goes on with the agent's work.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keepOnBranchWords, readDetachedHead } from '../../src/guard/detached-head.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A project whose feature `a` runs `agent` the first time, and only writes its file on later runs. */
function detachingProject(agent: string): { repo: TempRepo; wt: string } {
  const marker = '"$BATON_WORKTREE/../detached-once"';
  const command = `if [ ! -e ${marker} ]; then touch ${marker}; ${agent}; else mkdir -p src/a && echo again > src/a/again.txt; fi`;
  const repo = makeRepo({
    '.gitignore': '.baton/\n',
    ...contractFiles([{ id: 'a', agent: { command } }]),
  });
  repos.push(repo);
  return { repo, wt: join(repo.root, '..', 'repo.baton-worktrees', 'a') };
}

const commitWork = (file: string, message: string) =>
  `mkdir -p src/a && echo ${file} > src/a/${file}.txt && git add -A && git commit -qm "${message}"`;

describe('an agent that commits on a detached HEAD', () => {
  it('fails naming its commit and the switch that keeps it; the resume refused says the same; followed, the resume keeps the work', async () => {
    const { repo, wt } = detachingProject(
      `git checkout -q --detach && ${commitWork('work', "the agent's work")}`,
    );
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code).toBe(1);
    const sha = repo.git('-C', wt, 'rev-parse', '--short', 'HEAD');
    const keep = `git -C ${wt} switch -C baton/a`;
    expect(run.stdout).toContain(
      `a: failed — the agent left its worktree on a detached HEAD, not on baton/a, with 1 commit no branch has (${sha} the agent's work); keep it on baton/a with \`${keep}\`, then \`baton run --resume a\``,
    );

    // The resume the run offers is refused while the worktree is detached: the hint is the same switch,
    // never "remove that worktree", which would leave the commit reachable from nothing.
    const refused = await runBaton(['run', '--resume', 'a'], { cwd: repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `baton: ${wt} is a worktree on a detached HEAD, not baton/a; it is this feature's own worktree, with 1 commit no branch has (${sha} the agent's work) [run/worktree-mismatch]`,
    );
    expect(refused.stderr).toContain(
      `hint: Keep it on baton/a with \`${keep}\`, then run again: removing it would leave what no branch has reachable from nothing.`,
    );
    expect(refused.stderr).not.toContain('remove that worktree');

    repo.git('-C', wt, 'switch', '-q', '-C', 'baton/a');
    const resumed = await runBaton(['run', '--resume', 'a'], { cwd: repo.root });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(repo.git('log', '--format=%s', 'baton/a')).toContain("the agent's work");
    expect(existsSync(join(wt, 'src', 'a', 'again.txt'))).toBe(true);
  });

  it('below its branch tip: a switch back, then a cherry-pick of exactly the commits no branch has', async () => {
    // On its branch first (the commit stays there), then detached below it, where it commits again.
    const { repo, wt } = detachingProject(
      `${commitWork('first', 'on the branch')} && git checkout -q --detach HEAD~1 && ${commitWork('second', 'off the branch')}`,
    );
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code).toBe(1);
    const head = repo.git('-C', wt, 'rev-parse', 'HEAD');
    const keep = `\`git -C ${wt} switch baton/a\`, then \`git -C ${wt} cherry-pick ${head}\``;
    expect(run.stdout).toContain(
      `with 1 commit no branch has (${head.slice(0, 7)} off the branch); keep it on baton/a with ${keep}, then \`baton run --resume a\``,
    );
    repo.git('-C', wt, 'switch', '-q', 'baton/a');
    repo.git('-C', wt, 'cherry-pick', head);
    const resumed = await runBaton(['run', '--resume', 'a'], { cwd: repo.root });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const subjects = repo.git('log', '--format=%s', 'baton/a');
    expect(subjects).toContain('on the branch');
    expect(subjects).toContain('off the branch');
  });
});

describe('keepOnBranchWords', () => {
  const at = { head: 'c'.repeat(40), count: 2, newest: [], onTop: false, branchExists: true };
  it.each([
    [
      'a rebase under way: it ends first',
      { ...at, inProgress: { branch: 'baton/a', worktree: '/w', operation: 'rebase' as const, main: false } },
      'finish the rebase of baton/a there (`git -C /w rebase --continue`) or abort it (`git -C /w rebase --abort`)',
    ],
    [
      'a bisect under way: it ends first',
      { ...at, inProgress: { branch: 'baton/a', worktree: '/w', operation: 'bisect' as const, main: false } },
      'end the bisect there (`git -C /w bisect reset`)',
    ],
    [
      'nothing of its own: a switch back',
      { ...at, count: 0 },
      'put the worktree back on baton/a with `git -C /w switch baton/a`',
    ],
    [
      'nothing of its own, the branch gone: made at HEAD',
      { ...at, count: 0, branchExists: false, onTop: true },
      'put the worktree back on baton/a with `git -C /w switch -c baton/a`',
    ],
    [
      'on top of the branch: the branch moved to HEAD',
      { ...at, onTop: true },
      'keep them on baton/a with `git -C /w switch -C baton/a`',
    ],
    [
      'off the branch, too many or merges to pick: a merge of HEAD',
      at,
      `keep them on baton/a with \`git -C /w switch baton/a\`, then \`git -C /w merge ${'c'.repeat(40)}\``,
    ],
  ])('%s', (_, d, words) => {
    expect(keepOnBranchWords('/w', 'baton/a', d)).toBe(words);
  });

  it('is for a detached HEAD only: a worktree on a branch has nothing to keep', async () => {
    const repo = makeRepo();
    repos.push(repo);
    expect(await readDetachedHead(repo.root, 'main')).toBeUndefined();
    repo.git('checkout', '-q', '--detach');
    expect(await readDetachedHead(repo.root, 'main')).toMatchObject({ count: 0, onTop: true, newest: [] });
  });
});

describe('readDetachedHead in a rebase that stopped', () => {
  it('names the rebase of the branch under way, which a switch must not cut short', async () => {
    const repo = makeRepo({ 'f.txt': 'base\n' });
    repos.push(repo);
    const wt = join(repo.root, '..', 'wt-a');
    repo.git('worktree', 'add', '-q', '-b', 'baton/a', wt, 'main');
    writeFileSync(join(wt, 'f.txt'), 'a\n');
    repo.git('-C', wt, 'commit', '-q', '-am', 'a conflicts');
    repo.commit('main moves', { 'f.txt': 'main\n' });
    // The conflict stops the rebase onto main, HEAD detached.
    expect(() => repo.git('-C', wt, 'rebase', '-q', 'main')).toThrow();
    const d = await readDetachedHead(wt, 'baton/a');
    expect(d?.inProgress).toMatchObject({ branch: 'baton/a', operation: 'rebase' });
    expect(d && keepOnBranchWords(wt, 'baton/a', d)).toContain(`git -C ${wt} rebase --continue`);
  });
});
